"""PyPI: refused uploads (clear 400 reasons, nothing stored), auth with real clients, and
the simple API's HTTP details (negotiation, redirects, errors)."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from pypi_support import (TWINE, UV, build, client_env, make_project, new_venv, ok, pip_install, post_upload, run, simple_json,
                          twine_upload, upload_area_files, uv_pip_install, uv_publish, installed_version, wheel_bytes)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("dists")
    return build(make_project(root / "src", "errdemo", "1.0", ">=3.8"), root / "out", client_env(root / "home"))


def fields(content: bytes, name="errdemo", version="1.0", filetype="bdist_wheel", **extra) -> dict[str, str]:
    f = {"name": name, "version": version, "filetype": filetype, "sha256_digest": hashlib.sha256(content).hexdigest()}
    f.update(extra)
    return f


def assert_nothing_stored(nora, blobs_before: int) -> None:
    assert len(nora.blob_files()) == blobs_before
    assert upload_area_files(nora) == []


def test_bad_uploads_are_refused_with_reasons_and_store_nothing(nora):
    wheel = wheel_bytes()
    cases = [
        ("wrong sha256", "errdemo-1.0-py3-none-any.whl", wheel, fields(wheel, sha256_digest="0" * 64), "Digest mismatch"),
        ("wrong md5", "errdemo-1.0-py3-none-any.whl", wheel, fields(wheel, md5_digest="0" * 32), "md5_digest"),
        ("wrong blake2", "errdemo-1.0-py3-none-any.whl", wheel, fields(wheel, blake2_256_digest="1" * 64), "blake2_256_digest"),
        ("name mismatch", "other-1.0-py3-none-any.whl", wheel, fields(wheel), "does not belong to project"),
        ("version mismatch", "errdemo-2.0-py3-none-any.whl", wheel, fields(wheel), "does not match version"),
        ("bad wheel name", "errdemo-1.0.whl", wheel, fields(wheel), "not a valid wheel name"),
        ("not a zip", "errdemo-1.0-py3-none-any.whl", b"not a zip", fields(b"not a zip"), "not a valid wheel"),
        ("metadata of another project", "errdemo-1.0-py3-none-any.whl", wheel_bytes(metadata_name="evil"),
         fields(wheel_bytes(metadata_name="evil")), "contains metadata for 'evil'"),
        ("sdist that is not gzip", "errdemo-1.0.tar.gz", b"plain", fields(b"plain", filetype="sdist"), "not a valid sdist"),
        ("wrong filetype", "errdemo-1.0.tar.gz", b"plain", fields(b"plain"), "filetype"),
        ("bad project name", "errdemo-1.0-py3-none-any.whl", wheel, fields(wheel, name="-bad-"), "Invalid project name"),
    ]
    for label, filename, content, form, reason in cases:
        r = post_upload(nora.base, filename, content, form)
        assert r.status_code == 400, (label, r.status_code, r.text)
        assert reason in r.text, (label, r.text)
        assert r.headers["content-type"].startswith("text/plain")
    assert_nothing_stored(nora, 0)
    assert simple_json_projects(nora) == []
    # The same wheel with correct digests is accepted: the cases above failed for their reason only.
    good = post_upload(nora.base, "errdemo-1.0-py3-none-any.whl", wheel,
                       fields(wheel, md5_digest=hashlib.md5(wheel).hexdigest(),
                              blake2_256_digest=hashlib.blake2b(wheel, digest_size=32).hexdigest()))
    assert good.status_code == 200, good.text


def simple_json_projects(nora) -> list:
    return nora.get("/simple/?format=application/vnd.pypi.simple.v1%2Bjson").json()["projects"]


def test_duplicate_upload_is_refused_by_twine(nora, demo, tmp_path):
    env = client_env(tmp_path / "home")
    wheel, sdist = demo
    ok(twine_upload(nora.base, [wheel, sdist], env))
    blobs = len(nora.blob_files())
    again = twine_upload(nora.base, [wheel], env)
    assert again.returncode != 0
    assert "400" in again.stdout + again.stderr and "File already exists" in again.stdout + again.stderr
    assert_nothing_stored(nora, blobs)
    assert len(simple_json(nora, "errdemo")["files"]) == 2
    # uv publish shows the same reason.
    uv = uv_publish(nora.base, [sdist], env)
    assert uv.returncode != 0 and "File already exists" in uv.stdout + uv.stderr, uv
    assert_nothing_stored(nora, blobs)


def test_republishing_skips_existing_files_with_uv_check_url(nora, demo, tmp_path):
    """What docs/pypi.md recommends for re-runs: current twine refuses --skip-existing for any
    index but the public one, while `uv publish --check-url <index>` looks each file up in
    nora's simple index (name and sha256) and skips those already there."""
    env = client_env(tmp_path / "home")
    wheel, sdist = demo
    ok(twine_upload(nora.base, [wheel], env))
    blobs = len(nora.blob_files())
    skip = run([TWINE, "upload", "--skip-existing", "--non-interactive", "--repository-url", f"{nora.base}/simple/",
                "-u", "u", "-p", "p", str(wheel)], env)
    assert skip.returncode != 0 and "skip-existing" in (skip.stdout + skip.stderr).lower(), skip
    both = run([UV, "publish", "--publish-url", f"{nora.base}/simple/", "--check-url", f"{nora.base}/simple/",
                "-u", "u", "-p", "p", str(wheel), str(sdist)], env)
    ok(both)
    assert len(simple_json(nora, "errdemo")["files"]) == 2
    assert len(nora.blob_files()) > blobs  # the sdist (and its metadata) was uploaded, the wheel skipped


def test_oversize_file_is_refused(nora_factory, demo, tmp_path):
    nora = nora_factory({"NORA_PYPI_MAX_FILE_SIZE": "600"})
    wheel, _ = demo
    assert wheel.stat().st_size > 600
    result = twine_upload(nora.base, [wheel], client_env(tmp_path / "home"))
    assert result.returncode != 0 and "File too large" in result.stdout + result.stderr
    assert_nothing_stored(nora, 0)


def test_auth_with_twine_token_and_pip_credentials(auth_nora, demo, tmp_path):
    nora = auth_nora()
    env = client_env(tmp_path / "home")
    anonymous = nora.get("/simple/")
    assert anonymous.status == 401 and anonymous.header("www-authenticate").startswith("Basic")
    assert b"authentication required" in anonymous.body

    token = nora.nora("token", "create", "--name", "ci", "--role", "write").stdout.strip()
    reader = nora.nora("token", "create", "--name", "ro", "--role", "read").stdout.strip()
    wheel, sdist = demo
    denied = twine_upload(nora.base, [wheel], env, user="ro", password=reader)
    assert denied.returncode != 0 and "403" in denied.stdout + denied.stderr
    ok(twine_upload(nora.base, [wheel, sdist], env, user="__token__", password=token))

    index = f"http://admin:s3cret@127.0.0.1:{nora.port}/simple/"
    venv = new_venv(tmp_path / "venv", env)
    ok(pip_install(venv, index, "errdemo", env))
    assert installed_version(venv, "errdemo_mod", env) == "1.0"
    bare = new_venv(tmp_path / "bare", env, with_pip=False)
    ok(uv_pip_install(bare, f"http://ci:{token}@127.0.0.1:{nora.port}/simple/", "errdemo", env))
    # Bad credentials are refused even for reads.
    assert nora.get("/simple/errdemo/", user="admin:wrong").status == 401


def test_simple_api_negotiation_redirects_and_errors(nora, demo, tmp_path):
    wheel, sdist = demo
    ok(twine_upload(nora.base, [wheel, sdist], client_env(tmp_path / "home")))
    pip_accept = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"
    cases = [(pip_accept, "application/vnd.pypi.simple.v1+json"),
             ("application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.v1+html"),
             ("application/vnd.pypi.simple.latest+json", "application/vnd.pypi.simple.v1+json"),
             ("*/*", "text/html; charset=utf-8"),
             ("application/vnd.pypi.simple.v1+json;q=0.5, text/html", "text/html; charset=utf-8")]
    for accept, expected in cases:
        r = nora.get("/simple/errdemo/", headers={"Accept": accept})
        assert r.status == 200 and r.header("content-type") == expected, (accept, r)
        assert r.header("vary") == "Accept"
    assert nora.get("/simple/errdemo/?format=application/vnd.pypi.simple.v1%2Bjson").json()["name"] == "errdemo"
    assert nora.get("/simple/errdemo/", headers={"Accept": "application/json"}).status == 406
    html = nora.get("/simple/").text
    assert '<meta name="pypi:repository-version" content="1.1">' in html and f"{nora.base}/simple/errdemo/" in html
    page = nora.get("/simple/errdemo/").text
    assert f'href="{nora.base}/simple/errdemo/{wheel.name}#sha256={hashlib.sha256(wheel.read_bytes()).hexdigest()}"' in page
    assert 'data-requires-python="&gt;=3.8"' in page and "data-core-metadata=\"sha256=" in page

    for path, target in [("/simple/ErrDemo/", "/simple/errdemo/"), ("/simple/errdemo", "/simple/errdemo/"),
                         ("/simple/Err_Demo/?format=json", "/simple/err-demo/?format=json"), ("/simple", "/simple/")]:
        r = nora.get(path)
        assert r.status == 301 and r.header("location") == nora.base + target, (path, r)
    missing = nora.get("/simple/nothing-here/")
    assert missing.status == 404 and missing.header("content-type").startswith("text/plain")
    assert b"Project not found" in missing.body
    assert nora.get(f"/simple/errdemo/{sdist.name}.metadata").status == 404
    etag = nora.head(f"/simple/errdemo/{wheel.name}").header("etag")
    assert nora.get(f"/simple/errdemo/{wheel.name}", headers={"If-None-Match": etag}).status == 304
    assert nora.curl("POST", "/simple/errdemo/9.9/yank", data=b"").status == 404
