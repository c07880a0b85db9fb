"""npm pull-through proxy end to end: a hosted nora as the upstream, a fresh nora proxy in
front, the real npm CLI installing through it; then TTL, hosted-wins, upstream down,
single-flight and a lying upstream."""

from __future__ import annotations

import base64
import concurrent.futures
import hashlib
import json
import subprocess
import time

from npm_support import Npm, cli_token, make_package, new_project
from proxy_support import FakeUpstream, blob_bytes, proxy_env, upstream_gets, wait_until
from test_npm_api import publish_body, put_json, tarball

CORGI = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"


def test_npm_install_through_proxy_ttl_hosted_wins_and_upstream_down(nora_factory, tmp_path):
    upstream = nora_factory()
    publisher = Npm(upstream, tmp_path / "pub", cli_token(upstream, "pub", "write"))
    publisher.publish(make_package(tmp_path, "lib-px", "1.0.0", description="proxied lib"))
    publisher.publish(make_package(tmp_path, "@acme/app-px", "1.0.0", dependencies={"lib-px": "^1.0.0"},
                                   body="module.exports = 'app+' + require('lib-px');\n"))
    publisher.publish(make_package(tmp_path, "shadowed", "2.0.0"))

    proxy = nora_factory(proxy_env(NORA_NPM_PROXY=f"{upstream.base}/npm", NORA_NPM_METADATA_TTL="2"))
    # Hosted wins: a name published to the proxy itself is served from there alone.
    local = Npm(proxy, tmp_path / "local", cli_token(proxy, "local", "write"))
    local.publish(make_package(tmp_path, "shadowed", "0.5.0"))

    client = Npm(proxy, tmp_path / "client")
    project = new_project(tmp_path)
    client.run("install", "@acme/app-px", cwd=project)
    out = subprocess.run(["node", "-e", "console.log(require('@acme/app-px'))"], cwd=project, capture_output=True, text=True)
    assert out.stdout.strip() == "app+lib-px@1.0.0", out
    lock = json.loads((project / "package-lock.json").read_text())["packages"]
    assert lock["node_modules/lib-px"]["resolved"] == f"{proxy.base}/npm/lib-px/-/lib-px-1.0.0.tgz"
    assert lock["node_modules/@acme/app-px"]["resolved"] == f"{proxy.base}/npm/@acme/app-px/-/app-px-1.0.0.tgz"
    upstream_doc = upstream.get("/npm/lib-px").json()
    assert lock["node_modules/lib-px"]["integrity"] == upstream_doc["versions"]["1.0.0"]["dist"]["integrity"]

    # full and abbreviated documents, as asked; tarball links rewritten to the proxy
    full = proxy.get("/npm/lib-px")
    assert full.status == 200 and full.header("content-type") == "application/json"
    assert full.json()["readme"].startswith("# lib-px")
    assert full.json()["versions"]["1.0.0"]["dist"]["tarball"] == f"{proxy.base}/npm/lib-px/-/lib-px-1.0.0.tgz"
    abbreviated = proxy.get("/npm/lib-px", headers={"Accept": CORGI})
    assert abbreviated.header("content-type") == "application/vnd.npm.install-v1+json"
    assert "readme" not in abbreviated.json() and abbreviated.json()["dist-tags"] == {"latest": "1.0.0"}
    assert proxy.get("/npm/lib-px", headers={"If-None-Match": full.header("etag")}).status == 304
    assert proxy.get("/npm/@acme%2fapp-px/1.0.0").json()["dependencies"] == {"lib-px": "^1.0.0"}
    assert proxy.get("/npm/lib-px/latest").json()["version"] == "1.0.0"

    assert client.json("view", "shadowed", "versions") == ["0.5.0"]

    # cached content is checked by `nora verify` like hosted content
    verified = proxy.nora("verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    metrics = proxy.get("/metrics").text.splitlines()
    for result in ("miss", "hit"):
        assert any(l.startswith("nora_proxy_requests_total{") and 'format="npm"' in l and f'result="{result}"' in l
                   for l in metrics), result
    assert any(l.startswith("nora_proxy_upstream_bytes_total{") and 'format="npm"' in l for l in metrics)
    assert any(l.startswith("nora_proxy_upstream_duration_seconds") for l in metrics)

    # npm audit is forwarded to the upstream's audit endpoint
    before = len([l for l in upstream.log().splitlines() if "/security/advisories/bulk" in l])
    audit = proxy.curl("POST", "/npm/-/npm/v1/security/advisories/bulk", data=json.dumps({"lib-px": ["1.0.0"]}),
                       headers={"Content-Type": "application/json"})
    assert audit.status == 200, audit
    assert len([l for l in upstream.log().splitlines() if "/security/advisories/bulk" in l]) == before + 1

    # a new upstream version shows through the proxy once the TTL has passed
    publisher.publish(make_package(tmp_path, "lib-px", "1.1.0"))
    assert wait_until(lambda: proxy.get("/npm/lib-px").json()["dist-tags"]["latest"] == "1.1.0", timeout=30)
    assert client.json("view", "lib-px", "version") == "1.1.0"

    # upstream gone: everything fetched before still installs (stale metadata, cached tarballs)
    upstream.terminate()
    time.sleep(2.5)  # past the TTL: the packuments must be revalidated, and that fails
    offline_client = Npm(proxy, tmp_path / "after")
    project2 = new_project(tmp_path, "after-project")
    (project2 / "package.json").write_text(json.dumps({"name": "after-project", "version": "0.0.0", "private": True,
                                                       "dependencies": {"@acme/app-px": "1.0.0", "lib-px": "1.0.0"}}))
    offline_client.run("install", cwd=project2)
    assert (project2 / "node_modules/lib-px/index.js").exists()
    stale = proxy.get("/npm/lib-px")
    assert stale.status == 200 and "Stale" in (stale.header("warning") or ""), stale
    started = time.monotonic()
    failed = offline_client.run("view", "never-fetched-px", check=False)
    assert failed.returncode != 0
    assert time.monotonic() - started < 30
    assert proxy.get("/npm/never-fetched-px").status == 502


def test_npm_single_flight_and_lying_upstream(nora_factory):
    data = tarball("big-px", "1.0.0")
    good_sha512 = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()

    def packument(base: str, name: str, integrity: str) -> bytes:
        return json.dumps({"name": name, "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": {
            "name": name, "version": "1.0.0",
            "dist": {"tarball": f"{base}/{name}/-/{name}-1.0.0.tgz", "integrity": integrity}}}}).encode()

    def slow_tarball(_handler):
        time.sleep(1.0)  # keep the fetch in flight while the other requests arrive
        return 200, {"Content-Type": "application/octet-stream"}, data

    routes: dict[str, object] = {"/big-px/-/big-px-1.0.0.tgz": slow_tarball,
                                 "/liar-px/-/liar-px-1.0.0.tgz": (200, {}, b"not the promised bytes")}
    with FakeUpstream(routes) as fake:
        routes["/big-px"] = (200, {"Content-Type": "application/json"}, packument(fake.base, "big-px", good_sha512))
        routes["/liar-px"] = (200, {"Content-Type": "application/json"}, packument(fake.base, "liar-px", good_sha512))
        proxy = nora_factory(proxy_env(NORA_NPM_PROXY=fake.base))

        # 20 concurrent requests for one uncached tarball: one upstream fetch
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: proxy.get("/npm/big-px/-/big-px-1.0.0.tgz"), range(20)))
        assert all(a.status == 200 and a.body == data for a in answers), [a.status for a in answers]
        assert fake.hits["/big-px/-/big-px-1.0.0.tgz"] == 1

        # bytes that do not match the packument's integrity: 502, nothing stored, retried next time
        before = blob_bytes(proxy)
        bad = proxy.get("/npm/liar-px/-/liar-px-1.0.0.tgz")
        assert bad.status == 502 and "error" in bad.json(), bad
        assert b"not the promised bytes" not in blob_bytes(proxy)
        assert blob_bytes(proxy) - before <= {routes["/liar-px"][2]}  # only the packument was cached
        assert proxy.get("/npm/liar-px/-/liar-px-1.0.0.tgz").status == 502
        assert fake.hits["/liar-px/-/liar-px-1.0.0.tgz"] == 2
        # a file the packument does not list is the format's 404, not an upstream request
        assert proxy.get("/npm/big-px/-/big-px-9.9.9.tgz").status == 404

        # `nora cache prune` forgets old entries: the next request fetches again
        time.sleep(2.5)  # rows are stamped in whole seconds
        pruned = proxy.nora("cache", "prune", "--older-than", "1s")
        assert pruned.returncode == 0 and "removed" in pruned.stdout, pruned
        assert proxy.get("/npm/big-px/-/big-px-1.0.0.tgz").body == data
        assert fake.hits["/big-px/-/big-px-1.0.0.tgz"] == 2, (pruned.stdout, proxy.log()[-3000:])
