"""Workload 15 (issue 15, web UI): pages at 10,000 packages.

The database is filled through nora's own publish API: 10,000 npm packages published as
`npm publish` does (PUT with the tarball attached), from 16 client threads at once, plus one
package with 50 versions for the package page. Then `wrk --latency` (req/s, p99) and 50
sequential GETs on one connection (p50: what one page view costs) on the dashboard, that
package's page, a browse page in the middle of the list sorted by update, and a search;
on SQLite and on PostgreSQL (BENCH_UI_POSTGRES=0 skips it).
"""

import os
import time

import bench as B
from workload_support import Loads, NoraWith, parallel, start_proc_server, stop_server
from workloads_replicas import Postgres

SIZES = {
    "ui_packages": B._env_int("BENCH_UI_PACKAGES", 10000, 10000),
    "ui_versions": B._env_int("BENCH_UI_VERSIONS", 50, 50),
    "ui_fill_clients": B._env_int("BENCH_UI_FILL_CLIENTS", 16, 16),
    "ui_samples": B._env_int("BENCH_UI_SAMPLES", 50, 100),
}
B.SIZES.update(SIZES)
WITH_POSTGRES = os.environ.get("BENCH_UI_POSTGRES", "1") != "0"
PAGE = "bench-ui-page"


def pages():
    n = B.SIZES["ui_packages"]
    return [("dashboard", "/ui/"),
            (f"package page ({B.SIZES['ui_versions']} versions)", f"/ui/npm/{PAGE}"),
            ("browse npm, sorted by update, middle of the list", f"/ui/npm?sort=updated&offset={n // 2}"),
            ("search across formats", "/ui/search?q=ui-0777"),
            ("search matching every package", "/ui/search?q=bench-ui"),
            ("search, two characters (name prefix)", "/ui/search?q=be")]


def fill(srv):
    """Publishes the packages; returns publishes per second."""
    n, clients = B.SIZES["ui_packages"], B.SIZES["ui_fill_clients"]
    conns = {}

    def one(i, c):
        h = conns.setdefault(c, srv.http())
        name = f"bench-ui-{i:05d}"
        st, _, body = h.req("PUT", f"/npm/{name}", body=B.npm_publish_body(srv.port, name, "1.0.0"),
                            headers={"Content-Type": "application/json", "npm-command": "publish"})
        if st not in (200, 201):
            raise RuntimeError(f"publish {name}: HTTP {st} {body[:120]!r}")

    B.log(f"15: filling {srv.label} with {n:,} npm packages ({clients} clients)")
    try:
        done, secs, errors = parallel(clients, range(n), one)
    finally:
        for h in conns.values():
            h.close()
    if errors or done != n:
        raise RuntimeError(f"fill: {done} of {n} published; {errors[:2]}")
    h = srv.http()
    done, why = B.npm_publish_many(h, srv.port, PAGE, 0, B.SIZES["ui_versions"])
    h.close()
    if why:
        raise RuntimeError(f"package page: {why}")
    B.log(f"15: {n / secs:.0f} publishes/s")
    return n / secs


def one_connection_p50(srv, path):
    h = srv.http()
    lat = []
    try:
        for _ in range(B.SIZES["ui_samples"]):
            t = time.perf_counter()
            st, _, body = h.req("GET", path)
            lat.append((time.perf_counter() - t) * 1000)
            if st != 200:
                raise RuntimeError(f"GET {path}: HTTP {st}")
    finally:
        h.close()
    return B.median(lat), len(body)


def check_page(srv, path, what):
    h = srv.http()
    st, _, body = h.req("GET", path)
    h.close()
    if st != 200:
        raise RuntimeError(f"GET {path}: HTTP {st} {body[:160]!r}")
    total = B.SIZES["ui_packages"] + 1
    if what.startswith("dashboard") and f"{total:,}".encode() not in body and str(total).encode() not in body:
        B.SKIPPED.append(f"15 UI: the dashboard does not show the package count ({B.SIZES['ui_packages'] + 1})")
    if what.startswith("package") and f"1.0.{B.SIZES['ui_versions'] - 1}".encode() not in body:
        raise RuntimeError(f"{path} lacks the newest version")


def measure(srv, db, loads, res):
    for what, path in pages():
        check_page(srv, path, what)
    for r in range(B.SIZES["runs"]):
        for what, path in pages():
            B.log(f"15: {what} on {db} (run {r + 1}/{B.SIZES['runs']})")
            loads.note(db)
            w = B.wrk_checked(srv, path)
            p50, size = one_connection_p50(srv, path)
            res.setdefault((db, what), []).append(dict(w, one=p50, size=size))
        if not srv.proc.alive():
            raise RuntimeError(f"{srv.label} died:\n{srv.proc.log_tail()}")


def w15_ui(bench):
    loads = Loads()
    res, fill_rate = {}, {}
    srv = pg = None
    try:
        srv = start_proc_server(NoraWith(bench.work, "nora-ui-sqlite"))
        fill_rate["SQLite"] = fill(srv)
        db_bytes = sum(os.path.getsize(os.path.join(srv.dir, "storage", f)) for f in os.listdir(os.path.join(srv.dir, "storage"))
                       if f.startswith("metadata.sqlite"))
        measure(srv, "SQLite", loads, res)
        stop_server(srv)
        srv = None
        if WITH_POSTGRES:
            pg = Postgres(bench.work)
            srv = start_proc_server(NoraWith(bench.work, "nora-ui-postgres", {"NORA_DATABASE_URL": pg.fresh_database()}))
            fill_rate["PostgreSQL"] = fill(srv)
            measure(srv, "PostgreSQL", loads, res)
    finally:
        stop_server(srv)
        if pg:
            pg.stop()
    n = B.SIZES["ui_packages"]
    B.add_row("15 UI", f"SQLite database after the fill ({n:,} packages + {B.SIZES['ui_versions']} versions), with WAL",
              "MiB", "lower", db_bytes / 2**20, note="the catalog and its search grams are part of it")
    for db in fill_rate:
        note = (f"{db}; filled through the npm publish API from {B.SIZES['ui_fill_clients']} clients at "
                f"{fill_rate[db]:,.0f} packages/s; {loads.text(db)}")
        for what, _ in pages():
            x = res[(db, what)]
            kib = B.median([v["size"] for v in x]) / 1024
            label = f"{what}, {n:,} packages, {db}"
            B.add_row("15 UI", f"{label}, requests/s", "req/s", "higher", B.median([v["rps"] for v in x]), note=note)
            B.add_row("15 UI", f"{label}, p99 at 64 connections", "ms", "lower", B.median([v["p99"] for v in x]),
                      note=note)
            B.add_row("15 UI", f"{label}, p50 on 1 connection ({kib:,.0f} KiB page)", "ms", "lower",
                      B.median([v["one"] for v in x]), None, None, ("max", 20), note)
