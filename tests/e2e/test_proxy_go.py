"""Go pull-through proxy end to end: a hosted nora as the GOPROXY upstream, the real go
command building through a fresh nora proxy (go.sum hashes equal the upstream's), list and
@latest with the TTL, the checksum database passed through, and the upstream stopped."""

from __future__ import annotations

import subprocess
import time

from go_support import GoClient, parse_go_sum
from proxy_support import FakeUpstream, proxy_env, upstream_gets, wait_until
from test_go_modules import APP, GREET_V1, GREET_V2, UTIL, publish_ok


def publish_all(upstream) -> dict:
    published = {}
    published[("example.com/greet", "v1.0.0")] = publish_ok(upstream, "example.com/greet", "v1.0.0", {
        "go.mod": "module example.com/greet\n\ngo 1.21\n", "greet.go": GREET_V1 % "v1.0"})
    published[("example.com/greet/v2", "v2.0.0")] = publish_ok(upstream, "example.com/greet/v2", "v2.0.0", {
        "go.mod": "module example.com/greet/v2\n\ngo 1.21\n", "greet.go": GREET_V2})
    published[("example.com/Corp/Util", "v0.3.0")] = publish_ok(upstream, "example.com/Corp/Util", "v0.3.0", {
        "go.mod": "module example.com/Corp/Util\n\ngo 1.21\n\nrequire example.com/greet v1.0.0\n", "util.go": UTIL})
    return published


def test_go_build_through_proxy_ttl_and_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    published = publish_all(upstream)
    proxy = nora_factory(proxy_env(NORA_GO_PROXY=f"{upstream.base}/go", NORA_GO_METADATA_TTL="1"))

    go = GoClient(tmp_path / "go", f"{proxy.base}/go,off")
    app = tmp_path / "go" / "work"
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n")
    (app / "main.go").write_text(APP)
    go.run("get", "example.com/Corp/Util@v0.3.0", "example.com/greet/v2@v2.0.0", cwd=app)
    go.run("build", "-o", str(tmp_path / "app"), ".", cwd=app)
    out = subprocess.run([str(tmp_path / "app")], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "HELLO V1.0 hi gopher"
    sums = parse_go_sum((app / "go.sum").read_text())
    body, _ = published[("example.com/Corp/Util", "v0.3.0")]
    assert sums[("example.com/Corp/Util", "v0.3.0")] == body["h1"]

    # the zip was fetched from the upstream once; a second fresh client is served from the cache
    zip_path = "/go/example.com/!corp/!util/@v/v0.3.0.zip"
    fetched = upstream_gets(upstream, zip_path)
    assert fetched == 1
    GoClient(tmp_path / "go2", f"{proxy.base}/go,off").run("mod", "download", "example.com/Corp/Util@v0.3.0", cwd=app)
    assert upstream_gets(upstream, zip_path) == fetched

    # a new upstream version is listed once the TTL has passed
    assert go.run("list", "-m", "-versions", "example.com/greet", cwd=app).stdout.split() == ["example.com/greet", "v1.0.0"]
    publish_ok(upstream, "example.com/greet", "v1.1.0", {"go.mod": "module example.com/greet\n\ngo 1.21\n",
                                                         "greet.go": GREET_V1 % "v1.1"})
    assert wait_until(lambda: proxy.get("/go/example.com/greet/@v/list").text == "v1.0.0\nv1.1.0\n", timeout=30)
    assert proxy.get("/go/example.com/greet/@latest").json()["Version"] == "v1.1.0"

    # upstream gone: cached modules still download into an empty module cache, lists are stale
    upstream.terminate()
    time.sleep(1.5)
    fresh = GoClient(tmp_path / "go3", f"{proxy.base}/go,off")
    fresh.run("mod", "download", "example.com/Corp/Util@v0.3.0", "example.com/greet/v2@v2.0.0", cwd=app)
    listed = proxy.get("/go/example.com/greet/@v/list")
    assert listed.status == 200 and "Stale" in (listed.header("warning") or "")
    started = time.monotonic()
    failed = fresh.run("mod", "download", "example.com/never/fetched@v1.0.0", cwd=app, check=False)
    assert failed.returncode != 0
    assert time.monotonic() - started < 60
    assert proxy.get("/go/example.com/never/fetched/@v/list").status == 502


def test_go_checksum_database_passes_through(nora_factory):
    routes = {
        "/sumdb/sum.example.org/supported": (200, {"Content-Type": "text/plain"}, b""),
        "/sumdb/sum.example.org/latest": (200, {"Content-Type": "text/plain; charset=utf-8"}, b"sum.example.org\n5\nabc=\n"),
        "/sumdb/sum.example.org/lookup/example.com/m@v1.0.0": (200, {"Content-Type": "text/plain; charset=utf-8"},
                                                              b"7\nexample.com/m v1.0.0 h1:x=\n"),
        "/sumdb/sum.example.org/tile/8/0/000": (200, {"Content-Type": "application/octet-stream"}, bytes(range(256)) * 4),
    }
    with FakeUpstream(routes) as fake:
        proxy = nora_factory(proxy_env(NORA_GO_PROXY=fake.base))
        assert proxy.get("/go/sumdb/sum.example.org/supported").status == 200
        for path, (_, _, body) in routes.items():
            for _ in range(2):
                r = proxy.get("/go" + path)
                assert r.status == 200 and r.body == body, (path, r)
        # lookups and tiles are immutable: one upstream request each; `latest` follows the TTL
        assert fake.hits["/sumdb/sum.example.org/tile/8/0/000"] == 1
        assert fake.hits["/sumdb/sum.example.org/lookup/example.com/m@v1.0.0"] == 1
        assert proxy.get("/go/sumdb/sum.example.org/tile/8/0/001").status == 404
