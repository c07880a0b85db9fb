"""A full disk: with a small tmpfs as the storage folder, uploads past the free space fail with
507 Insufficient Storage (in the format's own error shape), leave nothing partial, and the
server keeps serving reads and accepting uploads that fit."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from proxy_support import FakeUpstream, proxy_env
from pypi_support import upload_area_files


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    # CI and these machines run as root, where a tmpfs mount works; anything else is a failure.
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_uploads_past_the_free_space_fail_cleanly(nora_factory, small_disk):
    server = nora_factory({"NORA_STORAGE_PATH": str(small_disk / "storage")})
    kept = os.urandom(1 << 20)
    assert server.put("/raw/kept.bin", kept).status == 201
    blobs = server.blob_files()

    too_big = os.urandom(40 << 20)
    r = server.put("/raw/big.bin", too_big)
    assert r.status == 507 and "storage is full" in r.json()["error"], r
    digest = "sha256:" + hashlib.sha256(too_big).hexdigest()
    r = server.curl("POST", f"/v2/team/app/blobs/uploads/?digest={digest}", data=too_big)
    assert r.status == 507, r
    error = r.json()["errors"][0]
    assert error["code"] == "UNKNOWN" and "full" in str(error.get("detail")), error

    assert server.blob_files() == blobs
    assert upload_area_files(server) == []
    assert server.get("/raw/big.bin").status == 404
    assert server.get("/raw/kept.bin").body == kept
    assert server.get("/ready").status == 200
    # space came back with the refused upload: what fits is stored
    fits = os.urandom(2 << 20)
    assert server.put("/raw/fits.bin", fits).status == 201
    assert server.get("/raw/fits.bin").body == fits


def test_a_proxied_file_past_the_free_space_is_507_not_an_upstream_failure(nora_factory, small_disk):
    """The disk, not the upstream, failed: the client hears 507, the upstream is not blamed
    (its circuit stays closed, so what fits is still fetched), and nothing partial remains."""
    big, small = os.urandom(40 << 20), os.urandom(1 << 20)
    routes = {}
    for name, data in (("big", big), ("small", small)):
        path = f"/com/example/full/{name}/1.0/{name}-1.0.jar"
        routes[path] = (200, {"Content-Type": "application/java-archive"}, data)
        routes[path + ".sha1"] = (200, {"Content-Type": "text/plain"}, hashlib.sha1(data).hexdigest().encode())
    with FakeUpstream(routes) as upstream:
        server = nora_factory(proxy_env(NORA_STORAGE_PATH=str(small_disk / "storage"), NORA_MAVEN_PROXIES=upstream.base,
                                        NORA_CB_THRESHOLD="2"))
        blobs = server.blob_files()
        jar = "/maven2/com/example/full/big/1.0/big-1.0.jar"
        for _ in range(3):  # more than the circuit breaker's threshold
            # a Range asks for the stored copy first, so the failure can still be the status
            r = server.get(jar, headers={"Range": "bytes=0-99"})
            assert r.status == 507, r
        # a plain GET streams the miss: the full disk can only cut the transfer short
        r = server.get(jar)
        assert len(r.body) < len(big), r
        # only the small .sha1 file the proxy fetched to verify the jar was kept
        assert [p.stat().st_size for p in server.blob_files() if p not in blobs] == [40]
        assert upload_area_files(server) == []
        assert server.get("/maven2/com/example/full/small/1.0/small-1.0.jar").body == small
