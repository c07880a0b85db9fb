"""npm registry end to end over HTTP (curl): the wire details npm relies on and the bad
input it must refuse without storing anything."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading

JSON = {"Content-Type": "application/json"}


def tarball(name: str, version: str) -> bytes:
    """A real npm tarball: package/package.json, gzipped."""
    manifest = json.dumps({"name": name, "version": version}).encode()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        info = tarfile.TarInfo("package/package.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    return raw.getvalue()


def publish_body(name: str, version: str, *, data: bytes | None = None, tag: str = "latest", **dist_override) -> dict:
    data = data if data is not None else tarball(name, version)
    dist = {"shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            "tarball": f"http://ignored/{name}/-/{name}-{version}.tgz"}
    dist.update(dist_override)
    return {
        "_id": name, "name": name, "description": f"{name} package",
        "dist-tags": {tag: version},
        "versions": {version: {"name": name, "version": version, "description": f"{name} package",
                               "readme": f"# {name}", "dist": dist}},
        "_attachments": {f"{name}-{version}.tgz": {"content_type": "application/octet-stream",
                                                   "data": base64.b64encode(data).decode(), "length": len(data)}},
    }


def put_json(server, path: str, body, **kw):
    return server.put(path, data=json.dumps(body), headers=JSON, **kw)


def assert_error(response, status: int, *fragments: str):
    assert response.status == status, response
    assert response.header("content-type") == "application/json"
    body = response.json()
    assert list(body) == ["error"], body
    for fragment in fragments:
        assert fragment in body["error"], body


def test_packument_forms_etag_and_tarball_range(nora):
    data = tarball("@scope/thing", "1.0.0")
    assert put_json(nora, "/npm/@scope%2fthing", publish_body("@scope/thing", "1.0.0", data=data)).status == 201

    full = nora.get("/npm/@scope%2fthing")
    assert full.status == 200 and full.header("content-type") == "application/json"
    doc = full.json()
    assert doc["name"] == "@scope/thing" and doc["dist-tags"] == {"latest": "1.0.0"}
    assert doc["readme"] == "# @scope/thing"
    assert "1.0.0" in doc["time"] and doc["_rev"].startswith("1-")
    tarball_url = doc["versions"]["1.0.0"]["dist"]["tarball"]
    assert tarball_url == f"{nora.base}/npm/@scope/thing/-/thing-1.0.0.tgz"
    assert nora.get("/npm/@scope/thing").json() == doc  # both scoped URL forms

    # links follow the Host the client used
    assert nora.get("/npm/@scope/thing", headers={"Host": "npm.example:9999"}).json()["versions"]["1.0.0"]["dist"][
        "tarball"] == "http://npm.example:9999/npm/@scope/thing/-/thing-1.0.0.tgz"

    short = nora.get("/npm/@scope/thing", headers={"Accept": "application/vnd.npm.install-v1+json; q=1.0, */*"})
    assert short.header("content-type") == "application/vnd.npm.install-v1+json"
    assert set(short.json()) == {"name", "modified", "dist-tags", "versions"}
    assert short.json()["versions"]["1.0.0"]["dist"]["tarball"] == tarball_url

    etag = full.header("etag")
    assert etag and nora.get("/npm/@scope/thing", headers={"If-None-Match": etag}).status == 304
    assert short.header("etag") != etag

    whole = nora.get("/npm/@scope/thing/-/thing-1.0.0.tgz")
    assert whole.status == 200 and whole.body == data
    part = nora.get("/npm/@scope%2fthing/-/thing-1.0.0.tgz", headers={"Range": "bytes=2-9"})
    assert part.status == 206 and part.body == data[2:10]
    assert part.header("content-range") == f"bytes 2-9/{len(data)}"
    assert nora.get("/npm/@scope/thing/1.0.0").json()["version"] == "1.0.0"
    assert nora.get("/npm/@scope/thing/latest").json()["version"] == "1.0.0"
    assert_error(nora.get("/npm/@scope/thing/-/thing-9.9.9.tgz"), 404, "thing-9.9.9.tgz")
    assert_error(nora.get("/npm/nothing-here"), 404, "nothing-here")


def test_bad_publishes_store_nothing(nora_factory):
    server = nora_factory({"NORA_BODY_LIMIT_MB": "1"})
    cases = [
        (publish_body("bad", "1.0.0", integrity="sha512-" + base64.b64encode(b"x" * 64).decode()), 400, "integrity mismatch"),
        (publish_body("bad", "1.0.0", shasum="0" * 40), 400, "shasum mismatch"),
        (publish_body("other-name", "1.0.0"), 400, "does not match the URL"),
        (publish_body("bad", "1.0"), 400, "invalid version '1.0'"),
        ({**publish_body("bad", "1.0.0"), "_attachments": {}}, 400, "attach"),
    ]
    for body, status, message in cases:
        assert_error(put_json(server, "/npm/bad", body), status, message)
    assert_error(server.put("/npm/bad", data="{not json", headers=JSON), 400, "not valid JSON")
    big = publish_body("bad", "1.0.0", data=tarball("bad", "1.0.0") + bytes(1_200_000))
    assert_error(put_json(server, "/npm/bad", big), 413, "NORA_BODY_LIMIT_MB")
    assert_error(server.get("/npm/bad"), 404)
    assert server.blob_files() == []

    # the version numbers stay free: a good publish still works
    assert put_json(server, "/npm/bad", publish_body("bad", "1.0.0")).status == 201
    assert_error(put_json(server, "/npm/bad", publish_body("bad", "1.0.0")), 403, "previously published versions: 1.0.0")


def test_concurrent_publishes_all_land(nora):
    versions = [f"1.0.{i}" for i in range(8)]
    bodies = {v: json.dumps(publish_body("race", v, tag=f"t{v.replace('.', '-')}")) for v in versions}
    results: dict[str, int] = {}

    def publish(version: str):
        results[version] = nora.put("/npm/race", data=bodies[version], headers=JSON).status

    threads = [threading.Thread(target=publish, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {v: 201 for v in versions}
    doc = nora.get("/npm/race").json()
    assert sorted(doc["versions"]) == sorted(versions)
    assert len(doc["dist-tags"]) == len(versions) + 1  # one tag each, plus latest
    assert doc["_rev"].startswith(f"{len(versions)}-")


def test_dist_tag_api_and_revisions(nora):
    for v in ("1.0.0", "2.0.0"):
        assert put_json(nora, "/npm/tags", publish_body("tags", v)).status == 201
    assert nora.get("/npm/-/package/tags/dist-tags").json() == {"latest": "2.0.0"}
    assert nora.put("/npm/-/package/tags/dist-tags/old", data='"1.0.0"', headers=JSON).status == 201
    assert nora.get("/npm/-/package/tags/dist-tags").json() == {"latest": "2.0.0", "old": "1.0.0"}
    assert_error(nora.put("/npm/-/package/tags/dist-tags/x", data='"3.0.0"', headers=JSON), 404, "3.0.0")
    assert_error(nora.put("/npm/-/package/tags/dist-tags/1.0", data='"1.0.0"', headers=JSON), 400, "dist-tag")
    assert_error(nora.delete("/npm/-/package/tags/dist-tags/latest"), 400, "latest")
    assert nora.delete("/npm/-/package/tags/dist-tags/old").status == 200
    assert_error(nora.delete("/npm/-/package/tags/dist-tags/old"), 404)

    # whole-document writes: only `deprecated` may change, and a stale revision is refused
    doc = nora.get("/npm/tags?write=true").json()
    doc["versions"]["1.0.0"]["dependencies"] = {"evil": "*"}
    assert_error(put_json(nora, "/npm/tags", doc), 403, "immutable")
    stale = nora.get("/npm/tags?write=true").json()
    del stale["versions"]["2.0.0"]
    assert_error(put_json(nora, "/npm/tags/-rev/1-stale", stale), 409, "out of date")
    assert_error(nora.delete("/npm/tags/-rev/1-stale"), 409)
    assert put_json(nora, f"/npm/tags/-rev/{stale['_rev']}", stale).status == 200
    after = nora.get("/npm/tags").json()
    assert list(after["versions"]) == ["1.0.0"] and after["dist-tags"] == {"latest": "1.0.0"}


def test_misc_endpoints(nora):
    assert nora.get("/npm/-/ping").status == 200
    for path in ("/npm/-/npm/v1/security/advisories/bulk", "/npm/-/npm/v1/security/audits/quick"):
        r = nora.curl("POST", path, data=json.dumps({"lodash": ["1.0.0"]}), headers=JSON)
        assert r.status == 200, r
    assert nora.curl("POST", "/npm/-/npm/v1/security/advisories/bulk", data="{}", headers=JSON).json() == {}
    quick = nora.curl("POST", "/npm/-/npm/v1/security/audits/quick", data="{}", headers=JSON).json()
    assert quick["advisories"] == {} and quick["metadata"]["vulnerabilities"]["critical"] == 0
    assert_error(nora.get("/npm/-/whoami"), 401)
    assert_error(nora.get("/npm/Bad_Name"), 400, "invalid package name")
    assert_error(nora.get("/npm/-/v1/search?size=0"), 400, "size")


def test_auth_challenge(auth_nora):
    server = auth_nora()
    r = server.get("/npm/anything")
    assert_error(r, 401)
    assert r.header("www-authenticate").startswith("Basic ")
    assert_error(server.put("/npm/x", data="{}", headers=JSON), 401)
