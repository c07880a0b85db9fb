"""PyPI with the real clients: twine and uv publish, pip and uv install, requires-python,
yanks, core-metadata files, and refused uploads leaving nothing behind."""

from __future__ import annotations

import hashlib
import json

import pytest

from pypi_support import (build, client_env, installed_version, make_project, new_venv, ok, pip_install,
                          simple_json, twine_upload, uv_pip_install, uv_publish)


@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """Wheels and sdists built once with `python -m build` from tiny setuptools projects."""
    root = tmp_path_factory.mktemp("dists")
    env = client_env(root / "home")
    built = {}
    for key, name, version, requires in [("demo10", "Nora_Demo", "1.0", None), ("demo11", "Nora_Demo", "1.1", None),
                                         ("demo20", "Nora_Demo", "2.0", ">=3.99"), ("uv", "uvdemo", "0.1", ">=3.8")]:
        project = make_project(root / "src", name, version, requires)
        built[key] = build(project, root / key, env)
    return built


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_twine_upload_then_pip_install_reads_core_metadata(nora, dists, tmp_path):
    env = client_env(tmp_path / "home")
    wheel, sdist = dists["demo10"]
    upload = twine_upload(nora.base, [wheel, sdist], env)
    ok(upload)

    page = simple_json(nora, "nora-demo")
    assert page["meta"]["api-version"] == "1.1"
    assert page["name"] == "nora-demo" and page["versions"] == ["1.0"]
    files = {f["filename"]: f for f in page["files"]}
    assert set(files) == {wheel.name, sdist.name}
    assert files[wheel.name]["hashes"]["sha256"] == sha256(wheel)
    assert files[wheel.name]["size"] == wheel.stat().st_size
    assert files[wheel.name]["upload-time"].endswith("Z")
    assert files[sdist.name]["core-metadata"] is False
    core = files[wheel.name]["core-metadata"]["sha256"]
    metadata = nora.get(f"/simple/nora-demo/{wheel.name}.metadata")
    assert metadata.status == 200 and hashlib.sha256(metadata.body).hexdigest() == core
    assert b"Name: Nora-Demo" in metadata.body
    # The list shows the name as uploaded (setuptools writes Nora-Demo); URLs use the normalized one.
    listing = nora.get("/simple/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
    assert listing["projects"] == [{"name": "Nora-Demo"}]
    assert "<title>Links for Nora-Demo</title>" in nora.get("/simple/nora-demo/").text

    venv = new_venv(tmp_path / "venv", env)
    ok(pip_install(venv, f"{nora.base}/simple/", "nora-demo", env))
    assert installed_version(venv, "nora_demo_mod", env) == "1.0"
    # pip resolved from the .metadata file (PEP 658) rather than by downloading the wheel to read it.
    assert f"/simple/nora-demo/{wheel.name}.metadata" in nora.log()


def test_uv_publish_then_uv_pip_install(nora, dists, tmp_path):
    env = client_env(tmp_path / "home")
    wheel, sdist = dists["uv"]
    ok(uv_publish(nora.base, [wheel, sdist], env))
    page = simple_json(nora, "uvdemo")
    assert sorted(f["filename"] for f in page["files"]) == sorted([wheel.name, sdist.name])
    assert all(f["requires-python"] == ">=3.8" for f in page["files"])

    venv = new_venv(tmp_path / "venv", env, with_pip=False)
    ok(uv_pip_install(venv, f"{nora.base}/simple/", "uvdemo", env))
    assert installed_version(venv, "uvdemo_mod", env) == "0.1"

    # What uv relies on when a wheel has no metadata file: a true length on HEAD, and ranges.
    head = nora.head(f"/simple/uvdemo/{wheel.name}")
    assert head.status == 200 and int(head.header("content-length")) == wheel.stat().st_size
    assert head.header("accept-ranges") == "bytes"
    tail = nora.get(f"/simple/uvdemo/{wheel.name}", headers={"Range": "bytes=-22"})
    assert tail.status == 206 and tail.body == wheel.read_bytes()[-22:]
    assert tail.header("content-range") == f"bytes {wheel.stat().st_size - 22}-{wheel.stat().st_size - 1}/{wheel.stat().st_size}"


def test_requires_python_and_yanked_versions(nora, dists, tmp_path):
    env = client_env(tmp_path / "home")
    ok(twine_upload(nora.base, [dists["demo10"][0], dists["demo11"][0], dists["demo20"][0]], env))
    yank = nora.curl("POST", "/simple/nora-demo/1.1/yank", data=json.dumps({"reason": "broken <build>"}),
                     headers={"Content-Type": "application/json"})
    assert yank.status == 200, yank
    assert yank.json() == {"project": "nora-demo", "version": "1.1", "yanked": True, "reason": "broken <build>",
                           "files": [dists["demo11"][0].name]}

    html = nora.get("/simple/nora-demo/", headers={"Accept": "text/html"}).text
    assert 'data-yanked="broken &lt;build&gt;"' in html
    assert 'data-requires-python="&gt;=3.99"' in html
    files = {f["filename"]: f for f in simple_json(nora, "nora-demo")["files"]}
    assert files[dists["demo11"][0].name]["yanked"] == "broken <build>"
    assert files[dists["demo10"][0].name]["yanked"] is False

    index = f"{nora.base}/simple/"
    venv = new_venv(tmp_path / "venv", env)
    # 2.0 needs Python >= 3.99 and 1.1 is yanked: both clients settle on 1.0.
    ok(pip_install(venv, index, "nora-demo", env))
    assert installed_version(venv, "nora_demo_mod", env) == "1.0"
    bare = new_venv(tmp_path / "bare", env, with_pip=False)
    ok(uv_pip_install(bare, index, "nora-demo", env))
    assert installed_version(bare, "nora_demo_mod", env) == "1.0"
    # Pinned with == a yanked version is still installed, with the reason shown.
    pinned = ok(pip_install(venv, index, "nora-demo==1.1", env))
    assert installed_version(venv, "nora_demo_mod", env) == "1.1"
    assert "broken <build>" in pinned.stdout + pinned.stderr

    unyank = nora.curl("POST", "/simple/nora-demo/1.1/unyank", data=b"")
    assert unyank.status == 200 and unyank.json()["yanked"] is False
    fresh = new_venv(tmp_path / "fresh", env, with_pip=False)
    ok(uv_pip_install(fresh, index, "nora-demo", env))
    assert installed_version(fresh, "nora_demo_mod", env) == "1.1"
