"""OCI pull-through against a misbehaving fake upstream (oci_proxy_support.FakeRegistry):
content that does not match its digest is refused with an OCI-shaped 502 and never stored
(the next request tries again), and blob downloads redirected to a CDN on another origin
are followed without the upstream's Authorization header, after the Bearer token dance."""

from __future__ import annotations

import json
import os

import pytest
import requests

from oci_proxy_support import FakeRegistry, proxy_nora, sha256_of
from oci_support import ACCEPT_MANIFESTS, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST, assert_oci_error, describe

CONFIG = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
LAYER = bytes(range(256)) * 300


def image() -> tuple[bytes, dict[str, bytes]]:
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": OCI_CONFIG, "digest": sha256_of(CONFIG), "size": len(CONFIG)},
                           "layers": [{"mediaType": OCI_LAYER_GZIP, "digest": sha256_of(LAYER), "size": len(LAYER)}]},
                          separators=(",", ":")).encode()
    return manifest, {sha256_of(CONFIG): CONFIG, sha256_of(LAYER): LAYER}


def assert_blobs_served(http, name: str, blobs: dict[str, bytes]) -> None:
    """Every blob of `blobs` comes back from the proxy with its own bytes."""
    for digest, data in blobs.items():
        r = http.get(f"/v2/{name}/blobs/{digest}")
        assert r.status_code == 200 and r.content == data, describe(r)


@pytest.fixture
def fake():
    servers: list[FakeRegistry] = []

    def start(**kw) -> FakeRegistry:
        server = FakeRegistry(**kw).start()
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.stop()


def test_blob_not_matching_its_digest_is_a_502_and_is_not_stored(fake, nora_factory):
    manifest, blobs = image()
    layer = sha256_of(LAYER)
    upstream = fake(manifests={("team/app", "v1"): (OCI_MANIFEST, manifest)}, blobs=blobs, lie_about={layer})
    proxy = proxy_nora(nora_factory, upstream.base)
    http = proxy.http()

    r = http.get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200 and r.content == manifest, describe(r)
    for attempt in (1, 2):
        r = http.get(f"/v2/team/app/blobs/{layer}")
        assert_oci_error(r, 502, "UNKNOWN")
        assert "digest" in r.text
        proxy.assert_not_stored(layer)
        assert upstream.count("GET", f"/blobs/{layer}") == attempt, "the next request must try upstream again"
    # a good blob of the same image is served (and stored)
    r = http.get(f"/v2/team/app/blobs/{sha256_of(CONFIG)}")
    assert r.status_code == 200 and r.content == CONFIG, describe(r)
    proxy.assert_stored(sha256_of(CONFIG))

    # upstream repaired: the next request succeeds
    upstream.lie_about.clear()
    r = http.get(f"/v2/team/app/blobs/{layer}")
    assert r.status_code == 200 and r.content == LAYER, describe(r)


def test_manifest_not_matching_the_digest_asked_for_is_refused(fake, nora_factory):
    manifest, blobs = image()
    other = manifest.replace(b'"amd64"', b'"arm64"') if b'"amd64"' in manifest else manifest + b" "
    wanted = sha256_of(manifest)
    upstream = fake(manifests={("team/app", wanted): (OCI_MANIFEST, other)}, blobs=blobs)
    proxy = proxy_nora(nora_factory, upstream.base)
    r = proxy.http().get(f"/v2/team/app/manifests/{wanted}", headers={"Accept": ACCEPT_MANIFESTS})
    assert_oci_error(r, 502, "UNKNOWN")
    proxy.assert_not_stored(wanted, sha256_of(other))


def test_token_dance_and_cdn_redirect_without_authorization(fake, nora_factory):
    manifest, blobs = image()
    cdn = fake()
    upstream = fake(manifests={("library/alpine", "3"): (OCI_MANIFEST, manifest)}, blobs=blobs,
                    token="t0ken-for-tests", cdn=cdn)
    proxy = proxy_nora(nora_factory, f"{upstream.base}|user:pass")
    http = proxy.http()
    r = http.get("/v2/library/alpine/manifests/3", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200 and r.content == manifest, describe(r)
    assert_blobs_served(http, "library/alpine", blobs)
    token_calls = [s for s in upstream.seen if s.path.startswith("/token")]
    assert len(token_calls) == 1, token_calls
    assert "scope=repository:library/alpine:pull" in token_calls[0].path
    assert token_calls[0].headers.get("authorization", "").startswith("Basic ")
    downloads = [s for s in cdn.seen if s.path.startswith("/cdn/")]
    assert len(downloads) == 2 and all("authorization" not in s.headers for s in downloads)
    assert all(s.headers.get("authorization") == "Bearer t0ken-for-tests"
               for s in upstream.seen if "/blobs/" in s.path or "/manifests/" in s.path)


def test_large_blob_streams_before_upstream_finishes_and_is_stored(fake, nora_factory):
    big = os.urandom(3 * 1024 * 1024)
    digest = sha256_of(big)
    upstream = fake(blobs={digest: big}, gated={digest})
    proxy = proxy_nora(nora_factory, upstream.base)
    url = f"{proxy.base}/v2/team/big/blobs/{digest}"
    with requests.get(url, stream=True, timeout=60) as r:
        assert r.status_code == 200, describe(r)
        assert int(r.headers["Content-Length"]) == len(big)
        first = r.raw.read(256 * 1024)  # upstream has sent only half and is waiting: this must not block
        assert first == big[:len(first)] and len(first) == 256 * 1024
        upstream.gate.set()
        rest = r.raw.read()
    assert first + rest == big
    proxy.assert_stored(digest)
    r = requests.get(url, timeout=60)
    assert r.status_code == 200 and r.content == big
    assert upstream.count("GET", f"/blobs/{digest}") == 1


def test_large_blob_failing_its_digest_is_cut_off_and_not_stored(fake, nora_factory):
    big = os.urandom(3 * 1024 * 1024)
    digest = sha256_of(big)
    upstream = fake(blobs={digest: big}, lie_about={digest})
    proxy = proxy_nora(nora_factory, upstream.base)
    url = f"{proxy.base}/v2/team/big/blobs/{digest}"
    for attempt in (1, 2):
        received = b""
        try:
            with requests.get(url, stream=True, timeout=60) as r:
                assert r.status_code == 200, describe(r)  # streaming started before the digest was known
                for chunk in r.iter_content(64 * 1024):
                    received += chunk
        except requests.exceptions.RequestException:
            pass  # the connection is cut: the client never receives the whole (wrong) body
        assert len(received) < len(big), "the wrong bytes were delivered whole"
        proxy.assert_not_stored(digest)
        assert upstream.count("GET", f"/blobs/{digest}") == attempt


def test_concurrent_first_pulls_share_one_probe_one_token_and_one_download(fake, nora_factory):
    from concurrent.futures import ThreadPoolExecutor
    manifest, blobs = image()
    layer = sha256_of(LAYER)
    upstream = fake(manifests={("team/app", "v1"): (OCI_MANIFEST, manifest)}, blobs=blobs, token="t0ken")
    proxy = proxy_nora(nora_factory, f"{upstream.base}|user:pass")

    def get(path):
        with requests.Session() as s:
            s.trust_env = False
            return s.get(proxy.base + path, headers={"Accept": ACCEPT_MANIFESTS}, timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(get, ["/v2/team/app/manifests/v1"] * 10 + [f"/v2/team/app/blobs/{layer}"] * 10))
    for r in answers[:10]:
        assert r.status_code == 200 and r.content == manifest, describe(r)
    for r in answers[10:]:
        assert r.status_code == 200 and r.content == LAYER, describe(r)
    assert upstream.count("GET", "/token") == 1
    assert upstream.count("GET", "/v2/team/app/manifests/v1") == 1
    assert upstream.count("GET", f"/v2/team/app/blobs/{layer}") == 1
    assert len([s for s in upstream.seen if s.path == "/v2/"]) == 1


def test_offline_serves_only_what_is_cached(fake, nora_factory):
    manifest, blobs = image()
    upstream = fake(manifests={("team/app", "v1"): (OCI_MANIFEST, manifest), ("team/app", "v2"): (OCI_MANIFEST, manifest)},
                    blobs=blobs)
    proxy = proxy_nora(nora_factory, upstream.base)
    http = proxy.http()
    assert http.get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS}).status_code == 200
    for digest in blobs:
        assert http.get(f"/v2/team/app/blobs/{digest}").status_code == 200
    seen = len(upstream.seen)

    proxy.server.env["NORA_OFFLINE"] = "true"
    proxy.server.restart()
    proxy.port = proxy.server.port
    http = proxy.http()
    r = http.get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200 and r.content == manifest, describe(r)
    assert_blobs_served(http, "team/app", blobs)
    assert_oci_error(http.get("/v2/team/app/manifests/v2", headers={"Accept": ACCEPT_MANIFESTS}), 404, "MANIFEST_UNKNOWN")
    assert len(upstream.seen) == seen, "an offline nora contacted its upstream"


def test_twenty_concurrent_gets_of_one_large_uncached_blob(fake, nora_factory):
    from concurrent.futures import ThreadPoolExecutor
    big = os.urandom(3 * 1024 * 1024)
    digest = sha256_of(big)
    upstream = fake(blobs={digest: big})
    proxy = proxy_nora(nora_factory, upstream.base)

    def get(_):
        with requests.Session() as s:
            s.trust_env = False
            return s.get(f"{proxy.base}/v2/team/big/blobs/{digest}", timeout=120)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(get, range(20)))
    assert all(r.status_code == 200 and r.content == big for r in answers), [r.status_code for r in answers]
    assert upstream.count("GET", f"/blobs/{digest}") == 1


def test_blob_refused_with_an_expired_token_is_retried_with_a_fresh_one(fake, nora_factory):
    manifest, blobs = image()
    upstream = fake(manifests={("team/app", "v1"): (OCI_MANIFEST, manifest)}, blobs=blobs, token="first-token")
    proxy = proxy_nora(nora_factory, upstream.base)
    http = proxy.http()
    r = http.get("/v2/team/app/manifests/v1", headers={"Accept": ACCEPT_MANIFESTS})
    assert r.status_code == 200, describe(r)
    assert upstream.count("GET", "/token") == 1

    upstream.token = "second-token"  # the cached token expired upstream mid-pull
    assert_blobs_served(http, "team/app", blobs)
    assert upstream.count("GET", "/token") == 2, "one fresh token, then reused"
