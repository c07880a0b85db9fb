"""Large immutable files on a proxy miss reach the client while they are fetched: the first
bytes of an npm tarball, a crate and a Maven jar arrive while the upstream still holds back
the second half, and the complete file is verified, stored and served from the cache after."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading

import requests

from proxy_support import FakeUpstream, GatedBody, proxy_env

SIZE = 4 << 20


def assert_streams(url: str, body: GatedBody) -> None:
    """GET `url`: some bytes arrive before the upstream's gate opens, then all of them."""
    got = bytearray()
    early = threading.Event()
    with requests.get(url, stream=True, timeout=30) as r:
        assert r.status_code == 200, r.text[:300]
        assert r.headers.get("Content-Length") == str(len(body.data))

        def read() -> None:
            for chunk in r.iter_content(64 << 10):
                got.extend(chunk)
                early.set()
        reader = threading.Thread(target=read)
        reader.start()
        try:
            assert early.wait(60), "no byte reached the client before the upstream transfer ended"
            assert len(got) < len(body.data)
        finally:
            body.gate.set()
        reader.join(120)
    assert bytes(got) == body.data


def test_npm_tarball_crate_and_jar_stream_on_a_miss(nora_factory):
    tarball, crate, jar = (GatedBody(os.urandom(SIZE)) for _ in range(3))
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(tarball.data).digest()).decode()
    index_line = {"name": "streamed", "vers": "1.0.0", "deps": [], "features": {}, "yanked": False,
                  "cksum": hashlib.sha256(crate.data).hexdigest()}
    jar_path = "/com/example/streamed/lib/1.0/lib-1.0.jar"
    routes: dict[str, object] = {
        "/api/v1/crates/streamed/1.0.0/download": (200, {"Content-Type": "application/gzip"}, crate),
        "/index/st/re/streamed": (200, {"Content-Type": "text/plain"}, json.dumps(index_line).encode() + b"\n"),
        jar_path: (200, {"Content-Type": "application/java-archive"}, jar),
        jar_path + ".sha1": (200, {}, hashlib.sha1(jar.data).hexdigest().encode()),
        "/streamed/-/streamed-1.0.0.tgz": (200, {"Content-Type": "application/octet-stream"}, tarball),
    }
    with FakeUpstream(routes) as fake:
        routes["/streamed"] = (200, {"Content-Type": "application/json"}, json.dumps({
            "name": "streamed", "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {
                "name": "streamed", "version": "1.0.0",
                "dist": {"tarball": f"{fake.base}/streamed/-/streamed-1.0.0.tgz", "integrity": integrity}}}}).encode())
        proxy = nora_factory(proxy_env(NORA_NPM_PROXY=fake.base, NORA_CARGO_PROXY=fake.base, NORA_MAVEN_PROXIES=fake.base))
        cases = [("/npm/streamed/-/streamed-1.0.0.tgz", tarball, "/streamed/-/streamed-1.0.0.tgz"),
                 ("/cargo/api/v1/crates/streamed/1.0.0/download", crate, "/api/v1/crates/streamed/1.0.0/download"),
                 ("/maven2" + jar_path, jar, jar_path)]
        for path, body, upstream_path in cases:
            assert_streams(proxy.url(path), body)
            again = proxy.get(path)  # verified and stored: from the cache now
            assert again.status == 200 and again.body == body.data, (path, again.status)
            assert fake.hits[upstream_path] == 1, (path, fake.hits)
