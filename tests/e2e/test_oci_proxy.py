"""OCI pull-through proxy with real clients: CNCF distribution (and a nora with token auth)
as the upstream, skopeo pulling through a nora proxy into an OCI layout, digests compared.

Covers: single image and multi-arch index, prefix and host routing, default_action = deny,
the registry token dance, the upstream stopped (cached image still pulls), 20 concurrent
GETs of one uncached blob (one upstream fetch), hosted names never merged with upstream,
and tags following NORA_DOCKER_METADATA_TTL with serve-stale.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from nora_e2e import metric_value
from oci_proxy_support import distribution, proxy_nora, stop_distribution, upstream_requests
from oci_support import (  # noqa: F401  (fixtures)
    ACCEPT_MANIFESTS, OCI_INDEX, OCI_MANIFEST, USERS, OciLayout, assert_oci_error, build_image, describe,
    file_sha256, oci_auth_registry, oci_image, sha256, skopeo,
)


@pytest.fixture
def upstream(tmp_path):
    reg = distribution(tmp_path / "upstream")
    yield reg
    stop_distribution(reg)


def assert_pulled(layout: OciLayout, tag: str, image) -> None:
    """The pulled layout holds the very manifest, config and layers that were pushed upstream."""
    layout.check_blobs()
    assert layout.manifest_descriptor(tag)["digest"] == image.manifest_digest
    assert layout.manifest_bytes(tag) == image.manifest_bytes
    assert layout.blob(image.config_digest) == image.layout.blob(image.config_digest)
    for digest, original in zip(image.layer_digests, image.layer_bytes()):
        assert file_sha256(layout.blob_path(digest)) == digest
        assert layout.blob(digest) == original


def manifest_digest(http, name: str, ref: str) -> str:
    r = http.get(f"/v2/{name}/manifests/{ref}", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200, describe(r)
    return r.headers["Docker-Content-Digest"]


def test_skopeo_pulls_through_the_proxy_and_from_cache_when_upstream_is_gone(upstream, nora_factory, skopeo,
                                                                                oci_image, tmp_path):
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    proxy = proxy_nora(nora_factory, upstream.base)

    skopeo.copy(f"docker://{proxy.host}/team/app:v1", f"oci:{tmp_path / 'pull1'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull1"), "v1", oci_image)
    # host routing: the upstream's host as first component reaches the same image
    skopeo.copy(f"docker://{proxy.host}/127.0.0.1/team/app:v1", f"oci:{tmp_path / 'pull2'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull2"), "v1", oci_image)
    for digest in [oci_image.config_digest, *oci_image.layer_digests]:
        proxy.assert_stored(digest)
        assert upstream_requests(upstream, "GET", f"/v2/team/app/blobs/{digest}") == 1, "blob fetched twice"

    # cached content is listed like hosted content, and counted
    tags = proxy.http().get("/v2/team/app/tags/list").json()
    assert tags["tags"] == ["v1"]
    metrics = proxy.http().get("/metrics").text
    assert metric_value(metrics, "nora_proxy_requests_total", {"format": "docker", "result": "miss"}) >= 4
    assert metric_value(metrics, "nora_proxy_requests_total", {"format": "docker", "result": "hit"}) >= 1

    # garbage collection keeps it: the cached manifests reference their blobs
    gc = proxy.server.nora("gc", "--grace", "0")
    assert gc.returncode == 0, gc.stderr + gc.stdout
    for digest in [oci_image.config_digest, *oci_image.layer_digests]:
        proxy.assert_stored(digest)

    stop_distribution(upstream)
    skopeo.copy(f"docker://{proxy.host}/team/app:v1", f"oci:{tmp_path / 'pull3'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull3"), "v1", oci_image)
    # a never-fetched name fails promptly in OCI's error form
    r = proxy.http().get("/v2/team/other/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS}, timeout=60)
    assert_oci_error(r, (502, 504), "UNKNOWN")


def test_multi_arch_index_and_its_children(upstream, nora_factory, skopeo, oci_image, tmp_path):
    second = build_image(tmp_path / "second", [{"arm.txt": b"built for another platform\n"}])
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/multi:amd64")
    skopeo.copy(second.ref, f"docker://{upstream.host}/team/multi:arm64")
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": oci_image.manifest_digest, "size": len(oci_image.manifest_bytes),
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": OCI_MANIFEST, "digest": second.manifest_digest, "size": len(second.manifest_bytes),
         "platform": {"architecture": "arm64", "os": "linux"}},
    ]}, separators=(",", ":")).encode()
    r = upstream.http().put("/v2/team/multi/manifests/latest", data=index, headers={"Content-Type": OCI_INDEX})
    assert r.status_code == 201, describe(r)

    proxy = proxy_nora(nora_factory, upstream.base)
    # the index alone: its children are fetched when asked for, and that is no damage to verify
    assert manifest_digest(proxy.http(), "team/multi", "latest") == sha256(index)
    verify = proxy.server.nora("verify", "--grace", "0")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    out = tmp_path / "multi"
    skopeo.copy(f"docker://{proxy.host}/team/multi:latest", f"oci:{out}:latest", "--all")
    layout = OciLayout(out)
    layout.check_blobs()
    assert layout.manifest_descriptor("latest")["digest"] == sha256(index)
    assert layout.blob(sha256(index)) == index
    for image in (oci_image, second):
        assert layout.blob(image.manifest_digest) == image.manifest_bytes
        for digest in [image.config_digest, *image.layer_digests]:
            assert file_sha256(layout.blob_path(digest)) == digest
    http = proxy.http()
    assert manifest_digest(http, "team/multi", "latest") == sha256(index)
    assert manifest_digest(http, "team/multi", second.manifest_digest) == second.manifest_digest


def test_token_auth_upstream(oci_auth_registry, nora_factory, skopeo, oci_image, tmp_path):
    upstream = oci_auth_registry(anonymous_read=False)
    creds = "admin:" + USERS["admin"]
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1", dest_creds=creds)
    # anonymous pulls are refused upstream: only the token dance with the configured account works
    assert upstream.http().get("/v2/team/app/manifests/v1").status_code == 401

    pushed = len(upstream.log().splitlines())  # skopeo's own token requests for the push come before

    proxy = proxy_nora(nora_factory, f"{upstream.base}|{creds}")
    skopeo.copy(f"docker://{proxy.host}/team/app:v1", f"oci:{tmp_path / 'pull'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull"), "v1", oci_image)
    log = upstream.log().splitlines()[pushed:]
    token_requests = [l for l in log if "path=/v2/token" in l and "method=GET" in l]
    # one token for repository:team/app:pull, reused for the manifest and every blob
    assert len(token_requests) == 1, "\n".join(token_requests)
    assert "status=200" in token_requests[0]

    # wrong credentials: the token service refuses, the client gets an OCI error, not a hang
    bad = proxy_nora(nora_factory, f"{upstream.base}|admin:wrong")
    r = bad.http().get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    assert_oci_error(r, 502, "UNKNOWN")


def test_twenty_concurrent_gets_of_one_uncached_blob_fetch_it_once(upstream, nora_factory, skopeo, oci_image):
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    proxy = proxy_nora(nora_factory, upstream.base)
    layer = oci_image.layer_digests[1]
    expected = oci_image.layout.blob(layer)
    url = f"{proxy.base}/v2/team/app/blobs/{layer}"

    def get(_):
        with requests.Session() as s:
            s.trust_env = False
            return s.get(url, timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(get, range(20)))
    for r in answers:
        assert r.status_code == 200, describe(r)
        assert r.content == expected
        assert r.headers["Docker-Content-Digest"] == layer
    assert upstream_requests(upstream, "GET", f"/v2/team/app/blobs/{layer}") == 1


def test_prefix_routing_and_deny(upstream, nora_factory, skopeo, oci_image, tmp_path):
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    proxy = proxy_nora(nora_factory, f"{upstream.base}||up", NORA_DOCKER_DEFAULT_ACTION="deny")
    skopeo.copy(f"docker://{proxy.host}/up/team/app:v1", f"oci:{tmp_path / 'pull'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull"), "v1", oci_image)

    http = proxy.http()
    for path in ["/v2/team/app/manifests/v1", f"/v2/team/app/blobs/{oci_image.layer_digests[0]}",
                 "/v2/quay.io/team/app/manifests/v1"]:
        assert_oci_error(http.get(path, headers={"Accept": ACCEPT_MANIFESTS}), 403, "DENIED")
    assert upstream_requests(upstream, "GET", "/v2/team/app/manifests") == 1  # only the prefixed pull

    # hosted names still work under deny: push, then pull back
    skopeo.copy(oci_image.ref, f"docker://{proxy.host}/mine/app:v1")
    skopeo.copy(f"docker://{proxy.host}/mine/app:v1", f"oci:{tmp_path / 'mine'}:v1")
    assert_pulled(OciLayout(tmp_path / "mine"), "v1", oci_image)


def test_hosted_names_are_never_merged_with_upstream(upstream, nora_factory, skopeo, oci_image, tmp_path):
    other = build_image(tmp_path / "other", [{"local.txt": b"pushed to nora itself\n"}])
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v2")
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/cached/app:v1")
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/cached/app:v2")
    proxy = proxy_nora(nora_factory, upstream.base)
    http = proxy.http()

    # pushed first: nora's own team/app, upstream's tags stay invisible
    skopeo.copy(other.ref, f"docker://{proxy.host}/team/app:v1")
    assert manifest_digest(http, "team/app", "v1") == other.manifest_digest
    assert_oci_error(http.get("/v2/team/app/manifests/v2", headers={"Accept": ACCEPT_MANIFESTS}), 404, "MANIFEST_UNKNOWN")
    assert upstream_requests(upstream, "GET", "/v2/team/app/manifests") == 0

    # cached first, then pushed to: the push works and the repository is hosted from then on
    assert manifest_digest(http, "cached/app", "v1") == oci_image.manifest_digest
    skopeo.copy(other.ref, f"docker://{proxy.host}/cached/app:mine")
    assert manifest_digest(http, "cached/app", "mine") == other.manifest_digest
    assert manifest_digest(http, "cached/app", "v1") == oci_image.manifest_digest  # what was cached stays
    assert_oci_error(http.get("/v2/cached/app/manifests/v2", headers={"Accept": ACCEPT_MANIFESTS}), 404, "MANIFEST_UNKNOWN")


def test_tags_follow_the_metadata_ttl_and_are_served_stale(upstream, nora_factory, skopeo, oci_image, tmp_path):
    newer = build_image(tmp_path / "newer", [{"v.txt": b"version two\n"}])
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    forever = proxy_nora(nora_factory, upstream.base)  # NORA_DOCKER_METADATA_TTL defaults to -1
    always = proxy_nora(nora_factory, upstream.base, NORA_DOCKER_METADATA_TTL="0")
    for proxy in (forever, always):
        assert manifest_digest(proxy.http(), "team/app", "v1") == oci_image.manifest_digest

    skopeo.copy(newer.ref, f"docker://{upstream.host}/team/app:v1")
    assert manifest_digest(forever.http(), "team/app", "v1") == oci_image.manifest_digest
    assert manifest_digest(always.http(), "team/app", "v1") == newer.manifest_digest
    skopeo.copy(f"docker://{always.host}/team/app:v1", f"oci:{tmp_path / 'pull'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull"), "v1", newer)
    heads = upstream_requests(upstream, "HEAD", "/v2/team/app/manifests/v1")
    assert heads >= 1  # revalidated with HEAD

    stop_distribution(upstream)
    r = always.http().get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200, describe(r)
    assert r.headers["Docker-Content-Digest"] == newer.manifest_digest
    assert re.match(r'^110 ', r.headers.get("Warning", "")), describe(r)


def test_cache_prune_evicts_cached_images_and_the_next_pull_fetches_again(upstream, nora_factory, skopeo, oci_image,
                                                                         tmp_path):
    import time
    skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/app:v1")
    proxy = proxy_nora(nora_factory, upstream.base)
    skopeo.copy(oci_image.ref, f"docker://{proxy.host}/mine/app:v1")  # hosted: never pruned
    skopeo.copy(f"docker://{proxy.host}/team/app:v1", f"oci:{tmp_path / 'pull1'}:v1")
    time.sleep(2.5)
    pruned = proxy.server.nora("cache", "prune", "--older-than", "1s")
    assert pruned.returncode == 0, pruned.stderr + pruned.stdout
    gc = proxy.server.nora("gc", "--grace", "0")
    assert gc.returncode == 0, gc.stderr + gc.stdout
    http = proxy.http()
    assert http.get("/v2/team/app/tags/list").json().get("tags") in (None, [])
    assert manifest_digest(http, "mine/app", "v1") == oci_image.manifest_digest
    proxy.assert_stored(oci_image.layer_digests[0])  # still held by the hosted copy

    skopeo.copy(f"docker://{proxy.host}/team/app:v1", f"oci:{tmp_path / 'pull2'}:v1")
    assert_pulled(OciLayout(tmp_path / "pull2"), "v1", oci_image)
    assert upstream_requests(upstream, "GET", "/v2/team/app/manifests/v1") == 2
