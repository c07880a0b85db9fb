"""The cargo sparse registry driven by the real cargo (auth off): publish, build, yank, search."""

from __future__ import annotations

import hashlib

from cargo_support import Cargo, REGISTRY, index_lines, make_crate

HELLO_LIB = """
pub fn greeting() -> String {
    let base = String::from("hello");
    if cfg!(feature = "shout") { base.to_uppercase() + "!" } else { base }
}
"""

GREETER_LIB = """
pub fn greet(name: &str) -> String { format!("{}, {}", hello::greeting(), name) }
#[cfg(test)]
mod tests { #[test] fn uses_dev_dep() { assert!(!hello::greeting().is_empty()); } }
"""


def test_publish_depend_build_yank_search(nora, tmp_path):
    cargo = Cargo(tmp_path, nora)
    work = tmp_path / "src"
    # A crate with features, published with cargo's own verification build.
    hello = make_crate(work, "hello", "0.1.0", HELLO_LIB, features='default = []\nshout = []\nloud = ["shout"]\n')
    out = cargo.publish(hello, verify=True)
    assert "Published hello v0.1.0" in out.stderr, out.stderr

    lines = index_lines(nora, "he/ll/hello")
    assert len(lines) == 1
    line = lines[0]
    assert (line["name"], line["vers"], line["yanked"]) == ("hello", "0.1.0", False)
    assert line["features"] == {"default": [], "shout": [], "loud": ["shout"]}
    crate_bytes = nora.get("/cargo/api/v1/crates/hello/0.1.0/download").body
    assert line["cksum"] == hashlib.sha256(crate_bytes).hexdigest()

    # A crate depending on it (a feature turned on), with a dev-dependency, and one from "crates.io".
    greeter = make_crate(work, "greeter", "0.1.0", GREETER_LIB,
                         deps=f'hello = {{ version = "0.1", registry = "{REGISTRY}", features = ["loud"] }}\n'
                              'hi = { package = "hello", version = "0.1" }\n',
                         dev_deps=f'hello = {{ version = "0.1", registry = "{REGISTRY}" }}\n')
    cargo.publish(greeter, verify=True)
    deps = {(d["name"], d["kind"]): d for d in index_lines(nora, "gr/ee/greeter")[0]["deps"]}
    normal = deps[("hello", "normal")]
    assert normal["req"] == "^0.1" and normal["features"] == ["loud"] and normal.get("registry") is None
    assert deps[("hello", "dev")]["req"] == "^0.1"
    renamed = deps[("hi", "normal")]
    assert renamed["package"] == "hello"
    # A dependency cargo took from crates.io keeps pointing at crates.io's index.
    assert renamed["registry"] == "https://github.com/rust-lang/crates.io-index"

    # A consumer builds and runs from the registry alone.
    app = make_crate(work, "app", "0.1.0", "", bin_rs='fn main() { println!("{}", greeter::greet("world")); }\n',
                     deps=f'greeter = {{ version = "0.1", registry = "{REGISTRY}" }}\n')
    run = cargo.run("run", "-q", cwd=app)
    assert run.stdout.strip() == "HELLO!, world"

    # A newer version is picked up by a fresh resolve …
    hello2 = make_crate(work, "hello", "0.1.1", HELLO_LIB.replace('"hello"', '"hello again"'),
                        features='default = []\nshout = []\nloud = ["shout"]\n')
    cargo.publish(hello2)
    cargo.run("update", cwd=app)
    assert 'name = "hello"\nversion = "0.1.1"' in (app / "Cargo.lock").read_text()
    assert cargo.run("run", "-q", cwd=app).stdout.strip() == "HELLO AGAIN!, world"

    # … yanked: the lockfile-pinned build still works, a fresh resolve skips it.
    out = cargo.run("yank", "--version", "0.1.1", "--registry", REGISTRY, "hello", cwd=work)
    assert [l["yanked"] for l in index_lines(nora, "he/ll/hello")] == [False, True]
    assert cargo.run("run", "-q", "--locked", cwd=app).stdout.strip() == "HELLO AGAIN!, world"
    (app / "Cargo.lock").unlink()
    cargo.run("generate-lockfile", cwd=app)
    assert 'name = "hello"\nversion = "0.1.0"' in (app / "Cargo.lock").read_text()

    # --undo makes it selectable again.
    cargo.run("yank", "--undo", "--version", "0.1.1", "--registry", REGISTRY, "hello", cwd=work)
    assert [l["yanked"] for l in index_lines(nora, "he/ll/hello")] == [False, False]
    cargo.run("update", cwd=app)
    assert 'name = "hello"\nversion = "0.1.1"' in (app / "Cargo.lock").read_text()

    # Search in cargo's shape.
    found = cargo.run("search", "--registry", REGISTRY, "hel", cwd=work)
    assert 'hello = "0.1.1"' in found.stdout and "the hello crate" in found.stdout, found.stdout
    assert "greeter" not in found.stdout
    found = cargo.run("search", "--registry", REGISTRY, "greeter crate", cwd=work)
    assert 'greeter = "0.1.0"' in found.stdout, found.stdout


def test_index_caching_and_download_ranges(nora, tmp_path):
    cargo = Cargo(tmp_path, nora)
    crate = make_crate(tmp_path / "src", "Ab_c-d", "1.2.3-beta.1+build.7", "pub fn f() {}\n")
    cargo.publish(crate)

    config = nora.get("/cargo/index/config.json").json()
    assert config == {"dl": f"{nora.base}/cargo/api/v1/crates", "api": f"{nora.base}/cargo"}

    first = nora.get("/cargo/index/ab/_c/ab_c-d")
    assert first.status == 200 and first.header("cache-control") == "no-cache"
    etag, modified = first.header("etag"), first.header("last-modified")
    assert etag and modified
    assert nora.get("/cargo/index/ab/_c/ab_c-d", headers={"If-None-Match": etag}).status == 304
    assert nora.get("/cargo/index/ab/_c/ab_c-d", headers={"If-Modified-Since": modified}).status == 304
    # Non-canonical paths (uppercase, wrong folder, the other spelling of the name) do not exist.
    for path in ("ab/_c/Ab_c-d", "ab/cd/ab_c-d", "ab/_c/ab-c-d", "3/a/abc"):
        response = nora.get(f"/cargo/index/{path}")
        assert response.status == 404 and "errors" in response.json(), path

    # Yanking changes the file, so the old tag no longer matches.
    cargo.run("yank", "--version", "1.2.3-beta.1+build.7", "--registry", REGISTRY, "Ab_c-d", cwd=tmp_path)
    assert nora.get("/cargo/index/ab/_c/ab_c-d", headers={"If-None-Match": etag}).status == 200

    url = "/cargo/api/v1/crates/Ab_c-d/1.2.3-beta.1+build.7/download"
    whole = nora.get(url)
    assert whole.status == 200 and whole.body[:2] == b"\x1f\x8b"
    part = nora.get(url, headers={"Range": "bytes=10-19"})
    assert part.status == 206 and part.body == whole.body[10:20]
    assert part.header("content-range") == f"bytes 10-19/{len(whole.body)}"
    assert nora.get("/cargo/api/v1/crates/Ab_c-d/9.9.9/download").status == 404
    # The upgrade cargo asks for on every request is ignored (HTTP/1.1 answer, never 101).
    upgraded = nora.get("/cargo/index/config.json", headers={"Connection": "Upgrade, HTTP2-Settings", "Upgrade": "h2c",
                                                             "HTTP2-Settings": "AAMAAABkAAQCAAAAAAIAAAAA"})
    assert upgraded.status == 200 and upgraded.json()["dl"].endswith("/cargo/api/v1/crates")
