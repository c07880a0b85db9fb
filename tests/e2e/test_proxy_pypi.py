"""PyPI pull-through proxy end to end: an ordered upstream list (a hosted nora, then
pypiserver), pip and uv installing through a fresh nora proxy, every PEP 691/503/658
attribute kept, the upstreams stopped; and, once, the real public index pip uses."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from nora_e2e import free_port
from proxy_support import proxy_env, wait_until
from pypi_support import (build, client_env, installed_version, make_project, new_venv, ok, pip_install, run,
                          simple_json, twine_upload, uv_pip_install)

PYPI_JSON = "application/vnd.pypi.simple.v1+json"
PYPISERVER = str(Path(sys.executable).parent / "pypi-server")


def start_pypiserver(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([PYPISERVER, "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".",
                             "--disable-fallback", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            with urllib.request.urlopen(base + "/simple/", timeout=2):
                return True
        except OSError:
            return False
    assert wait_until(up, timeout=30), "pypiserver did not start"
    return proc, base


def fetch(url: str, accept: str | None = None) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return response.read()


def test_pypi_chain_nora_then_pypiserver(nora_factory, tmp_path):
    env = client_env(tmp_path / "client-home")
    dist = tmp_path / "dist"
    wheel_a, sdist_a = build(make_project(tmp_path, "px-alpha", "1.0", requires_python=">=3.8"), dist / "a", env)
    old_a = build(make_project(tmp_path, "px-alpha", "0.9"), dist / "a0", env)
    wheel_b, sdist_b = build(make_project(tmp_path, "px-beta", "2.0"), dist / "b", env)

    hosted = nora_factory()
    ok(twine_upload(hosted.base, [wheel_a, sdist_a, *old_a], env))
    yank = hosted.curl("POST", "/simple/px-alpha/0.9/yank", data="reason=broken build",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert yank.status in (200, 204), yank
    served = tmp_path / "pypiserver-files"
    served.mkdir()
    for f in (wheel_b, sdist_b):
        shutil.copy(f, served / f.name)
    pypiserver, pypiserver_base = start_pypiserver(served)
    try:
        proxy = nora_factory(proxy_env(NORA_PYPI_PROXIES=f"{hosted.base}/simple,{pypiserver_base}/simple",
                                       NORA_PYPI_METADATA_TTL="1"))
        index = f"{proxy.base}/simple/"

        venv = new_venv(tmp_path / "venv", env)
        ok(pip_install(venv, index, "px-alpha", env))
        ok(pip_install(venv, index, "px-beta", env))
        assert installed_version(venv, "px_alpha_mod", env) == "1.0"
        assert installed_version(venv, "px_beta_mod", env) == "2.0"
        uv_venv = new_venv(tmp_path / "uv-venv", env, with_pip=False)
        ok(uv_pip_install(uv_venv, index, "px-beta==2.0", env))

        # every attribute of the hosted upstream's JSON page survives, links point at the proxy
        upstream_page = simple_json(hosted, "px-alpha")
        page = simple_json(proxy, "px-alpha")
        assert {f["filename"] for f in page["files"]} == {f["filename"] for f in upstream_page["files"]}
        for ours in page["files"]:
            theirs = next(f for f in upstream_page["files"] if f["filename"] == ours["filename"])
            for key in ("hashes", "requires-python", "yanked", "core-metadata", "dist-info-metadata", "size", "upload-time"):
                assert ours.get(key) == theirs.get(key), (key, ours, theirs)
            assert ours["url"] == f"{proxy.base}/simple/px-alpha/{ours['filename']}"
        assert any(f["yanked"] == "broken build" for f in page["files"])
        assert any(f.get("requires-python") == ">=3.8" for f in page["files"])
        # HTML for old clients carries the same facts
        html = proxy.get("/simple/px-alpha/", headers={"Accept": "text/html"}).text
        assert 'data-requires-python="&gt;=3.8"' in html and 'data-yanked="broken build"' in html
        assert "data-core-metadata=\"sha256=" in html and "#sha256=" in html

        # PEP 658 metadata file through the proxy equals the upstream's, and its hash
        meta_name = wheel_a.name + ".metadata"
        ours = proxy.get(f"/simple/px-alpha/{meta_name}")
        assert ours.status == 200 and ours.body == hosted.get(f"/simple/px-alpha/{meta_name}").body
        wheel_entry = next(f for f in page["files"] if f["filename"] == wheel_a.name)
        assert hashlib.sha256(ours.body).hexdigest() == wheel_entry["core-metadata"]["sha256"]

        # the pypiserver (HTML) upstream: hashes from the fragments, files verified
        beta = simple_json(proxy, "px-beta")
        for f in beta["files"]:
            local = (served / f["filename"]).read_bytes()
            assert f["hashes"]["sha256"] == hashlib.sha256(local).hexdigest()
            assert proxy.get(f"/simple/px-beta/{f['filename']}").body == local

        # a project never seen anywhere is the format's 404
        assert proxy.get("/simple/px-nowhere/", headers={"Accept": PYPI_JSON}).status == 404
    finally:
        pypiserver.terminate()
        pypiserver.wait(timeout=15)
    hosted.terminate()
    time.sleep(1.5)  # past the TTL: the pages must be revalidated, and that fails

    # upstreams gone: everything fetched before still installs
    venv2 = new_venv(tmp_path / "venv2", env)
    ok(pip_install(venv2, index, "px-alpha==1.0", env))
    ok(pip_install(venv2, index, "px-beta", env))
    stale = proxy.get("/simple/px-alpha/", headers={"Accept": PYPI_JSON})
    assert stale.status == 200 and "Stale" in (stale.header("warning") or "")
    started = time.monotonic()
    failed = pip_install(venv2, index, "px-never-fetched", env)
    assert failed.returncode != 0
    assert time.monotonic() - started < 60


def public_index_reachable() -> bool:
    try:
        fetch("https://pypi.org/simple/six/", PYPI_JSON)
        return True
    except OSError:
        return False


@pytest.mark.skipif(not public_index_reachable(), reason="the public package index is not reachable from here")
def test_pypi_through_the_public_index(nora_factory, tmp_path):
    """The default upstream (the index pip uses): a few small real packages install through nora,
    and every file's hash and attributes match what the index itself says."""
    proxy = nora_factory(proxy_env())  # NORA_PYPI_PROXY left at its default
    env = client_env(tmp_path / "home")
    venv = new_venv(tmp_path / "venv", env)
    ok(pip_install(venv, f"{proxy.base}/simple/", "six==1.16.0", env))
    ok(pip_install(venv, f"{proxy.base}/simple/", "python-dateutil==2.9.0.post0", env))
    check = ok(run([str(venv / "bin" / "python"), "-c", "import dateutil, six; print(six.__version__)"], env))
    assert check.stdout.strip() == "1.16.0"

    for project in ("six", "python-dateutil"):
        upstream = json.loads(fetch(f"https://pypi.org/simple/{project}/", PYPI_JSON))
        ours = simple_json(proxy, project)
        theirs = {f["filename"]: f for f in upstream["files"]}
        assert set(theirs) == {f["filename"] for f in ours["files"]}
        for f in ours["files"]:
            t = theirs[f["filename"]]
            for key in ("hashes", "requires-python", "yanked", "size", "upload-time"):
                assert f.get(key) == t.get(key), (project, f["filename"], key)
            assert bool(f.get("core-metadata")) == bool(t.get("core-metadata", t.get("dist-info-metadata")))
    # the installed wheels came through nora and match the index's hashes
    six_page = simple_json(proxy, "six")
    wheel = next(f for f in six_page["files"] if f["filename"] == "six-1.16.0-py2.py3-none-any.whl")
    body = proxy.get(f"/simple/six/{wheel['filename']}").body
    assert hashlib.sha256(body).hexdigest() == wheel["hashes"]["sha256"]
    metadata = proxy.get(f"/simple/six/{wheel['filename']}.metadata")
    if wheel.get("core-metadata"):
        assert metadata.status == 200
        assert hashlib.sha256(metadata.body).hexdigest() == wheel["core-metadata"]["sha256"]


def test_pypi_file_failing_its_hash_is_never_served_whole(nora_factory):
    """A miss streams to the client while it is checked: a file whose bytes do not match the
    page's sha256 ends as a cut-short transfer (never a complete 200), and nothing is stored."""
    from proxy_support import FakeUpstream

    good = hashlib.sha256(b"the real wheel").hexdigest()
    body = b"x" * 300_000
    page = json.dumps({"meta": {"api-version": "1.0"}, "name": "px-liar", "files": [
        {"filename": "px_liar-1.0-py3-none-any.whl", "url": "/files/px_liar-1.0-py3-none-any.whl",
         "hashes": {"sha256": good}}]}).encode()
    routes = {"/simple/px-liar/": (200, {"Content-Type": PYPI_JSON}, page),
              "/files/px_liar-1.0-py3-none-any.whl": (200, {"Content-Type": "application/octet-stream"}, body)}
    with FakeUpstream(routes) as fake:
        proxy = nora_factory(proxy_env(NORA_PYPI_PROXY=f"{fake.base}/simple"))
        for attempt in (1, 2):
            proc = subprocess.run(["curl", "-s", "-S", "--noproxy", "*", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                                   f"{proxy.base}/simple/px-liar/px_liar-1.0-py3-none-any.whl"], capture_output=True, text=True)
            status, size = proc.stdout.split()
            assert proc.returncode != 0 or status != "200" or int(size) < len(body), (proc.returncode, proc.stdout)
            assert fake.hits["/files/px_liar-1.0-py3-none-any.whl"] == attempt
        assert all(f.read_bytes() != body for f in proxy.blob_files())
