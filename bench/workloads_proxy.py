"""Workload 13 (issue 13, pull-through proxy): nora as a cache in front of an upstream.

- cached npm tarball: a hosted nora is the upstream, a second nora proxies it
  (`NORA_NPM_PROXY`); once the tarball went through the proxy, `wrk` on the proxy vs on the
  upstream directly;
- cached OCI blob: CNCF distribution is the upstream (`NORA_DOCKER_PROXIES`); `wrk` on the
  blob through the proxy vs on distribution directly;
- cold 1 GiB layer: a fresh nora proxy per run pulls a layer it has never seen from
  distribution: throughput, time to first byte and nora's peak RSS; distribution's own
  pull of the same layer is the peer.
"""

import hashlib
import json

import bench as B
from workload_support import Loads, NoraWith, start_proc_server, stop_server, timed_download, sha256_download

SIZES = {
    "proxy_blob_kib": B._env_int("BENCH_PROXY_BLOB_KB", 1024, 1024),
    "proxy_layer_mib": B._env_int("BENCH_PROXY_LAYER_MB", 1024, 1024),
}
B.SIZES.update(SIZES)

NPM_NAME = "bench-proxied"
OCI_REPO = "bench/proxied"
BIG_REPO = "bench/biglayer"


def proxy_env(npm_upstream="", docker_upstream=""):
    """Only the proxies this workload uses; every other format's proxy off (no internet here)."""
    return {"NORA_OFFLINE": "false", "NORA_NPM_PROXY": npm_upstream, "NORA_DOCKER_PROXIES": docker_upstream,
            "NORA_PYPI_PROXY": "", "NORA_PYPI_PROXIES": "", "NORA_MAVEN_PROXIES": "", "NORA_CARGO_PROXY": "",
            "NORA_GO_PROXY": ""}


def push_image(h, repo, tag, layer):
    """A config, one layer (bytes or a bench source) and a manifest; returns the layer digest."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    cd = B.oci_put_blob_bytes(h, repo, config)
    if isinstance(layer, bytes):
        ld, size = B.oci_put_blob_bytes(h, repo, layer), len(layer)
    else:
        B.oci_push_monolithic(h, repo, layer)
        ld, size = layer.digest, layer.size
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": B.OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": size}],
    }).encode()
    st, _, body = h.req("PUT", f"/v2/{repo}/manifests/{tag}", body=manifest, headers={"Content-Type": B.OCI_MANIFEST})
    B._expect(st, (201,), "PUT manifest", body)
    return ld


def get_ok(srv, path, headers=None):
    h = srv.http()
    st, hd, body = h.req("GET", path, headers=headers)
    h.close()
    if st != 200:
        raise RuntimeError(f"GET {path} on {srv.label}: HTTP {st} {body[:160]!r}")
    return hd, body


def upstream_fetches(srv):
    """nora_proxy_requests_total with result miss, revalidated or error: requests that went upstream."""
    _, body = get_ok(srv, "/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith("nora_proxy_requests_total{") and any(
                f'result="{r}"' in line for r in ("miss", "revalidated", "error")):
            total += float(line.rsplit(" ", 1)[1])
    return total


def w13_proxy(bench):
    runs = B.SIZES["runs"]
    loads = Loads()
    upstream = proxy = None
    try:
        # ---- cached small objects
        upstream = start_proc_server(NoraWith(bench.work, "nora-upstream", proxy_env()))
        h = upstream.http()
        st, _, body = h.req("PUT", f"/npm/{NPM_NAME}", body=B.npm_publish_body(upstream.port, NPM_NAME, "1.0.0"),
                            headers={"Content-Type": "application/json", "npm-command": "publish"})
        h.close()
        B._expect(st, (200, 201), "npm publish to the upstream", body)
        blob = hashlib.sha512(b"proxy-blob").digest() * (B.SIZES["proxy_blob_kib"] * 1024 // 64)
        h = bench.dist.http()
        digest = push_image(h, OCI_REPO, "v1", blob)
        h.close()
        proxy = start_proc_server(NoraWith(bench.work, "nora-proxy", proxy_env(
            f"http://127.0.0.1:{upstream.port}/npm", f"http://127.0.0.1:{bench.dist.port}")))
        # fill the cache as a client would: document first, then the file it names
        _, doc = get_ok(proxy, f"/npm/{NPM_NAME}", {"Accept": "application/json"})
        tarball = json.loads(doc)["versions"]["1.0.0"]["dist"]["tarball"]
        tar_path = tarball.split(f":{proxy.port}", 1)[1]
        _, via_proxy = get_ok(proxy, tar_path)
        _, direct = get_ok(upstream, tar_path)
        if via_proxy != direct:
            raise RuntimeError("the proxy served other bytes than the upstream for the npm tarball")
        get_ok(proxy, f"/v2/{OCI_REPO}/manifests/v1", {"Accept": B.OCI_MANIFEST})
        blob_path = f"/v2/{OCI_REPO}/blobs/{digest}"
        _, got = get_ok(proxy, blob_path)
        if got != blob:
            raise RuntimeError("the proxy served other bytes than distribution for the blob")
        fetched = upstream_fetches(proxy)
        res = {}
        for r in range(runs):
            pairs = [("npm", proxy, upstream, tar_path), ("oci", proxy, bench.dist, blob_path)]
            for kind, p, u, path in pairs:
                for who, srv in ((("proxy", p), ("upstream", u)) if r % 2 == 0 else (("upstream", u), ("proxy", p))):
                    B.log(f"13: cached {kind} GET on {srv.label} (run {r + 1}/{runs})")
                    loads.note(kind)
                    res.setdefault((kind, who), []).append(B.wrk_checked(srv, path))
            bench.check_alive()
            if not proxy.proc.alive() or not upstream.proc.alive():
                raise RuntimeError("a nora of the proxy chain died")
        if upstream_fetches(proxy) != fetched:
            B.SKIPPED.append("13 proxy: the proxy went upstream during the cached-object runs "
                             f"({fetched:g} → {upstream_fetches(proxy):g} upstream requests)")
        B.log(f"13: upstream requests by the proxy before/after the cached runs: {fetched:g} / "
              f"{upstream_fetches(proxy):g}")
        for kind, what, peer in (("npm", f"cached npm tarball ({len(direct):,} B)", "upstream nora"),
                                 ("oci", f"cached OCI blob ({len(blob) // 1024:,} KiB)", "distribution")):
            n, u = res[(kind, "proxy")], res[(kind, "upstream")]
            note = loads.text(kind)
            B.add_row("13 proxy", f"{what} through nora's proxy vs {peer} direct, requests/s", "req/s", "higher",
                      B.median([x["rps"] for x in n]), peer, B.median([x["rps"] for x in u]), None, note)
            B.add_row("13 proxy", f"{what}, p50", "ms", "lower", B.median([x["p50"] for x in n]), peer,
                      B.median([x["p50"] for x in u]), None, note)
            B.add_row("13 proxy", f"{what}, p99", "ms", "lower", B.median([x["p99"] for x in n]), peer,
                      B.median([x["p99"] for x in u]), None, note)
        stop_server(proxy)
        proxy = None
        stop_server(upstream)
        upstream = None
        cold_layer(bench, runs, loads)
    finally:
        stop_server(proxy)
        stop_server(upstream)


def cold_layer(bench, runs, loads):
    size = B.SIZES["proxy_layer_mib"] * B.MiB
    layer = B.GenSource(size, seed="proxy-layer")
    B.log(f"13: hashing the {size // B.MiB} MiB layer (generated, never on disk here)")
    _ = layer.digest
    h = bench.dist.http()
    B.log("13: pushing it to distribution (the upstream)")
    push_image(h, BIG_REPO, "v1", layer)
    h.close()
    path = f"/v2/{BIG_REPO}/blobs/{layer.digest}"
    rate, ttfb, peak, direct_rate, direct_ttfb, before = [], [], [], [], [], []
    for r in range(runs):
        proxy = start_proc_server(NoraWith(bench.work, f"nora-coldproxy{r}",
                                           proxy_env(docker_upstream=f"http://127.0.0.1:{bench.dist.port}")))
        try:
            get_ok(proxy, f"/v2/{BIG_REPO}/manifests/v1", {"Accept": B.OCI_MANIFEST})
            before.append(proxy.proc.rss_mib())
            loads.note("cold")
            B.log(f"13: cold 1 GiB layer through a fresh proxy (run {r + 1}/{runs})")
            with B.RssWatch(proxy.proc) as w:
                st, n, first, total = timed_download(proxy.port, path)
            if st != 200 or n != size:
                raise RuntimeError(f"cold pull through the proxy: HTTP {st}, {n} of {size} bytes")
            rate.append(size / B.MiB / total)
            ttfb.append(first * 1000)
            peak.append(w.peak)
            B.log(f"13: {rate[-1]:.0f} MiB/s, first byte after {ttfb[-1]:.0f} ms, peak RSS {w.peak:.0f} MiB")
            if r == 0:  # once, untimed: the cached copy is the upstream's bytes
                st, n, got = sha256_download(proxy.port, path)
                if got != layer.digest:
                    raise RuntimeError(f"the proxy cached other bytes for the layer (HTTP {st}, {n} bytes)")
            B.log(f"13: the same layer from distribution directly (run {r + 1}/{runs})")
            st, n, first, total = timed_download(bench.dist.port, path)
            if st != 200 or n != size:
                raise RuntimeError(f"pull from distribution: HTTP {st}, {n} bytes")
            direct_rate.append(size / B.MiB / total)
            direct_ttfb.append(first * 1000)
        finally:
            stop_server(proxy)
    mib = size // B.MiB
    note = loads.text("cold")
    B.add_row("13 proxy", f"cold proxied {mib:,} MiB layer, nora proxy ← distribution vs distribution direct",
              "MiB/s", "higher", B.median(rate), "distribution", B.median(direct_rate), None, note)
    B.add_row("13 proxy", f"cold proxied {mib:,} MiB layer, time to first byte", "ms", "lower", B.median(ttfb),
              "distribution", B.median(direct_ttfb), None,
              f"the whole transfer took {mib / B.median(rate) * 1000:,.0f} ms (median): the first byte reaches the "
              "client long before the upstream transfer ends")
    B.add_row("13 proxy", f"cold proxied {mib:,} MiB layer, nora peak RSS", "MiB", "lower", max(peak), None, None,
              ("max", 150), f"largest of {len(peak)} runs (each a fresh proxy); RSS before the pull "
              f"{B.fmt(B.median(before))} MiB; peaks {', '.join(B.fmt(p) for p in peak)}")
