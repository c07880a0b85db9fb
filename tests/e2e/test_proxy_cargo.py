"""Cargo pull-through proxy end to end: a hosted nora as the upstream registry, the real
cargo building through a fresh nora proxy (index files with the TTL, crates verified
against `cksum`), a lying upstream, and the upstream stopped."""

from __future__ import annotations

import hashlib
import json

from cargo_support import Cargo, index_lines, make_crate
from proxy_support import FakeUpstream, proxy_env

LIB = 'pub fn greeting() -> &\'static str { "hello from the upstream" }\n'


def test_cargo_build_through_proxy_and_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    Cargo(tmp_path / "publisher", upstream).publish(make_crate(tmp_path / "src", "pxlib", "0.1.0", LIB))
    proxy = nora_factory(proxy_env(NORA_CARGO_PROXY=f"{upstream.base}/cargo", NORA_CARGO_METADATA_TTL="1"))

    config = proxy.get("/cargo/index/config.json").json()
    assert config["dl"].startswith(proxy.base) and config["api"].startswith(proxy.base)
    assert index_lines(proxy, "px/li/pxlib") == index_lines(upstream, "px/li/pxlib")

    app = make_crate(tmp_path / "src", "pxapp", "0.1.0", "", bin_rs='fn main() { println!("{}", pxlib::greeting()); }\n',
                     deps='pxlib = "0.1"\n')
    run = Cargo(tmp_path / "consumer", proxy).run("run", "-q", cwd=app)
    assert run.stdout.strip() == "hello from the upstream"
    crate = proxy.get("/cargo/api/v1/crates/pxlib/0.1.0/download").body
    assert hashlib.sha256(crate).hexdigest() == index_lines(upstream, "px/li/pxlib")[0]["cksum"]

    upstream.terminate()
    (app / "Cargo.lock").unlink()
    again = Cargo(tmp_path / "after", proxy).run("run", "-q", cwd=app)
    assert again.stdout.strip() == "hello from the upstream"
    assert proxy.get("/cargo/index/ne/ve/neverfetched").status in (502, 504)


def test_cargo_crate_not_matching_cksum_is_refused(nora_factory):
    line = {"name": "liar", "vers": "1.0.0", "deps": [], "features": {}, "yanked": False,
            "cksum": hashlib.sha256(b"the real crate").hexdigest()}
    routes = {"/index/li/ar/liar": (200, {"Content-Type": "text/plain"}, (json.dumps(line) + "\n").encode()),
              "/api/v1/crates/liar/1.0.0/download": (200, {}, b"something else")}
    with FakeUpstream(routes) as fake:
        proxy = nora_factory(proxy_env(NORA_CARGO_PROXY=fake.base))
        assert proxy.get("/cargo/index/li/ar/liar").status == 200
        for attempt in (1, 2):
            r = proxy.get("/cargo/api/v1/crates/liar/1.0.0/download")
            assert r.status == 502 and "errors" in r.json(), r
            assert fake.hits["/api/v1/crates/liar/1.0.0/download"] == attempt
        assert proxy.get("/cargo/api/v1/crates/liar/9.9.9/download").status == 404
