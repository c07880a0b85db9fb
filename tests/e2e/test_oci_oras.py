"""OCI artifacts with the real oras client (Python API): push an artifact, push artifacts whose
`subject` is the first (OCI-Subject header), find them through the referrers API with and
without the artifactType filter, pull back and compare."""

from __future__ import annotations

import json
import random

import oras.client
import oras.oci
import pytest

from oci_support import (  # noqa: F401  (fixtures)
    EMPTY_JSON, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, assert_oci_error, describe, descriptor, oci_registry, sha256,
)

TEXT = "application/vnd.example.text"
CONFIG = "application/vnd.example.config.v1+json"
SIG = "application/vnd.example.signature.v1"
SIG_CONFIG = "application/vnd.example.signature.config.v1+json"
SBOM = "application/vnd.example.sbom.v1"


@pytest.fixture
def oras_work(tmp_path, monkeypatch):
    """oras reads ~/.docker/config.json and wants files under the working directory."""
    home = tmp_path / "oras-home"
    home.mkdir()
    work = tmp_path / "oras-work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    monkeypatch.chdir(work)
    return work


def oras_client(reg) -> oras.client.OrasClient:
    client = oras.client.OrasClient(hostname=reg.host, insecure=True)
    client.session.trust_env = False
    return client


def referrers(http, name: str, digest: str, artifact_type: str | None = None):
    params = {"artifactType": artifact_type} if artifact_type else None
    r = http.get(f"/v2/{name}/referrers/{digest}", params=params)
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Content-Type", "").split(";")[0] == OCI_INDEX, describe(r)
    index = r.json()
    assert index.get("schemaVersion") == 2 and index.get("mediaType") == OCI_INDEX, describe(r)
    assert isinstance(index.get("manifests"), list), describe(r)
    return r, {d["digest"]: d for d in index["manifests"]}


def test_oras_push_subject_and_referrers(oci_registry, oras_work, tmp_path):
    reg, http = oci_registry, oci_registry.http()
    client = oras_client(reg)
    body = b"artifact body\n" * 100
    (oras_work / "f.txt").write_bytes(body)
    (oras_work / "c.json").write_text(json.dumps({"kind": "example"}))
    rng = random.Random(7)
    signature = bytes(rng.getrandbits(8) for _ in range(5000))
    (oras_work / "sig.bin").write_bytes(signature)
    (oras_work / "sc.json").write_text(json.dumps({"signer": "test"}))

    # 1. the subject artifact (monolithic uploads: POST, then PUT with the body)
    r1 = client.push(files=[f"f.txt:{TEXT}"], target=f"{reg.host}/art/thing:v1",
                     manifest_config=f"c.json:{CONFIG}", quiet=True)
    assert r1.status_code == 201, describe(r1)
    d1 = r1.headers.get("Docker-Content-Digest")
    assert d1 and d1.startswith("sha256:"), describe(r1)
    assert r1.headers.get("Location"), describe(r1)
    assert "OCI-Subject" not in r1.headers, describe(r1)
    m1 = http.get("/v2/art/thing/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert m1.status_code == 200 and sha256(m1.content) == d1, describe(m1)
    assert m1.json()["layers"][0]["digest"] == sha256(body)

    # 2. a signature whose subject is the first manifest (chunked uploads: PATCH with Content-Range)
    subject = oras.oci.Subject(mediaType=OCI_MANIFEST, digest=d1, size=len(m1.content))
    r2 = client.push(files=[f"sig.bin:{SIG}"], target=f"{reg.host}/art/thing:sig",
                     manifest_config=f"sc.json:{SIG_CONFIG}", subject=subject,
                     do_chunked=True, chunk_size=1024, quiet=True)
    assert r2.status_code == 201, describe(r2)
    assert r2.headers.get("OCI-Subject") == d1, f"no OCI-Subject header{describe(r2)}"
    d2 = r2.headers["Docker-Content-Digest"]
    m2 = http.get(f"/v2/art/thing/manifests/{d2}", headers={"Accept": OCI_MANIFEST})
    assert m2.status_code == 200 and m2.json()["subject"]["digest"] == d1, describe(m2)

    # 3. an untagged SBOM artifact (artifactType, empty config, annotations) pushed by digest
    sbom = b'{"sbom": true}'
    http.push_blob("art/thing", EMPTY_JSON)
    http.push_blob("art/thing", sbom)
    m3 = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": SBOM,
        "config": descriptor(OCI_EMPTY, EMPTY_JSON),
        "layers": [descriptor("application/json", sbom)],
        "subject": {"mediaType": OCI_MANIFEST, "digest": d1, "size": len(m1.content)},
        "annotations": {"org.example.kind": "sbom", "org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
    }, separators=(",", ":")).encode()
    d3 = sha256(m3)
    r3 = http.put_manifest("art/thing", d3, m3)
    assert r3.status_code == 201, describe(r3)
    assert r3.headers.get("Docker-Content-Digest") == d3, describe(r3)
    assert r3.headers.get("OCI-Subject") == d1, describe(r3)

    # 4. a referrer of the signature (not of the first artifact) and an unrelated manifest
    m4 = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": SBOM,
        "config": descriptor(OCI_EMPTY, EMPTY_JSON), "layers": [descriptor("application/json", sbom)],
        "subject": {"mediaType": OCI_MANIFEST, "digest": d2, "size": len(m2.content)},
    }, separators=(",", ":")).encode()
    assert http.put_manifest("art/thing", sha256(m4), m4).status_code == 201
    http.push_image("art/thing", "unrelated", [b"unrelated layer"])

    # the referrers of the first artifact: exactly the signature and the SBOM
    r, found = referrers(http, "art/thing", d1)
    assert set(found) == {d2, d3}, describe(r)
    assert "OCI-Filters-Applied" not in r.headers, describe(r)
    assert found[d2]["mediaType"] == OCI_MANIFEST
    assert found[d2]["size"] == len(m2.content)
    assert found[d2]["artifactType"] == SIG_CONFIG  # no artifactType: the config's media type
    assert found[d3]["mediaType"] == OCI_MANIFEST
    assert found[d3]["size"] == len(m3)
    assert found[d3]["artifactType"] == SBOM
    assert found[d3].get("annotations", {}).get("org.example.kind") == "sbom", describe(r)

    # filtered by artifactType
    r, found = referrers(http, "art/thing", d1, SBOM)
    assert set(found) == {d3}, describe(r)
    assert r.headers.get("OCI-Filters-Applied") == "artifactType", describe(r)
    r, found = referrers(http, "art/thing", d1, SIG_CONFIG)
    assert set(found) == {d2}, describe(r)
    r, found = referrers(http, "art/thing", d1, "application/vnd.example.none")
    assert found == {}, describe(r)

    # the signature's own referrer; an unknown digest gives an empty index
    r, found = referrers(http, "art/thing", d2)
    assert set(found) == {sha256(m4)}, describe(r)
    r, found = referrers(http, "art/thing", sha256(b"no such manifest"))
    assert found == {}, describe(r)
    # a malformed digest is refused
    assert_oci_error(http.get("/v2/art/thing/referrers/sha256:xyz"), (400, 404), "DIGEST_INVALID", "MANIFEST_UNKNOWN",
                     "NAME_INVALID")

    # pull both artifacts back with oras: identical bytes
    out = tmp_path / "pulled"
    files = client.pull(target=f"{reg.host}/art/thing:v1", outdir=str(out))
    assert [p.split("/")[-1] for p in files] == ["f.txt"]
    assert (out / "f.txt").read_bytes() == body
    files = client.pull(target=f"{reg.host}/art/thing:sig", outdir=str(out))
    assert (out / "sig.bin").read_bytes() == signature

    # deleting the SBOM removes it from the referrers
    assert http.delete(f"/v2/art/thing/manifests/{d3}").status_code == 202
    r, found = referrers(http, "art/thing", d1)
    assert set(found) == {d2}, describe(r)
