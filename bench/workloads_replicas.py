"""Workload 14, replicas part: publish throughput of one nora vs two replicas on one PostgreSQL
and one shared blob folder, N concurrent clients (requests alternate between the replicas),
with one nora on SQLite as the single-machine reference.

Two publish kinds: `npm publish` documents (one package per request, so no two requests
wait on one name's lock) and raw PUTs of 64 KiB files. The PostgreSQL server is a throwaway
one started as tests/e2e/postgres_support.py does (fsync off, as in the tests).
"""

import os
import tempfile

import bench as B
from workload_support import NoraWith, parallel, start_proc_server, stop_server

SIZES = {
    "replica_publishes": B._env_int("BENCH_REPLICA_PUBLISHES", 400, 2000),
    "replica_clients": B._env_int("BENCH_REPLICA_CLIENTS", 16, 16),
    "replica_raw_kib": B._env_int("BENCH_REPLICA_RAW_KB", 64, 64),
}
B.SIZES.update(SIZES)


class Postgres:
    def __init__(self, work):
        import postgres_support
        self.mod = postgres_support
        self.dir = tempfile.mkdtemp(prefix="postgres-", dir=work)
        os.chmod(work, 0o755)
        self.url = postgres_support.start(self.dir)
        B.note_command(f"PostgreSQL: tests/e2e/postgres_support.py start (initdb + pg_ctl, fsync=off, "
                       f"synchronous_commit=off) → {self.url}")
        B.log(f"PostgreSQL at {self.url}")
        self.count = 0

    def fresh_database(self):
        self.count += 1
        name = f"bench{self.count}"
        self.mod.psql(self.url, f"CREATE DATABASE {name}")
        return self.url.replace("/postgres?", f"/{name}?")

    def stop(self):
        self.mod.stop(self.dir)


def publish_npm(servers, run, n, clients):
    conns = {}

    def one(i, c):
        srv = servers[i % len(servers)]
        h = conns.setdefault((c, srv.port), srv.http())
        name = f"bench-rep{run}-{i}"
        st, _, body = h.req("PUT", f"/npm/{name}", body=B.npm_publish_body(srv.port, name, "1.0.0"),
                            headers={"Content-Type": "application/json", "npm-command": "publish"})
        if st not in (200, 201):
            raise RuntimeError(f"npm publish {name} on :{srv.port}: HTTP {st} {body[:120]!r}")

    try:
        return parallel(clients, range(n), one)
    finally:
        for h in conns.values():
            h.close()


def publish_raw(servers, run, n, clients, data):
    conns = {}

    def one(i, c):
        srv = servers[i % len(servers)]
        h = conns.setdefault((c, srv.port), srv.http())
        st, _, body = h.req("PUT", f"/raw/rep{run}/c{c}/f{i}.bin", body=data)
        if st not in (200, 201):
            raise RuntimeError(f"raw PUT on :{srv.port}: HTTP {st} {body[:120]!r}")

    try:
        return parallel(clients, range(n), one)
    finally:
        for h in conns.values():
            h.close()


def setup(bench, pg, kind):
    """The servers of one configuration: ('sqlite', 1), ('postgres', 1) or ('postgres', 2)."""
    db, count = kind
    storage = tempfile.mkdtemp(prefix=f"shared-{db}{count}-", dir=bench.work)
    env = {} if db == "sqlite" else {"NORA_DATABASE_URL": pg.fresh_database()}
    servers = []
    for i in range(count):
        servers.append(start_proc_server(NoraWith(bench.work, f"nora-{db}{count}-r{i}", env,
                                                  storage=storage if count > 1 or db != "sqlite" else None)))
    return servers


def replicas(bench, loads):
    runs = B.SIZES["runs"]
    n, clients = B.SIZES["replica_publishes"], B.SIZES["replica_clients"]
    data = os.urandom(B.SIZES["replica_raw_kib"] * 1024)
    pg = Postgres(bench.work)
    configs = [("sqlite", 1), ("postgres", 1), ("postgres", 2)]
    label = {("sqlite", 1): "1 nora on SQLite", ("postgres", 1): "1 replica on PostgreSQL",
             ("postgres", 2): "2 replicas on PostgreSQL"}
    res = {}
    errors = []
    try:
        for cfg in configs:
            servers = setup(bench, pg, cfg)
            try:
                for r in range(runs):
                    for kind, fn in (("npm", lambda: publish_npm(servers, r, n, clients)),
                                     ("raw", lambda: publish_raw(servers, r, n, clients, data))):
                        B.log(f"14: {n} {kind} publishes, {clients} clients, {label[cfg]} (run {r + 1}/{runs})")
                        loads.note("replicas")
                        done, secs, errs = fn()
                        errors += errs[:3]
                        res.setdefault((cfg, kind), []).append(done / secs if not errs else None)
                        B.log(f"14: {done / secs:.0f}/s, {len(errs)} errors")
                    for s in servers:
                        if not s.proc.alive():
                            raise RuntimeError(f"{s.label} died:\n{s.proc.log_tail()}")
            finally:
                for s in servers:
                    stop_server(s)
    finally:
        pg.stop()
    note = loads.text("replicas")
    if errors:
        note += "; errors: " + " | ".join(errors[:3])
    for kind, what in (("npm", f"npm publishes/s ({n} packages, {clients} clients)"),
                       ("raw", f"raw PUTs/s ({n} × {B.SIZES['replica_raw_kib']} KiB, {clients} clients)")):
        two = B.median(res.get((("postgres", 2), kind), []))
        B.add_row("14 replicas", f"{what}, 2 replicas vs 1 replica (PostgreSQL, shared folder)", "1/s", "higher",
                  two, label[("postgres", 1)], B.median(res.get((("postgres", 1), kind), [])), None, note)
        B.add_row("14 replicas", f"{what}, 2 replicas on PostgreSQL vs 1 nora on SQLite", "1/s", "higher",
                  two, label[("sqlite", 1)], B.median(res.get((("sqlite", 1), kind), [])), None, note)
