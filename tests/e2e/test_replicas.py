"""Two `nora serve` on one PostgreSQL database and one blob store are one registry.

A throwaway PostgreSQL server (postgres_support.py) and S3 server (s3_support.py, moto
with signature checks) serve the module; each test gets a database of its own and two
replicas on their own ports, sharing either one S3 bucket or one storage folder (every
test runs both ways). Requests alternate between the replicas and run concurrently;
afterwards every version must be visible on both, and no request may have failed.

Counts are the issue's (50 npm, 50 PyPI, 50 Maven, 20 OCI, 20 cargo), over plain HTTP with
the bodies the real clients send (the real clients are exercised by the format tests; here
the point is many writers at once, which HTTP drives far faster).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import postgres_support
import s3_support
from cargo_support import crate_tarball, minimal_metadata, publish_body as cargo_body
from oci_support import OciHttp, sha256
from pypi_support import wheel_bytes

WORKERS = 12


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("s3")
    env = s3_support.start(folder)
    yield env
    s3_support.stop(folder)


@pytest.fixture(params=["s3", "folder"])
def replicas(request, postgres, nora_factory, tmp_path):
    """Two servers sharing a fresh database and one bucket (or one storage folder)."""
    name = "nora_e2e_" + uuid.uuid4().hex[:12]
    postgres_support.psql(postgres, f"CREATE DATABASE {name}")
    url = postgres.replace("/postgres?", f"/{name}?")
    env = {"NORA_DATABASE_URL": url, "NORA_STORAGE_PATH": str(tmp_path / "shared" / "storage"),
           "NORA_RATE_LIMIT_ENABLED": "false"}
    if request.param == "s3":
        s3 = request.getfixturevalue("s3_server")
        bucket = "nora-" + uuid.uuid4().hex[:12]
        s3_support.create_bucket(s3, bucket)
        env.update(s3_support.nora_env(s3, bucket))
    a = nora_factory(env)
    b = nora_factory(env)
    return a, b


def session() -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    return s


def run_alternating(replicas, jobs, call):
    """Runs `call(base_url, job)` for every job, alternating replicas, WORKERS at a time.
    Returns the responses in job order."""
    bases = itertools.cycle([r.base for r in replicas])
    work = [(next(bases), job) for job in jobs]
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(lambda item: call(*item), work))


def assert_no_server_errors(responses, ok=(200, 201)):
    bad = [(r.status_code, r.url, r.text[:300]) for r in responses if r.status_code not in ok]
    assert not bad, bad


# --------------------------------------------------------------------------------------

def npm_tarball(name: str, version: str) -> bytes:
    import io
    import tarfile
    import gzip

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        data = json.dumps({"name": name, "version": version}).encode()
        info = tarfile.TarInfo("package/package.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def npm_publish_body(name: str, version: str) -> dict:
    data = npm_tarball(name, version)
    dist = {"shasum": hashlib.sha1(data).hexdigest(),
            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
            "tarball": f"http://x/npm/{name}/-/{name}-{version}.tgz"}
    return {"_id": name, "name": name, "dist-tags": {"latest": version},
            "versions": {version: {"name": name, "version": version, "dist": dist}},
            "_attachments": {f"{name}-{version}.tgz": {"content_type": "application/octet-stream",
                                                       "data": base64.b64encode(data).decode(), "length": len(data)}}}


def test_npm_versions_published_through_both_replicas_all_land(replicas):
    versions = [f"1.0.{i}" for i in range(50)]

    def publish(base, version):
        return session().put(f"{base}/npm/shared-pkg", data=json.dumps(npm_publish_body("shared-pkg", version)),
                             headers={"Content-Type": "application/json"}, timeout=120)

    assert_no_server_errors(run_alternating(replicas, versions, publish))
    for replica in replicas:
        doc = session().get(f"{replica.base}/npm/shared-pkg", timeout=30).json()
        assert sorted(doc["versions"]) == sorted(versions)
        assert doc["dist-tags"]["latest"] in versions
        tgz = session().get(f"{replica.base}/npm/shared-pkg/-/shared-pkg-1.0.49.tgz", timeout=30)
        assert tgz.status_code == 200 and tgz.content == npm_tarball("shared-pkg", "1.0.49")


def test_pypi_files_uploaded_through_both_replicas_all_land(replicas):
    versions = [f"1.{i}" for i in range(50)]

    def upload(base, version):
        wheel = wheel_bytes("sharedproj", version)
        form = {":action": "file_upload", "protocol_version": "1", "name": "sharedproj", "version": version,
                "filetype": "bdist_wheel", "sha256_digest": hashlib.sha256(wheel).hexdigest()}
        files = {"content": (f"sharedproj-{version}-py3-none-any.whl", wheel, "application/octet-stream")}
        return session().post(f"{base}/simple/", data=form, files=files, timeout=120)

    assert_no_server_errors(run_alternating(replicas, versions, upload))
    expected = sorted(f"sharedproj-{v}-py3-none-any.whl" for v in versions)
    for replica in replicas:
        page = session().get(f"{replica.base}/simple/sharedproj/", timeout=30,
                             headers={"Accept": "application/vnd.pypi.simple.v1+json"}).json()
        assert sorted(f["filename"] for f in page["files"]) == expected


def test_maven_versions_deployed_through_both_replicas_all_land(replicas):
    versions = [f"1.{i}" for i in range(50)]
    folder = "/maven2/org/shared/lib"

    def deploy(base, version):
        jar = f"jar of {version}".encode()
        s = session()
        r = s.put(f"{base}{folder}/{version}/lib-{version}.jar", data=jar, timeout=120)
        if r.status_code not in (200, 201):
            return r
        return s.put(f"{base}{folder}/{version}/lib-{version}.jar.sha1", data=hashlib.sha1(jar).hexdigest(), timeout=120)

    assert_no_server_errors(run_alternating(replicas, versions, deploy))
    for replica in replicas:
        metadata = session().get(f"{replica.base}{folder}/maven-metadata.xml", timeout=30).text
        listed = metadata.split("<versions>")[1].split("</versions>")[0]
        assert sorted(v.split("</version>")[0] for v in listed.split("<version>")[1:]) == sorted(versions)


def test_oci_tags_pushed_through_both_replicas_all_land(replicas):
    tags = [f"v{i}" for i in range(20)]

    def push(base, tag):
        oci = OciHttp(base)
        layer = f"layer of {tag}".encode() * 100
        manifest, digest = oci.push_image("team/shared", tag, [layer])
        return oci.get(f"/v2/team/shared/manifests/{tag}")

    assert_no_server_errors(run_alternating(replicas, tags, push))
    for replica in replicas:
        listed = OciHttp(replica.base).get("/v2/team/shared/tags/list").json()["tags"]
        assert listed == sorted(tags)  # byte order, as on SQLite


def test_cargo_versions_published_through_both_replicas_all_land(replicas):
    versions = [f"0.1.{i}" for i in range(20)]

    def publish(base, version):
        crate = crate_tarball({f"shared-crate-{version}/Cargo.toml": b"[package]\n"})
        return session().put(f"{base}/cargo/api/v1/crates/new",
                             data=cargo_body(minimal_metadata("shared-crate", version), crate), timeout=120)

    assert_no_server_errors(run_alternating(replicas, versions, publish))
    for replica in replicas:
        index = session().get(f"{replica.base}/cargo/index/sh/ar/shared-crate", timeout=30).text
        assert sorted(json.loads(line)["vers"] for line in index.splitlines()) == sorted(versions)


def test_chunked_oci_upload_alternates_replicas(replicas):
    a, b = OciHttp(replicas[0].base), OciHttp(replicas[1].base)
    chunks = [bytes([i]) * 300_000 for i in range(1, 5)]
    blob = b"".join(chunks)
    location = a.location(a.start_upload("team/chunked"))
    offset = 0
    for i, chunk in enumerate(chunks):
        client = b if i % 2 == 0 else a
        r = client.patch(location, data=chunk, headers={"Content-Type": "application/octet-stream",
                                                        "Content-Range": f"{offset}-{offset + len(chunk) - 1}"})
        assert r.status_code == 202, r.text
        assert r.headers["Range"] == f"0-{offset + len(chunk) - 1}"
        location = client.location(r)
        offset += len(chunk)
    status = a.get(location)
    assert status.status_code == 204 and status.headers["Range"] == f"0-{offset - 1}"
    done = b.put(OciHttp.with_digest(location, sha256(blob)))
    assert done.status_code == 201, done.text
    for client in (a, b):
        pulled = client.get(f"/v2/team/chunked/blobs/{sha256(blob)}")
        assert pulled.status_code == 200 and pulled.content == blob


def test_gc_on_one_replica_while_the_other_pushes_loses_nothing(replicas):
    import time

    a, b = replicas
    # Garbage older than the grace period: a raw file stored, then deleted.
    garbage = b"unreferenced " * 1000
    assert a.put("/raw/tmp/garbage.bin", garbage).status == 201
    assert a.delete("/raw/tmp/garbage.bin").status == 204
    time.sleep(6)
    oci = OciHttp(b.base)
    layers = [f"layer {i}".encode() * 5000 for i in range(6)]
    # B is mid-push: its blobs are stored and linked, the manifest is not there yet.
    for layer in layers:
        oci.push_blob("team/gc", layer)
    gc = a.nora("gc", "--grace", "5s")
    assert gc.returncode == 0, gc.stderr
    assert f"removed {sha256(garbage)}" in gc.stdout, gc.stdout  # the old garbage goes
    assert not any(f"removed {sha256(layer)}" in gc.stdout for layer in layers)
    # The push completes after the collection and pulls back byte for byte from both replicas.
    manifest, digest = oci.push_image("team/gc", "latest", layers)
    for server in replicas:
        client = OciHttp(server.base)
        assert client.get("/v2/team/gc/manifests/latest").content == manifest
        for layer in layers:
            assert client.get(f"/v2/team/gc/blobs/{sha256(layer)}").content == layer


def test_kill_9_of_one_replica_mid_uploads_leaves_the_other_serving(replicas):
    a, b = replicas
    oci_a, oci_b = OciHttp(a.base), OciHttp(b.base)
    started = [oci_a.location(oci_a.start_upload("team/killed")) for _ in range(20)]
    for i, location in enumerate(started):
        r = oci_a.patch(location, data=bytes([i]) * 1000, headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 202
    a.kill()
    # B serves on; none of A's half-done uploads is visible as a blob.
    for i in range(20):
        assert oci_b.head(f"/v2/team/killed/blobs/{sha256(bytes([i]) * 1000)}").status_code == 404
    manifest, _ = oci_b.push_image("team/killed", "after", [b"fresh layer"])
    assert oci_b.get("/v2/team/killed/manifests/after").content == manifest
    # A restarted is the same registry again.
    a.restart()
    assert OciHttp(a.base).get("/v2/team/killed/manifests/after").content == manifest


def test_migrate_database_moves_a_sqlite_registry_to_postgres(postgres, nora_factory, tmp_path):
    storage = str(tmp_path / "single" / "storage")
    single = nora_factory({"NORA_STORAGE_PATH": storage, "NORA_RATE_LIMIT_ENABLED": "false"})
    assert single.put("/raw/docs/readme.txt", b"kept across the move").status == 201
    s = session()
    for version in ("1.0.0", "1.1.0"):
        r = s.put(f"{single.base}/npm/moved-pkg", data=json.dumps(npm_publish_body("moved-pkg", version)),
                  headers={"Content-Type": "application/json"}, timeout=60)
        assert r.status_code == 201, r.text
    manifest, _ = OciHttp(single.base).push_image("team/moved", "v1", [b"moved layer"])
    assert single.terminate() == 0

    name = "nora_moved_" + uuid.uuid4().hex[:8]
    postgres_support.psql(postgres, f"CREATE DATABASE {name}")
    target = postgres.replace("/postgres?", f"/{name}?")
    for attempt in range(2):  # a second run skips what is there and still checks every count
        moved = single.nora("migrate", "database", "--to", target, timeout=120)
        assert moved.returncode == 0, moved.stderr
        assert "every table's count matches" in moved.stdout
        assert "npm_versions" in moved.stderr and "2/2" in moved.stderr

    grown = nora_factory({"NORA_STORAGE_PATH": storage, "NORA_DATABASE_URL": target, "NORA_RATE_LIMIT_ENABLED": "false"})
    assert grown.get("/raw/docs/readme.txt").body == b"kept across the move"
    assert sorted(session().get(f"{grown.base}/npm/moved-pkg", timeout=30).json()["versions"]) == ["1.0.0", "1.1.0"]
    assert OciHttp(grown.base).get("/v2/team/moved/manifests/v1").content == manifest
    # The signing key moved too: the database is the one the replicas share from now on.
    assert postgres_support.psql(target.replace("?sslmode=disable", ""), "SELECT count(*) FROM nora_secrets") == "1"
    # Ids were copied with the rows; new rows (activity events have identity ids) still insert.
    r = session().put(f"{grown.base}/npm/moved-pkg", data=json.dumps(npm_publish_body("moved-pkg", "1.2.0")),
                      headers={"Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 201, r.text
    deadline = time.monotonic() + 20  # the activity log is written about once a second
    while True:
        events = session().get(f"{grown.base}/api/activity?format=npm", timeout=30).json()["items"]
        if any(e.get("version") == "1.2.0" for e in events) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert any(e.get("version") == "1.2.0" for e in events), events


def test_migrate_storage_moves_a_folder_registry_to_s3(s3_server, nora_factory, tmp_path):
    storage = str(tmp_path / "single" / "storage")
    base_env = {"NORA_STORAGE_PATH": storage, "NORA_RATE_LIMIT_ENABLED": "false"}
    single = nora_factory(base_env)
    big = bytes(range(256)) * 40_000  # 10 MB: goes up in parts
    assert single.put("/raw/files/big.bin", big).status == 201
    manifest, _ = OciHttp(single.base).push_image("team/bytes", "v1", [b"layer one", b"layer two"])
    assert single.terminate() == 0

    bucket = "nora-moved-" + uuid.uuid4().hex[:8]
    s3_support.create_bucket(s3_server, bucket)
    s3_env = s3_support.nora_env(s3_server, bucket)
    settings = {k: v for k, v in s3_env.items() if k != "NORA_STORAGE_MODE"}
    count = len(single.blob_files()) + 1  # and the registry-id marker, a blob like the others
    first = single.nora("migrate", "storage", "--to", "s3", env=settings, timeout=120)
    assert first.returncode == 0, first.stderr
    assert f"copied {count} blobs" in first.stdout and "0 already there" in first.stdout, first.stdout
    assert f"{count}/{count}" in first.stderr
    again = single.nora("migrate", "storage", "--to", "s3", env=settings, timeout=120)
    assert again.returncode == 0, again.stderr
    assert "copied 0 blobs" in again.stdout and f"{count} already there" in again.stdout, again.stdout

    # The same metadata (SQLite beside the folder), the blobs now from the bucket only.
    for blob in (single.storage / "blobs").rglob("*"):
        if blob.is_file():
            blob.unlink()
    moved = nora_factory({**base_env, **s3_env})
    assert moved.get("/raw/files/big.bin").body == big
    assert OciHttp(moved.base).get("/v2/team/bytes/manifests/v1").content == manifest
