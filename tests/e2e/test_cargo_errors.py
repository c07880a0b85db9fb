"""Bad publishes are refused in cargo's error shape (which cargo prints) and store nothing."""

from __future__ import annotations

import json

from cargo_support import Cargo, crate_tarball, make_crate, minimal_metadata, publish_body


def refused(nora, body: bytes, status: int, detail_part: str) -> None:
    response = nora.put("/cargo/api/v1/crates/new", body)
    assert response.status == status, response
    errors = response.json()["errors"]
    assert len(errors) == 1 and detail_part in errors[0]["detail"], errors


def test_real_cargo_shows_duplicate_and_name_conflict(nora, tmp_path):
    cargo = Cargo(tmp_path, nora)
    work = tmp_path / "src"
    cargo.publish(make_crate(work, "my-lib", "1.0.0", "pub fn a() {}\n"))
    blobs = nora.blob_files()

    # cargo checks the index first (so it sees the version we serve) …
    again = cargo.publish(make_crate(work, "my-lib", "1.0.0", "pub fn b() {}\n", folder="again"), check=False)
    assert again.returncode != 0 and "my-lib@1.0.0 already exists on `nora` index" in again.stderr, again.stderr
    # … and the registry refuses it anyway, also when only build metadata differs.
    for version in ("1.0.0", "1.0.0+other"):
        crate = crate_tarball({f"my-lib-{version}/Cargo.toml": b"[package]\n"})
        refused(nora, publish_body(minimal_metadata("my-lib", version), crate), 409,
                f"crate 'my-lib' version {version} is already uploaded")

    for clash in ("my_lib", "My-Lib"):
        out = cargo.publish(make_crate(work, clash, "2.0.0", "pub fn c() {}\n"), check=False)
        assert out.returncode != 0
        assert f"crate name '{clash}' conflicts with the existing crate 'my-lib'" in out.stderr, out.stderr

    assert nora.blob_files() == blobs
    lines = nora.get("/cargo/index/my/-l/my-lib").text.splitlines()
    assert [json.loads(l)["vers"] for l in lines] == ["1.0.0"]
    assert nora.get("/cargo/index/my/_l/my_lib").status == 404


def test_broken_framing_and_bad_archives_store_nothing(nora):
    good_crate = crate_tarball({"good-1.0.0/Cargo.toml": b"[package]\n", "good-1.0.0/src/lib.rs": b""})
    meta = minimal_metadata("good", "1.0.0")

    refused(nora, b"", 400, "ends before the metadata length")
    refused(nora, b"\x05\x00", 400, "ends before the metadata length")
    refused(nora, publish_body(meta, good_crate, json_length=10_000), 400, "ends inside the metadata")
    refused(nora, publish_body(meta, good_crate, json_length=0xFFFFFFFF), 413, "at most")
    refused(nora, publish_body(b"{not json", good_crate), 400, "not valid JSON")
    refused(nora, publish_body({"name": "good"}, good_crate), 400, "missing 'vers'")
    refused(nora, publish_body(meta, good_crate)[:-5], 400, "body ends after")
    refused(nora, publish_body(meta, good_crate) + b"extra", 400, "more bytes than the declared crate length")
    refused(nora, publish_body(meta, good_crate, crate_length=0), 400, "empty")
    refused(nora, publish_body(minimal_metadata("9lives", "1.0.0"), good_crate), 400, "must start with a letter")
    refused(nora, publish_body(minimal_metadata("a" * 65, "1.0.0"), good_crate), 400, "longer than 64")
    refused(nora, publish_body(minimal_metadata("bad.name", "1.0.0"), good_crate), 400, "only ASCII letters")
    refused(nora, publish_body(minimal_metadata("good", "1.0"), good_crate), 400, "MAJOR.MINOR.PATCH")
    refused(nora, publish_body(minimal_metadata("good", "01.0.0"), good_crate), 400, "leading zeros")
    bad_dep = minimal_metadata("good", "1.0.0", deps=[{"name": "x", "version_req": "1", "kind": "weird"}])
    refused(nora, publish_body(bad_dep, good_crate), 400, "unknown kind 'weird'")

    outside = crate_tarball({"good-1.0.0/Cargo.toml": b"[package]\n", "elsewhere/evil.rs": b"x"})
    refused(nora, publish_body(meta, outside), 400, "'elsewhere/evil.rs' is outside the 'good-1.0.0/' folder")
    climbing = crate_tarball({"good-1.0.0/Cargo.toml": b"[package]\n", "good-1.0.0/../../etc/x": b"x"})
    refused(nora, publish_body(meta, climbing), 400, "unsafe path")
    no_manifest = crate_tarball({"good-1.0.0/src/lib.rs": b""})
    refused(nora, publish_body(meta, no_manifest), 400, "has no 'good-1.0.0/Cargo.toml'")
    other_version = crate_tarball({"good-2.0.0/Cargo.toml": b"[package]\n"})
    refused(nora, publish_body(meta, other_version), 400, "outside the 'good-1.0.0/' folder")
    refused(nora, publish_body(meta, b"PK\x03\x04 not a tarball"), 400, "not a valid gzip tar")
    refused(nora, publish_body(meta, good_crate[: len(good_crate) // 2]), 400, "not a valid gzip tar")

    assert nora.blob_files() == []
    assert nora.get("/cargo/index/go/od/good").status == 404
    assert nora.get("/cargo/api/v1/crates?q=good").json() == {"crates": [], "meta": {"total": 0}}

    # The same crate with correct framing is accepted, and the answer is cargo's.
    ok = nora.put("/cargo/api/v1/crates/new", publish_body(meta, good_crate))
    assert ok.status == 200 and "warnings" in ok.json(), ok
    assert len(nora.blob_files()) == 1
    assert json.loads(nora.get("/cargo/index/go/od/good").text)["vers"] == "1.0.0"
    # Garbage collection keeps the blobs versions name.
    gc = nora.nora("gc", "--grace", "0")
    assert gc.returncode == 0, gc.stderr
    assert len(nora.blob_files()) == 1
    assert nora.get("/cargo/api/v1/crates/good/1.0.0/download").body == good_crate


def test_unknown_routes_and_versions_answer_in_cargo_shape(nora):
    for path in ("/cargo/api/v1/crates/nope/1.0.0/download", "/cargo/api/v1/crates/nope/owners",
                 "/cargo/index/no/pe/nope", "/cargo/api/v1/unknown"):
        response = nora.get(path)
        assert response.status == 404, (path, response)
        assert response.json()["errors"][0]["detail"], path
    response = nora.get("/cargo/api/v1/crates?per_page=1000")
    assert response.status == 400 and "per_page" in response.json()["errors"][0]["detail"]
