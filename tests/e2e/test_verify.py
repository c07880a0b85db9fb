"""`nora verify` against the built binary: clean store → exit 0; a flipped byte, a deleted blob and
a truncated file → exit 1, each named by format and artifact, in text and --json. `--repair`
shows its plan, needs --yes without a terminal, and leaves a clean store whose damaged
artifacts answer 404."""

from __future__ import annotations

import hashlib
import json


def blob_path(nora, data: bytes):
    hexdigest = hashlib.sha256(data).hexdigest()
    return nora.storage / "blobs" / "sha256" / hexdigest[:2] / hexdigest


def test_verify_names_damage_per_format_and_artifact(nora):
    jar = b"PK jar bytes" * 100
    files = {"/raw/ci/build.log": b"build log", "/raw/ci/report.html": b"<p>report</p>", "/raw/ci/keep.txt": b"intact"}
    for path, data in files.items():
        assert nora.put(path, data).status == 201
    assert nora.put("/maven2/org/acme/widget/1.0/widget-1.0.jar", jar).status == 201

    clean = nora.nora("verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 problems" in clean.stdout

    damaged = bytearray(blob_path(nora, b"build log").read_bytes())
    damaged[0] ^= 0xFF
    blob_path(nora, b"build log").write_bytes(bytes(damaged))
    blob_path(nora, b"<p>report</p>").unlink()
    with open(blob_path(nora, jar), "r+b") as f:
        f.truncate(10)

    result = nora.nora("verify")
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any(l.startswith("corrupt\traw\tci/build.log\t") for l in lines), result.stdout
    assert any(l.startswith("missing\traw\tci/report.html\t") for l in lines), result.stdout
    assert any(l.startswith("corrupt\tmaven\torg/acme/widget/1.0/widget-1.0.jar\t") for l in lines), result.stdout
    assert not any("ci/keep.txt" in l for l in lines)

    report = json.loads(nora.nora("verify", "--json").stdout)
    assert report["clean"] is False and len(report["problems"]) == 3
    assert {p["artifact"] for p in report["problems"]} == {"ci/build.log", "ci/report.html", "org/acme/widget/1.0/widget-1.0.jar"}


def test_repair_removes_damaged_rows_and_quarantines_corrupt_blobs(nora):
    """Damage in every format; `verify --repair` shows its plan, refuses without a terminal or
    --yes, then repairs: verify is clean after, and clients get 404 instead of bad bytes."""
    import base64

    from cargo_support import crate_tarball, minimal_metadata, publish_body
    from go_support import escape, module_zip
    from pypi_support import post_upload, wheel_bytes

    raw, jar = b"raw payload" * 100, b"PK jar for repair" * 100
    assert nora.put("/raw/keep/ok.txt", b"still fine").status == 201
    assert nora.put("/raw/rep/flip.bin", raw).status == 201
    assert nora.put("/maven2/org/rep/lib/1.0/lib-1.0.jar", jar).status == 201
    tgz = crate_tarball({"package/package.json": b'{"name":"rep","version":"1.0.0"}'})
    body = {"_id": "rep", "name": "rep", "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": {"name": "rep", "version": "1.0.0", "dist": {"shasum": hashlib.sha1(tgz).hexdigest()}}},
            "_attachments": {"rep-1.0.0.tgz": {"content_type": "application/octet-stream",
                                               "data": base64.b64encode(tgz).decode(), "length": len(tgz)}}}
    assert nora.put("/npm/rep", json.dumps(body), headers={"Content-Type": "application/json"}).status in (200, 201)
    go_zip = module_zip("example.com/rep", "v1.0.0", {"go.mod": "module example.com/rep\n", "r.go": "package rep\n"})
    assert nora.put(f"/go/{escape('example.com/rep')}/@v/v1.0.0.zip", go_zip).status == 201
    crate = crate_tarball({"repcrate-0.1.0/Cargo.toml": b"[package]\n", "repcrate-0.1.0/src/lib.rs": b""})
    assert nora.put("/cargo/api/v1/crates/new", publish_body(minimal_metadata("repcrate", "0.1.0"), crate)).status == 200
    wheel = wheel_bytes("repwheel", "1.0")
    assert post_upload(nora.base, "repwheel-1.0-py3-none-any.whl", wheel,
                       {"name": "repwheel", "version": "1.0", "filetype": "bdist_wheel"}).status_code == 200
    layer, config = b"layer for repair" * 64, b'{"architecture":"amd64","os":"linux"}'
    for data in (layer, config):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        assert nora.curl("POST", f"/v2/rep/app/blobs/uploads/?digest={digest}", data=data).status == 201
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                                       "digest": "sha256:" + hashlib.sha256(layer).hexdigest(), "size": len(layer)}]})
    assert nora.put("/v2/rep/app/manifests/v1", manifest,
                    headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}).status == 201

    def flip(data):
        damaged = bytearray(blob_path(nora, data).read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF
        blob_path(nora, data).write_bytes(bytes(damaged))

    flip(raw)
    flip(go_zip)
    flip(crate)
    with open(blob_path(nora, jar), "r+b") as f:
        f.truncate(10)
    blob_path(nora, tgz).unlink()
    blob_path(nora, wheel).unlink()
    blob_path(nora, layer).unlink()

    found = nora.nora("verify")
    assert found.returncode == 1, found.stdout + found.stderr
    for name in ["rep/flip.bin", "org/rep/lib/1.0/lib-1.0.jar", "rep@1.0.0", "example.com/rep@v1.0.0", "repcrate@0.1.0",
                 "repwheel: repwheel-1.0-py3-none-any.whl", "rep/app"]:
        assert f"\t{name}\t" in found.stdout, (name, found.stdout)

    refused = nora.nora("verify", "--repair")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "would remove raw rep/flip.bin" in refused.stdout and "would quarantine blob" in refused.stdout, refused.stdout
    assert "--repair --yes" in refused.stderr
    assert nora.nora("verify").stdout == found.stdout  # nothing changed

    repaired = nora.nora("verify", "--repair", "--yes")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "failed" not in repaired.stdout.replace("0 failed", ""), repaired.stdout
    after = nora.nora("verify")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "0 problems" in after.stdout

    # Corrupt blobs are kept in quarantine, out of the store; clients get 404 for what was damaged.
    quarantined = {p.name.split("-")[1] for p in (nora.storage / "quarantine").iterdir()}
    assert {hashlib.sha256(d).hexdigest() for d in (raw, go_zip, crate, jar)} <= quarantined
    assert nora.get("/raw/rep/flip.bin").status == 404
    assert nora.get("/raw/keep/ok.txt").body == b"still fine"
    assert nora.get("/maven2/org/rep/lib/1.0/lib-1.0.jar").status == 404
    assert nora.get("/npm/rep").status == 404 and nora.get("/npm/rep/-/rep-1.0.0.tgz").status == 404
    assert nora.get(f"/go/{escape('example.com/rep')}/@v/v1.0.0.zip").status == 404
    assert nora.get("/cargo/api/v1/crates/repcrate/0.1.0/download").status == 404
    assert "repwheel-1.0" not in nora.get("/simple/repwheel/").text
    assert nora.get("/v2/rep/app/manifests/v1").status == 404
