"""The OCI distribution API (v1.1) over raw HTTP: uploads (monolithic, chunked, streamed,
status, cancel, mount), blob reads with Range, manifests of every kind, tag deletion, tag
and catalog paging — and bad input: wrong or malformed digests, truncated uploads,
out-of-order chunks, invalid names, missing blobs, oversize manifests, unknown uploads and
manifests. Every refusal must carry the right OCI error code and leave nothing stored."""

from __future__ import annotations

import json
import re
import socket
import uuid
from urllib.parse import parse_qs, urlparse

import pytest

from oci_support import (  # noqa: F401  (fixtures)
    DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_MANIFEST, EMPTY_JSON, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST,
    assert_oci_error, describe, descriptor, expect, image_manifest, oci_registry, sha256, sha512,
)

DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
NAME = "team/app"


def blob_url(name: str, digest: str) -> str:
    return f"/v2/{name}/blobs/{digest}"


def assert_upload_headers(r, name: str, end: int | None) -> None:
    """202/204 of an upload session: Location under the repository, Docker-Upload-UUID, Range."""
    loc = r.headers.get("Location", "")
    assert urlparse(loc).path.startswith(f"/v2/{name}/blobs/uploads/"), describe(r)
    assert r.headers.get("Docker-Upload-UUID"), describe(r)
    rng = r.headers.get("Range")
    assert rng is not None, describe(r)
    if end is not None:
        assert rng == f"0-{end}", f"expected Range 0-{end}{describe(r)}"


def assert_blob_created(r, name: str, digest: str) -> None:
    assert r.status_code == 201, describe(r)
    assert urlparse(r.headers.get("Location", "")).path == f"/v2/{name}/blobs/{digest}", describe(r)
    assert r.headers.get("Docker-Content-Digest") == digest, describe(r)


def assert_blob_absent(http, reg, name: str, *digests: str) -> None:
    for d in digests:
        r = http.head(blob_url(name, d))
        assert r.status_code == 404, describe(r)
    reg.assert_not_stored(*digests)


# --------------------------------------------------------------------------------------
# the base endpoint, blobs
# --------------------------------------------------------------------------------------

def test_base_endpoint(oci_registry):
    http = oci_registry.http()
    r = http.get("/v2/")
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Docker-Distribution-API-Version") == "registry/2.0", describe(r)
    r = http.get("/v2")
    assert r.status_code in (200, 301, 308), describe(r)


def test_monolithic_upload_and_blob_reads(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    data = bytes(range(256)) * 40  # 10240 bytes
    digest = sha256(data)

    # POST ?digest= with the whole body: 201 at once
    r = http.post(f"/v2/{NAME}/blobs/uploads/?digest={digest}", data=data,
                  headers={"Content-Type": "application/octet-stream"})
    assert_blob_created(r, NAME, digest)
    reg.assert_stored(digest)

    h = http.head(blob_url(NAME, digest))
    assert h.status_code == 200 and int(h.headers["Content-Length"]) == len(data), describe(h)
    assert h.headers.get("Docker-Content-Digest") == digest, describe(h)
    g = http.get(blob_url(NAME, digest))
    assert g.status_code == 200 and g.content == data, describe(g)

    # Range reads
    r = http.get(blob_url(NAME, digest), headers={"Range": "bytes=100-199"})
    assert r.status_code == 206, describe(r)
    assert r.content == data[100:200]
    assert r.headers.get("Content-Range") == f"bytes 100-199/{len(data)}", describe(r)
    r = http.get(blob_url(NAME, digest), headers={"Range": "bytes=10000-"})
    assert r.status_code == 206 and r.content == data[10000:], describe(r)
    r = http.get(blob_url(NAME, digest), headers={"Range": "bytes=-40"})
    assert r.status_code == 206 and r.content == data[-40:], describe(r)
    r = http.get(blob_url(NAME, digest), headers={"Range": f"bytes={len(data) + 10}-{len(data) + 20}"})
    assert r.status_code == 416, describe(r)

    # the same bytes under sha512
    d512 = sha512(data)
    r = http.post(f"/v2/{NAME}/blobs/uploads/?digest={d512}", data=data,
                  headers={"Content-Type": "application/octet-stream"})
    assert_blob_created(r, NAME, d512)
    g = http.get(blob_url(NAME, d512))
    assert g.status_code == 200 and g.content == data, describe(g)
    assert g.headers.get("Docker-Content-Digest") == d512, describe(g)

    # POST then PUT ?digest= with the body (oras' way)
    other = b"second blob"
    assert http.push_blob(NAME, other) == sha256(other)
    assert http.get(blob_url(NAME, sha256(other))).content == other

    # a blob of one repository is not visible from another
    assert_oci_error(http.get(blob_url("elsewhere/app", digest)), 404, "BLOB_UNKNOWN", "NAME_UNKNOWN")

    # DELETE → 202, then it is gone from this repository
    r = http.delete(blob_url(NAME, sha256(other)))
    assert r.status_code == 202, describe(r)
    assert http.head(blob_url(NAME, sha256(other))).status_code == 404
    assert_oci_error(http.get(blob_url(NAME, sha256(other))), 404, "BLOB_UNKNOWN")
    assert http.get(blob_url(NAME, digest)).status_code == 200


def test_chunked_upload_status_and_out_of_order_chunk(oci_registry):
    http = oci_registry.http()
    data = b"0123456789abcdefghijKLMNOPQRST"  # three chunks of 10
    digest = sha256(data)

    start = http.start_upload(NAME)
    assert_upload_headers(start, NAME, None)
    assert start.headers["Range"].startswith("0-"), describe(start)
    loc = http.location(start)

    r = http.patch(loc, data=data[:10], headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": "0-9"})
    assert r.status_code == 202, describe(r)
    assert_upload_headers(r, NAME, 9)
    loc = http.location(r)

    s = http.get(loc)
    assert s.status_code == 204, describe(s)
    assert_upload_headers(s, NAME, 9)

    r = http.patch(loc, data=data[10:20], headers={"Content-Type": "application/octet-stream",
                                                    "Content-Range": "10-19"})
    assert r.status_code == 202, describe(r)
    assert_upload_headers(r, NAME, 19)
    loc = http.location(r)

    # a chunk that does not start where the upload stands: 416, and it is not applied
    for bad_range, chunk in (("25-34", b"x" * 10), ("0-9", data[:10]), ("15-24", b"y" * 10)):
        r = http.patch(loc, data=chunk, headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": bad_range})
        assert_oci_error(r, 416, "BLOB_UPLOAD_INVALID", "RANGE_INVALID")
    s = http.get(loc)
    assert s.status_code == 204 and s.headers.get("Range") == "0-19", describe(s)

    # the last chunk comes with the closing PUT
    r = http.put(http.with_digest(loc, digest), data=data[20:],
                 headers={"Content-Type": "application/octet-stream", "Content-Range": "20-29"})
    assert_blob_created(r, NAME, digest)
    g = http.get(blob_url(NAME, digest))
    assert g.status_code == 200 and g.content == data, describe(g)
    # the session is over
    assert_oci_error(http.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")


def test_streamed_patch_without_content_range(oci_registry):
    http = oci_registry.http()
    part1, part2 = b"a" * 70000, b"b" * 50001
    data = part1 + part2
    digest = sha256(data)
    loc = http.location(http.start_upload(NAME))

    def stream(payload: bytes, size: int = 8192):
        for i in range(0, len(payload), size):
            yield payload[i:i + size]

    r = http.patch(loc, data=stream(part1), headers={"Content-Type": "application/octet-stream"})
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 202, describe(r)
    assert_upload_headers(r, NAME, len(part1) - 1)
    loc = http.location(r)
    r = http.patch(loc, data=stream(part2), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert_upload_headers(r, NAME, len(data) - 1)
    loc = http.location(r)
    r = http.put(http.with_digest(loc, digest))
    assert_blob_created(r, NAME, digest)
    assert http.get(blob_url(NAME, digest)).content == data


def test_cancel_upload(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    data = b"never finished"
    loc = http.location(http.start_upload(NAME))
    loc = http.location(expect(http.patch(loc, data=data, headers={"Content-Type": "application/octet-stream"}), 202))
    r = http.delete(loc)
    assert r.status_code == 204, describe(r)
    assert_oci_error(http.get(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.patch(loc, data=b"more", headers={"Content-Type": "application/octet-stream"}),
                     404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.put(http.with_digest(loc, sha256(data))), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.delete(loc), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_blob_absent(http, reg, NAME, sha256(data))


def test_unknown_upload_id(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    data = b"payload"
    bogus = f"/v2/{NAME}/blobs/uploads/{uuid.uuid4()}"
    assert_oci_error(http.get(bogus), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.patch(bogus, data=data, headers={"Content-Type": "application/octet-stream"}),
                     404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.put(http.with_digest(bogus, sha256(data)), data=data,
                              headers={"Content-Type": "application/octet-stream"}), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(http.delete(bogus), 404, "BLOB_UPLOAD_UNKNOWN")
    # a real session id used under another repository is unknown there
    loc = http.location(http.start_upload(NAME))
    upload_id = urlparse(loc).path.rsplit("/", 1)[1]
    query = urlparse(loc).query
    stolen = f"/v2/other/app/blobs/uploads/{upload_id}" + (f"?{query}" if query else "")
    assert_oci_error(http.put(http.with_digest(stolen, sha256(data)), data=data,
                              headers={"Content-Type": "application/octet-stream"}),
                     404, "BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID")
    assert_blob_absent(http, reg, NAME, sha256(data))
    assert_blob_absent(http, reg, "other/app", sha256(data))


def test_cross_repository_mount(oci_registry):
    http = oci_registry.http()
    data = b"shared layer bytes" * 100
    digest = http.push_blob("src/app", data)

    r = http.post(f"/v2/dst/app/blobs/uploads/?mount={digest}&from=src/app", headers={"Content-Length": "0"})
    assert_blob_created(r, "dst/app", digest)
    g = http.get(blob_url("dst/app", digest))
    assert g.status_code == 200 and g.content == data, describe(g)

    # nothing to mount: a normal upload session starts instead (202), and it works
    missing = b"not uploaded anywhere"
    r = http.post(f"/v2/dst/app/blobs/uploads/?mount={sha256(missing)}&from=src/app", headers={"Content-Length": "0"})
    assert r.status_code == 202, describe(r)
    assert_upload_headers(r, "dst/app", None)
    done = http.put(http.with_digest(http.location(r), sha256(missing)), data=missing,
                    headers={"Content-Type": "application/octet-stream"})
    assert_blob_created(done, "dst/app", sha256(missing))
    # mounting from a repository that does not hold the blob does not mount it
    r = http.post(f"/v2/third/app/blobs/uploads/?mount={digest}&from=nowhere/app", headers={"Content-Length": "0"})
    assert r.status_code == 202, describe(r)
    assert http.head(blob_url("third/app", digest)).status_code == 404


# --------------------------------------------------------------------------------------
# bad uploads
# --------------------------------------------------------------------------------------

def test_wrong_digest_is_refused_and_nothing_stored(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    data, claimed = b"the real content", b"what the client claims"
    real, wrong = sha256(data), sha256(claimed)

    # chunked, then PUT ?digest= with another digest
    loc = http.location(http.start_upload(NAME))
    loc = http.location(expect(http.patch(loc, data=data, headers={"Content-Type": "application/octet-stream"}), 202))
    assert_oci_error(http.put(http.with_digest(loc, wrong)), 400, "DIGEST_INVALID")
    assert_blob_absent(http, reg, NAME, real, wrong)

    # the final chunk with the closing PUT
    loc = http.location(http.start_upload(NAME))
    assert_oci_error(http.put(http.with_digest(loc, wrong), data=data,
                              headers={"Content-Type": "application/octet-stream"}), 400, "DIGEST_INVALID")
    assert_blob_absent(http, reg, NAME, real, wrong)

    # monolithic POST
    assert_oci_error(http.post(f"/v2/{NAME}/blobs/uploads/?digest={wrong}", data=data,
                               headers={"Content-Type": "application/octet-stream"}), 400, "DIGEST_INVALID")
    assert_blob_absent(http, reg, NAME, real, wrong)

    # sha512 with the wrong value
    assert_oci_error(http.post(f"/v2/{NAME}/blobs/uploads/?digest={sha512(claimed)}", data=data,
                               headers={"Content-Type": "application/octet-stream"}), 400, "DIGEST_INVALID")
    assert_blob_absent(http, reg, NAME, sha512(data), sha512(claimed))

    # malformed digests
    for bad in ("sha256:xyz", "sha256:" + "A" * 64, "sha256:" + "0" * 63, "nodigest", "md5:" + "0" * 32):
        loc = http.location(http.start_upload(NAME))
        r = http.put(http.with_digest(loc, bad), data=data, headers={"Content-Type": "application/octet-stream"})
        assert_oci_error(r, 400, "DIGEST_INVALID", "UNSUPPORTED")
        assert_oci_error(http.get(blob_url(NAME, bad)), (400, 404), "DIGEST_INVALID", "BLOB_UNKNOWN", "UNSUPPORTED")
    assert_blob_absent(http, reg, NAME, real)


def test_truncated_upload_is_not_stored(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    data = bytes(range(256)) * 200  # 51200 bytes
    digest = sha256(data)

    # only half of the bytes arrive, then the client closes with the full digest
    loc = http.location(http.start_upload(NAME))
    loc = http.location(expect(http.patch(loc, data=data[:25600], headers={
        "Content-Type": "application/octet-stream", "Content-Range": "0-25599"}), 202))
    assert_oci_error(http.put(http.with_digest(loc, digest)), 400, "DIGEST_INVALID", "BLOB_UPLOAD_INVALID",
                     "SIZE_INVALID")
    assert_blob_absent(http, reg, NAME, digest)

    # the connection drops in the middle of a monolithic PUT whose Content-Length promised more
    loc = http.location(http.start_upload(NAME))
    target = urlparse(http.with_digest(loc, digest))
    path = target.path + "?" + target.query
    head = (f"PUT {path} HTTP/1.1\r\nHost: {reg.host}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as s:
        s.sendall(head + data[:20000])
        s.shutdown(socket.SHUT_WR)
        try:
            s.recv(65536)
        except OSError:
            pass
    # and the same for a PATCH
    loc2 = http.location(http.start_upload(NAME))
    target = urlparse(loc2)
    path = target.path + ("?" + target.query if target.query else "")
    head = (f"PATCH {path} HTTP/1.1\r\nHost: {reg.host}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", reg.port), timeout=10) as s:
        s.sendall(head + data[:20000])
        s.shutdown(socket.SHUT_WR)
        try:
            s.recv(65536)
        except OSError:
            pass
    # the server is fine, the blob does not exist, and finishing the broken session does not create it
    assert http.get("/v2/").status_code == 200
    assert_blob_absent(http, reg, NAME, digest)
    r = http.put(http.with_digest(loc2, digest))
    assert r.status_code in (400, 404), describe(r)
    assert_oci_error(r, (400, 404), "DIGEST_INVALID", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "SIZE_INVALID")
    assert_blob_absent(http, reg, NAME, digest)


@pytest.mark.parametrize("name", [
    "UPPER/app", "team/App", "a..b/app", "team/-app", "team/app-", "team/.app", "team/app_",
    "a___b/app", "team/a.-b", "team/a%20b",
])
def test_invalid_repository_name(oci_registry, name):
    reg, http = oci_registry, oci_registry.http()
    data = b"blob for an invalid name"
    assert_oci_error(http.get(f"/v2/{name}/tags/list"), 400, "NAME_INVALID")
    assert_oci_error(http.post(f"/v2/{name}/blobs/uploads/", headers={"Content-Length": "0"}), 400, "NAME_INVALID")
    assert_oci_error(http.post(f"/v2/{name}/blobs/uploads/?digest={sha256(data)}", data=data,
                               headers={"Content-Type": "application/octet-stream"}), 400, "NAME_INVALID")
    manifest = image_manifest(b"{}", [])
    assert_oci_error(http.put_manifest(name, "v1", manifest), 400, "NAME_INVALID")
    assert_oci_error(http.get(f"/v2/{name}/manifests/v1"), 400, "NAME_INVALID")
    reg.assert_not_stored(sha256(data), sha256(manifest))
    catalog = http.get("/v2/_catalog")
    assert catalog.status_code == 200 and catalog.json()["repositories"] == [], describe(catalog)


# --------------------------------------------------------------------------------------
# manifests
# --------------------------------------------------------------------------------------

def test_manifest_put_get_head_and_delete_by_tag_and_digest(oci_registry):
    http = oci_registry.http()
    manifest, digest = http.push_image(NAME, "v1", [b"layer one", b"layer two"])

    r = http.put_manifest(NAME, "v1", manifest)  # the same again: idempotent
    assert r.status_code == 201, describe(r)
    assert urlparse(r.headers.get("Location", "")).path in (f"/v2/{NAME}/manifests/{digest}",
                                                            f"/v2/{NAME}/manifests/v1"), describe(r)
    assert r.headers.get("Docker-Content-Digest") == digest
    expect(http.put_manifest(NAME, "v1.0-rc_1", manifest), 201)
    expect(http.put_manifest(NAME, digest, manifest), 201)  # by digest

    for ref in ("v1", "v1.0-rc_1", digest):
        g = http.get(f"/v2/{NAME}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert g.status_code == 200 and g.content == manifest, describe(g)
        assert g.headers["Content-Type"].split(";")[0] == OCI_MANIFEST, describe(g)
        assert g.headers.get("Docker-Content-Digest") == digest, describe(g)
        assert int(g.headers["Content-Length"]) == len(manifest), describe(g)
        h = http.head(f"/v2/{NAME}/manifests/{ref}", headers={"Accept": OCI_MANIFEST})
        assert h.status_code == 200 and h.headers.get("Docker-Content-Digest") == digest, describe(h)
        assert int(h.headers["Content-Length"]) == len(manifest), describe(h)

    # DELETE by tag drops only that tag
    r = http.delete(f"/v2/{NAME}/manifests/v1.0-rc_1")
    assert r.status_code == 202, describe(r)
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/v1.0-rc_1"), 404, "MANIFEST_UNKNOWN")
    assert http.get(f"/v2/{NAME}/manifests/{digest}").status_code == 200
    assert http.get(f"/v2/{NAME}/tags/list").json()["tags"] == ["v1"]

    # DELETE by digest drops the manifest and every tag pointing to it
    expect(http.put_manifest(NAME, "again", manifest), 201)
    r = http.delete(f"/v2/{NAME}/manifests/{digest}")
    assert r.status_code == 202, describe(r)
    for ref in ("v1", "again", digest):
        assert_oci_error(http.get(f"/v2/{NAME}/manifests/{ref}"), 404, "MANIFEST_UNKNOWN")
        assert http.head(f"/v2/{NAME}/manifests/{ref}").status_code == 404
    r = http.get(f"/v2/{NAME}/tags/list")
    if r.status_code == 200:
        assert not r.json().get("tags"), describe(r)
    else:
        assert_oci_error(r, 404, "NAME_UNKNOWN")
    # deleting again: unknown
    assert_oci_error(http.delete(f"/v2/{NAME}/manifests/{digest}"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(http.delete(f"/v2/{NAME}/manifests/v1"), 404, "MANIFEST_UNKNOWN")


def test_manifest_media_types(oci_registry):
    http = oci_registry.http()
    layer, config = b"docker layer", b'{"architecture":"amd64","os":"linux"}'
    http.push_blob(NAME, layer)
    http.push_blob(NAME, config)

    docker_manifest = json.dumps({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": descriptor(DOCKER_CONFIG, config), "layers": [descriptor(DOCKER_LAYER_GZIP, layer)],
    }).encode()
    oci_manifest = image_manifest(config, [layer])
    for tag, body, mt in (("docker", docker_manifest, DOCKER_MANIFEST), ("oci", oci_manifest, OCI_MANIFEST)):
        r = http.put_manifest(NAME, tag, body, mt)
        assert r.status_code == 201 and r.headers.get("Docker-Content-Digest") == sha256(body), describe(r)

    # an index whose children are present, and a sparse one (children absent) — both accepted
    absent = {"mediaType": OCI_MANIFEST, "digest": sha256(b"absent child"), "size": 12,
              "platform": {"architecture": "arm64", "os": "linux"}}
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": sha256(oci_manifest), "size": len(oci_manifest),
         "platform": {"architecture": "amd64", "os": "linux"}}, absent]}).encode()
    docker_list = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [
        {"mediaType": DOCKER_MANIFEST, "digest": sha256(docker_manifest), "size": len(docker_manifest),
         "platform": {"architecture": "amd64", "os": "linux"}}]}).encode()
    artifact = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/vnd.example+type",
                           "config": descriptor(OCI_EMPTY, EMPTY_JSON), "layers": [descriptor("text/plain", layer)]}).encode()
    http.push_blob(NAME, EMPTY_JSON)
    for tag, body, mt in (("index", index, OCI_INDEX), ("list", docker_list, DOCKER_LIST),
                          ("artifact", artifact, OCI_MANIFEST)):
        r = http.put_manifest(NAME, tag, body, mt)
        assert r.status_code == 201 and r.headers.get("Docker-Content-Digest") == sha256(body), describe(r)

    for tag, body, mt in (("docker", docker_manifest, DOCKER_MANIFEST), ("oci", oci_manifest, OCI_MANIFEST),
                          ("index", index, OCI_INDEX), ("list", docker_list, DOCKER_LIST),
                          ("artifact", artifact, OCI_MANIFEST)):
        g = http.get(f"/v2/{NAME}/manifests/{tag}", headers={"Accept": f"{mt}, {OCI_MANIFEST}, {OCI_INDEX}"})
        assert g.status_code == 200 and g.content == body, describe(g)
        assert g.headers["Content-Type"].split(";")[0] == mt, describe(g)
    assert http.get(f"/v2/{NAME}/tags/list").json()["tags"] == ["artifact", "docker", "index", "list", "oci"]


def test_manifest_referencing_missing_blob(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    config, present, missing = b'{"os":"linux"}', b"present layer", b"missing layer"
    http.push_blob(NAME, config)
    http.push_blob(NAME, present)

    m = image_manifest(config, [present, missing])
    assert_oci_error(http.put_manifest(NAME, "v1", m), 400, "MANIFEST_BLOB_UNKNOWN")
    m2 = image_manifest(b'{"missing":"config"}', [present])
    assert_oci_error(http.put_manifest(NAME, "v2", m2), 400, "MANIFEST_BLOB_UNKNOWN")
    assert_oci_error(http.put_manifest(NAME, sha256(m), m), 400, "MANIFEST_BLOB_UNKNOWN")
    # a blob that only exists in another repository does not count
    http.push_blob("other/app", missing)
    m3 = image_manifest(config, [missing])
    assert_oci_error(http.put_manifest(NAME, "v3", m3), 400, "MANIFEST_BLOB_UNKNOWN")

    for tag, body in (("v1", m), ("v2", m2), ("v3", m3)):
        assert_oci_error(http.get(f"/v2/{NAME}/manifests/{tag}"), 404, "MANIFEST_UNKNOWN")
        assert_oci_error(http.get(f"/v2/{NAME}/manifests/{sha256(body)}"), 404, "MANIFEST_UNKNOWN")
        reg.assert_not_stored(sha256(body))
    r = http.get(f"/v2/{NAME}/tags/list")
    assert r.status_code in (200, 404), describe(r)
    if r.status_code == 200:
        assert not r.json().get("tags"), describe(r)


def test_invalid_and_oversize_manifests(oci_registry):
    reg, http = oci_registry, oci_registry.http()
    config, layer = b'{"os":"linux"}', b"layer"
    http.push_blob(NAME, config)
    http.push_blob(NAME, layer)

    for body in (b"not json at all", b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "config": 7}',
                 b"[1, 2, 3]", b'{"schemaVersion": 2, "mediaType": "' + OCI_MANIFEST.encode() + b'", "layers": []}'):
        assert_oci_error(http.put_manifest(NAME, "bad", body), 400, "MANIFEST_INVALID")
        reg.assert_not_stored(sha256(body))
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/bad"), 404, "MANIFEST_UNKNOWN")

    # PUT by a digest that is not the body's digest
    good = image_manifest(config, [layer])
    wrong = sha256(good + b" ")
    assert_oci_error(http.put_manifest(NAME, wrong, good), 400, "DIGEST_INVALID")
    reg.assert_not_stored(wrong)
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/{wrong}"), 404, "MANIFEST_UNKNOWN")

    # over the 4 MiB limit: refused, nothing stored
    big = image_manifest(config, [layer], {"annotations": {"filler": "x" * (4 * 1024 * 1024 + 100)}})
    assert len(big) > 4 * 1024 * 1024
    assert_oci_error(http.put_manifest(NAME, "big", big), (400, 413), "MANIFEST_INVALID", "SIZE_INVALID")
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/big"), 404, "MANIFEST_UNKNOWN")
    reg.assert_not_stored(sha256(big))
    # just under the limit is fine
    fits = image_manifest(config, [layer], {"annotations": {"filler": "y" * (4 * 1024 * 1024 - 1024)}})
    assert len(fits) <= 4 * 1024 * 1024
    r = http.put_manifest(NAME, "fits", fits)
    assert r.status_code == 201, describe(r)
    assert http.get(f"/v2/{NAME}/manifests/fits").content == fits
    assert http.get("/v2/").status_code == 200


def test_unknown_manifest_and_blob(oci_registry):
    http = oci_registry.http()
    http.push_image(NAME, "v1", [b"layer"])
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/nope"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(http.get(f"/v2/{NAME}/manifests/{sha256(b'nothing')}"), 404, "MANIFEST_UNKNOWN")
    assert http.head(f"/v2/{NAME}/manifests/nope").status_code == 404
    assert_oci_error(http.get("/v2/never/pushed/manifests/v1"), 404, "MANIFEST_UNKNOWN", "NAME_UNKNOWN")
    assert_oci_error(http.get(blob_url(NAME, sha256(b"nothing"))), 404, "BLOB_UNKNOWN")
    assert http.head(blob_url(NAME, sha256(b"nothing"))).status_code == 404
    assert_oci_error(http.get("/v2/never/pushed/tags/list"), 404, "NAME_UNKNOWN")
    assert_oci_error(http.delete(blob_url(NAME, sha256(b"nothing"))), 404, "BLOB_UNKNOWN")


# --------------------------------------------------------------------------------------
# content discovery: tags and catalog paging
# --------------------------------------------------------------------------------------

def next_link(r) -> str | None:
    link = r.headers.get("Link")
    if link is None:
        return None
    m = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', link)
    assert m, f"malformed Link header{describe(r)}"
    return m.group(1)


def test_tags_list_sorted_and_paged(oci_registry):
    http = oci_registry.http()
    manifest, _ = http.push_image(NAME, "b", [b"layer"])
    tags = ["e", "a", "v2", "1.0", "d", "c", "latest", "Z_upper"]
    for tag in tags:
        expect(http.put_manifest(NAME, tag, manifest), 201)
    expected = sorted(set(tags) | {"b"})

    r = http.get(f"/v2/{NAME}/tags/list")
    assert r.status_code == 200, describe(r)
    assert r.json() == {"name": NAME, "tags": expected}, describe(r)

    pages, url = [], f"/v2/{NAME}/tags/list?n=3"
    while url:
        r = http.get(url)
        assert r.status_code == 200, describe(r)
        page = r.json()["tags"]
        assert len(page) <= 3
        pages.append(page)
        url = next_link(r)
        if url:
            q = parse_qs(urlparse(url).query)
            assert q.get("n") == ["3"] and q.get("last") == [page[-1]], describe(r)
        assert len(pages) < 10
    if pages and not pages[-1] and len(pages) > 1:
        pages.pop()  # a Link on a full last page may lead to one empty page; tolerated
    assert [t for p in pages for t in p] == expected
    assert [len(p) for p in pages] == [3, 3, 3]

    r = http.get(f"/v2/{NAME}/tags/list", params={"last": "c"})
    assert r.json()["tags"] == [t for t in expected if t > "c"], describe(r)
    r = http.get(f"/v2/{NAME}/tags/list", params={"n": 2, "last": "d"})
    assert r.json()["tags"] == [t for t in expected if t > "d"][:2], describe(r)
    assert next_link(r) is not None
    r = http.get(f"/v2/{NAME}/tags/list", params={"n": 100})
    assert r.json()["tags"] == expected and next_link(r) is None, describe(r)


def test_catalog_paged(oci_registry):
    http = oci_registry.http()
    names = ["zeta/app", "alpha", "a/b/c/d/app", "mid-dle/x", "beta.one/two"]
    for name in names:
        http.push_image(name, "v1", [name.encode()])
    expected = sorted(names)
    r = http.get("/v2/_catalog")
    assert r.status_code == 200 and r.json() == {"repositories": expected}, describe(r)

    pages, url = [], "/v2/_catalog?n=2"
    while url:
        r = http.get(url)
        assert r.status_code == 200, describe(r)
        pages.append(r.json()["repositories"])
        url = next_link(r)
        assert len(pages) < 10
    assert [n for p in pages for n in p] == expected
    assert [len(p) for p in pages] == [2, 2, 1]
    r = http.get("/v2/_catalog?n=5")
    assert r.json()["repositories"] == expected, describe(r)
    r = http.get("/v2/_catalog", params={"n": 10, "last": "alpha"})
    assert r.json()["repositories"] == [n for n in expected if n > "alpha"], describe(r)


def test_upload_session_survives_restart(oci_registry):
    """Session state lives in the database and the bytes in the blob store (issue 3)."""
    reg = oci_registry
    assert reg.server is not None, "needs nora (restarts the server)"
    http = reg.http()
    data = b"first half|" + b"second half"
    digest = sha256(data)
    loc = http.location(http.start_upload(NAME))
    r = http.patch(loc, data=data[:11], headers={"Content-Type": "application/octet-stream", "Content-Range": "0-10"})
    assert r.status_code == 202, describe(r)
    path = urlparse(http.location(r))
    path = path.path + (f"?{path.query}" if path.query else "")

    reg.server.restart()
    reg.port = reg.server.port
    http = reg.http()
    s = http.get(path)
    assert s.status_code == 204 and s.headers.get("Range") == "0-10", describe(s)
    r = http.patch(path, data=data[11:], headers={"Content-Type": "application/octet-stream",
                                                  "Content-Range": f"11-{len(data) - 1}"})
    assert r.status_code == 202, describe(r)
    r = http.put(http.with_digest(http.location(r), digest))
    assert_blob_created(r, NAME, digest)
    assert http.get(blob_url(NAME, digest)).content == data


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def test_large_blob_is_streamed_not_buffered(oci_registry):
    """256 MiB up (one streamed PATCH, as skopeo sends it) and down: the server's peak RSS
    grows far less than the blob (issue 3 wants a 5 GB blob within 100 MB of RSS; this only
    proves that no whole blob is held in memory, cheaply)."""
    import hashlib
    reg = oci_registry
    assert reg.server is not None, "needs nora (reads the server's peak RSS)"
    http = reg.http()
    pid = reg.server.proc.pid
    before = _peak_rss_mb(pid)
    chunk = bytes(range(256)) * 4096  # 1 MiB
    count = 256
    h = hashlib.sha256()
    for _ in range(count):
        h.update(chunk)
    digest = "sha256:" + h.hexdigest()

    loc = http.location(http.start_upload("big/blob"))
    r = http.patch(loc, data=(chunk for _ in range(count)), headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 202, describe(r)
    assert r.headers.get("Range") == f"0-{count * len(chunk) - 1}", describe(r)
    r = http.put(http.with_digest(http.location(r), digest))
    assert_blob_created(r, "big/blob", digest)

    g = http.get(blob_url("big/blob", digest), stream=True)
    assert g.status_code == 200 and int(g.headers["Content-Length"]) == count * len(chunk), describe(g)
    down, size = hashlib.sha256(), 0
    for piece in g.iter_content(1 << 20):
        down.update(piece)
        size += len(piece)
    assert size == count * len(chunk) and "sha256:" + down.hexdigest() == digest
    peak = _peak_rss_mb(pid)
    # buffering the blob would add >= 256 MB; streaming adds tens of MB (NIO buffers, debug build)
    assert peak - before < 96, f"peak RSS grew from {before:.0f} MB to {peak:.0f} MB for a 256 MiB blob"


def test_garbage_collection_keeps_referenced_blobs(oci_registry):
    """`nora gc`: after a manifest is deleted, its unique blobs go, shared and referenced ones stay;
    `--dry-run` removes nothing."""
    reg = oci_registry
    assert reg.server is not None, "needs nora (runs `nora gc`)"
    http = reg.http()
    shared, only_old, only_new = b"shared layer", b"layer of the old image", b"layer of the new image"
    old_manifest, old_digest = http.push_image(NAME, "old", [shared, only_old], config=b'{"os":"linux","v":1}')
    new_manifest, new_digest = http.push_image(NAME, "new", [shared, only_new], config=b'{"os":"linux","v":2}')
    assert http.delete(f"/v2/{NAME}/manifests/{old_digest}").status_code == 202

    before = reg.stored_paths()
    dry = reg.server.nora("gc", "--dry-run", "--grace", "0")
    assert dry.returncode == 0, dry.stderr
    assert reg.stored_paths() == before, "gc --dry-run changed the storage"
    reg.assert_stored(sha256(only_old))

    done = reg.server.nora("gc", "--grace", "0")
    assert done.returncode == 0, done.stderr
    removed = re.findall(r"(?m)^removed (sha256:[0-9a-f]{64})", done.stdout)
    assert sha256(only_old) in removed and sha256(old_manifest) in removed, \
        f"gc --grace 0 did not remove the old image's blobs:\n--- dry run\n{dry.stdout}--- gc\n{done.stdout}"
    would = re.findall(r"(?m)^would remove (sha256:[0-9a-f]{64})", dry.stdout)
    assert sorted(would) == sorted(removed), f"--dry-run listed other blobs:\n{dry.stdout}--- gc\n{done.stdout}"
    reg.assert_not_stored(sha256(only_old), sha256(b'{"os":"linux","v":1}'), old_digest)
    for blob in (shared, only_new, b'{"os":"linux","v":2}'):
        reg.assert_stored(sha256(blob))
        r = http.get(blob_url(NAME, sha256(blob)))
        assert r.status_code == 200 and r.content == blob, describe(r)
    r = http.get(f"/v2/{NAME}/manifests/new", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200 and r.content == new_manifest, describe(r)

    # with the default grace period (1 h) nothing fresh is removed
    http.push_blob(NAME, b"unreferenced but fresh")
    assert reg.server.nora("gc").returncode == 0
    reg.assert_stored(sha256(b"unreferenced but fresh"))
