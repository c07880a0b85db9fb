"""`nora verify` against the built binary: clean store → exit 0; a flipped byte, a deleted blob and
a truncated file → exit 1, each named by format and artifact, in text and --json."""

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
