"""The proxy's cache rows on PostgreSQL: a miss, a hit, a remembered 404 (Maven) and
`nora cache prune`, with the same code that runs on SQLite."""

from __future__ import annotations

import hashlib
import time

import postgres_support
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
