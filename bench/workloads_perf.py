"""Workload 17 (issue 17): what a download costs, and what memory it holds.

Imported by bench.py, which passes itself in (`b`): the servers, `add_row`, `RssWatch`, … are
its own. Figures that do not depend on how busy the machine is come first:

- CPU-seconds per GiB served during `wrk -t2 -c64` pulls of the 100 MiB blob, from each
  server's utime+stime (all processes of its group: nginx's workers too) over the run,
  divided by the bytes wrk received — nora (sendfile), nora with `NORA_SENDFILE=false`
  (the buffered path S3 uses), distribution, nginx; and each one's throughput.
- 1 MiB GETs per second on 4 connections (raw file and blob) against nginx.
- Peak RSS during 64 fast wrk readers of a 100 MiB raw file and of the blob, with and
  without `stress-ng --cpu <cores>` beside them (the event loop starved), for both nora paths.
- Peak RSS with 256 slow readers (small receive buffers, a few KiB read per 100 ms each).
- Start-up to the first 200 and idle RSS with 100,000 raw files in the database.

Sizes: BENCH_PERF_SECONDS (wrk -d, 5 / 10), BENCH_SLOW_READERS (256), BENCH_STARTUP_PACKAGES
(100000).
"""

import os
import re
import shlex
import socket
import sqlite3
import selectors
import shutil
import subprocess
import time

MiB = 1 << 20
GiB = 1 << 30
CLK_TCK = os.sysconf("SC_CLK_TCK")
WRK_READ = re.compile(r"(\d+) requests in ([\d.]+)(s|ms|m), ([\d.]+)(B|KB|MB|GB|TB) read")
UNITS = {"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}


def group_cpu_seconds(pgid):
    """utime+stime of every live process in process group `pgid` (threads included)."""
    total = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after "pid (comm)": state ppid pgrp … utime(12th) stime(13th)
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


def wrk_bytes(b, url, seconds, connections=64):
    """Runs wrk; returns (bytes read, seconds). Non-2xx answers fail the row."""
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    b.note_command(shlex.join(argv))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 120).stdout
    m = WRK_READ.search(out)
    if not m:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    if re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        raise RuntimeError(f"wrk on {url}: non-2xx answers\n{out}")
    dur = float(m.group(2)) * {"s": 1, "ms": 0.001, "m": 60}[m.group(3)]
    return float(m.group(4)) * UNITS[m.group(5)], dur


class CpuHog:
    """`stress-ng --cpu N` in its own process group, stopped (only that group) on exit."""

    def __init__(self, b, work):
        self.b, self.work = b, work

    def __enter__(self):
        n = os.cpu_count() or 2
        argv = ["stress-ng", "--cpu", str(n), "--timeout", "600s", "--quiet"]
        self.b.note_command(shlex.join(argv))
        self.proc = self.b.Proc("stress-ng", argv, dict(os.environ), self.work, os.path.join(self.work, "stress.log"))
        self.b.ALL_PROCS.append(self.proc)
        time.sleep(1.0)
        return self

    def __exit__(self, *exc):
        self.proc.stop()
        self.b.ALL_PROCS.remove(self.proc)
        return False


def slow_readers(port, path, n, seconds):
    """n connections GET path and read 4 KiB per 100 ms each (4 KiB receive buffers)."""
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ)
    got = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        for key, _ in sel.select(timeout=0):
            try:
                got += len(key.fileobj.recv(4096))
            except BlockingIOError:
                pass
    for s in socks:
        s.close()
    return got


def put_raw(b, srv, path, source):
    h = srv.http()
    st, _, body = h.send_stream("PUT", path, source.chunks(), source.size)
    h.close()
    if st not in (200, 201, 204):
        raise RuntimeError(f"PUT {path} on {srv.label}: HTTP {st} {body[:200]!r}")


def seed_raw_files(db_path, n):
    """n raw file rows pointing at one stored blob: a database as big as a busy registry's."""
    con = sqlite3.connect(db_path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(raw_files)")]
    row = con.execute(f"SELECT {', '.join(cols)} FROM raw_files LIMIT 1").fetchone()
    if row is None:
        raise RuntimeError("no raw_files row to copy")
    i = cols.index("path")
    rows = []
    for k in range(n):
        copy = list(row)
        copy[i] = f"seed/{k // 1000:03d}/file-{k:06d}.bin"
        rows.append(copy)
    con.executemany(f"INSERT INTO raw_files ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", rows)
    con.commit()
    con.close()


def w17(bench, b):
    """bench: the running Bench; b: the bench module."""
    seconds = b._env_int("BENCH_PERF_SECONDS", 5, 10)
    slow_n = b._env_int("BENCH_SLOW_READERS", 256, 256)
    packages = b._env_int("BENCH_STARTUP_PACKAGES", 100000, 100000)
    pull = bench.sources["pull"]
    class BufferedNora(b.Nora):
        def argv_env(self):
            argv, env, cwd = super().argv_env()
            env["NORA_SENDFILE"] = "false"
            return argv, env, cwd

    buffered = BufferedNora(bench.work, label="nora-buffered").start()
    noras = {"nora": bench.nora, "nora, NORA_SENDFILE=false": buffered}
    for srv in noras.values():
        h = srv.http()
        b.oci_push_monolithic(h, "bench/pull", pull)
        h.close()
        put_raw(b, srv, "/raw/bench/100mb.bin", pull)
    h = bench.dist.http()
    b.oci_push_monolithic(h, "bench/pull", pull)
    h.close()
    blob = f"/v2/bench/pull/blobs/{pull.digest}"

    # CPU per GiB and throughput, 64 connections
    cpu, rate = {}, {}
    targets = [(name, srv, blob) for name, srv in noras.items()]
    targets += [("distribution", bench.dist, blob), ("nginx", bench.nginx, "/blobs/pull.bin")]
    for r in range(b.SIZES["runs"]):
        for name, srv, path in targets:
            b.log(f"17: wrk -c64 pulls of {pull.size // MiB} MiB from {name} (run {r + 1}): CPU per GiB")
            before = group_cpu_seconds(srv.proc.pid)
            got, dur = wrk_bytes(b, srv.url(path), seconds)
            spent = group_cpu_seconds(srv.proc.pid) - before
            cpu.setdefault(name, []).append(spent / (got / GiB))
            rate.setdefault(name, []).append(got / MiB / dur)
        bench.check_alive()
    med = {k: b.median(v) for k, v in cpu.items()}
    for name in noras:
        b.add_row("17 CPU per byte", f"{name}: CPU-seconds per GiB served, 64 wrk pulls of 100 MiB", "s/GiB", "lower",
                  med[name], "nginx", med["nginx"], ("ratio", 1.5))
        b.add_row("17 CPU per byte", f"{name}: CPU-seconds per GiB served, 64 wrk pulls of 100 MiB", "s/GiB", "lower",
                  med[name], "distribution", med["distribution"], ("ratio", 0.75))
    for peer, k in (("nginx", 0.95), ("distribution", 1.0)):
        b.add_row("17 CPU per byte", "nora: 64 wrk pulls of 100 MiB, aggregate", "MiB/s", "higher",
                  b.median(rate["nora"]), peer, b.median(rate[peer]), ("ratio", k))
    b.add_row("17 CPU per byte", "nora, NORA_SENDFILE=false: 64 wrk pulls of 100 MiB, aggregate", "MiB/s", "higher",
              b.median(rate["nora, NORA_SENDFILE=false"]), "nginx", b.median(rate["nginx"]))

    # 1 MiB GETs on 4 connections (raw file and blob) against nginx's static file
    raw = bench.sources["raw"]
    put_raw(b, bench.nora, "/raw/bench/1mb.bin", raw)
    h = bench.nora.http()
    b.oci_push_monolithic(h, "bench/small", raw)
    h.close()
    small = {}
    for r in range(b.SIZES["runs"]):
        for name, srv, path in (("raw", bench.nora, "/raw/bench/1mb.bin"),
                                ("blob", bench.nora, f"/v2/bench/small/blobs/{raw.digest}"),
                                ("nginx", bench.nginx, "/raw/1mb.bin")):
            b.log(f"17: 1 MiB GETs on 4 connections, {name} (run {r + 1})")
            got, dur = wrk_bytes(b, srv.url(path), seconds, connections=4)
            small.setdefault(name, []).append(got / raw.size / dur)
    for name in ("raw", "blob"):
        b.add_row("17 CPU per byte", f"nora: 1 MiB {name} GETs, 4 connections", "req/s", "higher",
                  b.median(small[name]), "nginx", b.median(small["nginx"]), ("ratio", 0.8))

    # peak RSS under 64 fast readers, quiet and with the CPU contended
    for contended in (False, True):
        for name, srv in noras.items():
            for what, path in (("raw", "/raw/bench/100mb.bin"), ("blob", blob)):
                label = f"{name}: peak RSS, 64 wrk readers of a 100 MiB {what} file" + (
                    ", stress-ng on every core" if contended else "")
                b.log(f"17: {label}")
                peaks = []
                for _ in range(1 if contended else b.SIZES["runs"]):
                    if contended:
                        with CpuHog(b, bench.work), b.RssWatch(srv.proc) as w:
                            wrk_bytes(b, srv.url(path), seconds)
                    else:
                        with b.RssWatch(srv.proc) as w:
                            wrk_bytes(b, srv.url(path), seconds)
                    peaks.append(w.peak)
                b.add_row("17 memory", label, "MiB", "lower", max(peaks), target=("max", 100))
                bench.check_alive()

    # slow readers
    for name, srv in noras.items():
        b.log(f"17: {slow_n} slow readers on {name}")
        with b.RssWatch(srv.proc) as w:
            slow_readers(srv.port, "/raw/bench/100mb.bin", slow_n, seconds * 2)
        b.add_row("17 memory", f"{name}: peak RSS, {slow_n} slow readers of a 100 MiB raw file", "MiB", "lower",
                  w.peak, target=("max", 100))
    buffered.stop()

    # start-up and idle memory with a big database
    seeded = b.Nora(bench.work, label="nora-seeded").start()
    put_raw(b, seeded, "/raw/seed/first.bin", b.GenSource(1024, seed="seed"))
    seeded.stop()
    db = os.path.join(seeded.dir, "storage", "metadata.sqlite")
    b.log(f"17: seeding {packages:,} raw files into {db}")
    seed_raw_files(db, packages)
    times, cpu_ms, idle, anon = [], [], [], []
    for _ in range(b.SIZES["startup_runs"]):
        seeded.start(note=False)
        times.append(seeded.startup_s * 1000)
        cpu_ms.append(group_cpu_seconds(seeded.proc.pid) * 1000)
        time.sleep(1.0)
        idle.append(seeded.proc.rss_mib())
        anon.append(seeded.proc.anon_mib())
        seeded.stop()
    shutil.rmtree(seeded.dir, ignore_errors=True)
    b.add_row("17 start-up", f"spawn to first 200 with {packages:,} raw files in the database", "ms", "lower",
              b.median(times), target=("max", 50))
    b.add_row("17 start-up", f"CPU time to the first 200 (user+system, 10 ms ticks), {packages:,} raw files", "ms",
              "lower", b.median(cpu_ms), note="the wall time above includes waiting for a busy machine's CPUs")
    b.add_row("17 start-up", f"idle RSS after start-up, {packages:,} raw files", "MiB", "lower", b.median(idle),
              target=("max", 30))
    b.add_row("17 start-up", f"idle private memory (RssAnon), {packages:,} raw files", "MiB", "lower",
              b.median(anon))
