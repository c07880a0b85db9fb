"""The proxy's cache rows on PostgreSQL: a miss, a hit, a remembered 404 (Maven) and
`nora cache prune`, with the same code that runs on SQLite."""

from __future__ import annotations

import hashlib
import time

import postgres_support
from oci_proxy_support import distribution, proxy_nora, stop_distribution
from oci_support import OciLayout, oci_image, skopeo  # noqa: F401  (fixtures)
from proxy_support import FakeUpstream, proxy_env


def test_proxy_rows_on_postgresql(nora_factory, tmp_path):
    jar = b"jar bytes for postgres"
    path = "/com/example/pg/lib/1.0/lib-1.0.jar"
    routes = {path: (200, {}, jar), path + ".sha1": (200, {}, hashlib.sha1(jar).hexdigest().encode())}
    url = postgres_support.start(tmp_path / "pg")
    try:
        with FakeUpstream(routes) as fake:
            proxy = nora_factory(proxy_env(NORA_DATABASE_URL=url, NORA_MAVEN_PROXIES=fake.base))
            for _ in range(2):
                r = proxy.get("/maven2" + path)
                assert r.status == 200 and r.body == jar, r
            assert fake.hits[path] == 1
            for _ in range(3):  # remembered for a minute: asked once
                assert proxy.get("/maven2/com/example/pg/missing/1.0/missing-1.0.jar").status == 404
            assert [v for k, v in fake.hits.items() if "/missing/" in k] == [1, 1]  # .sha1 and the jar, once each
            time.sleep(2.5)
            pruned = proxy.nora("cache", "prune", "--older-than", "1s")
            assert pruned.returncode == 0 and "removed" in pruned.stdout, pruned.stdout + pruned.stderr
            assert proxy.get("/maven2" + path).body == jar
            assert fake.hits[path] == 2
            proxy.terminate()
    finally:
        postgres_support.stop(tmp_path / "pg")


def test_oci_pull_through_on_postgresql(nora_factory, skopeo, oci_image, tmp_path):  # noqa: F811
    """skopeo pulls an image through a nora proxy whose rows live in PostgreSQL; the second
    pull comes from the cache, GC keeps what the cached manifest names, the tag is listed."""
    upstream = distribution(tmp_path / "upstream")
    url = postgres_support.start(tmp_path / "pg")
    try:
        skopeo.copy(oci_image.ref, f"docker://{upstream.host}/team/pg:v1")
        proxy = proxy_nora(nora_factory, upstream.base, NORA_DATABASE_URL=url)
        skopeo.copy(f"docker://{proxy.host}/team/pg:v1", f"oci:{tmp_path / 'pull1'}:v1")
        gc = proxy.server.nora("gc", "--grace", "0")
        assert gc.returncode == 0, gc.stderr + gc.stdout
        stop_distribution(upstream)
        skopeo.copy(f"docker://{proxy.host}/team/pg:v1", f"oci:{tmp_path / 'pull2'}:v1")
        for pulled in ("pull1", "pull2"):
            layout = OciLayout(tmp_path / pulled)
            layout.check_blobs()
            assert layout.manifest_bytes("v1") == oci_image.manifest_bytes
            for digest, original in zip(oci_image.layer_digests, oci_image.layer_bytes()):
                assert layout.blob(digest) == original
        assert proxy.http().get("/v2/team/pg/tags/list").json()["tags"] == ["v1"]
        proxy.server.terminate()
    finally:
        stop_distribution(upstream)
        postgres_support.stop(tmp_path / "pg")
