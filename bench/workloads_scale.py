"""Workload 14 (issue 14, scale out): blobs on S3 vs local files, a 5 GiB blob through S3 with
nora's RSS watched, and publish throughput of 1 vs 2 replicas (bench/workloads_replicas.py).

The S3 server is moto's (`moto[server]` from PyPI, started as tests/e2e/s3_support.py does,
signatures checked). moto is slow itself and keeps objects in Python, so it is measured
directly too (boto3, the same part size, one connection): nora on S3 cannot be faster than
its store. BENCH_SCALE_PARTS picks parts: `s3,huge,replicas` (all by default).
"""

import hashlib
import os
import sys
import tempfile
import time

import bench as B
import workloads_replicas
from workload_support import (Loads, MemoryGuard, NoraWith, remember_pid, start_proc_server, stop_server,
                              timed_download)

SIZES = {
    "s3_big_mib": B._env_int("BENCH_S3_BIG_MB", 256, 256),
    "s3_small_blobs": B._env_int("BENCH_S3_SMALL_BLOBS", 50, 100),
    "s3_huge_mib": B._env_int("BENCH_S3_HUGE_MB", 5120, 5120),
    # moto needs ~4× an object in memory (multipart completion, copy, GET): 1 GiB there
    "s3_huge_moto_mib": B._env_int("BENCH_S3_HUGE_MOTO_MB", 1024, 1024),
    # moto holds a whole object twice in memory while completing a multipart upload: stop it
    # before the shared machine runs short
    "s3_memory_floor_mib": B._env_int("BENCH_S3_MEMORY_FLOOR_MB", 2048, 2048),
}
B.SIZES.update(SIZES)
PARTS = set((os.environ.get("BENCH_SCALE_PARTS") or "s3,huge,replicas").split(","))
PART = 8 * B.MiB  # nora's multipart part size on S3 (README)


class Moto:
    """moto's S3 server in a folder of its own, with a nora-usable access key."""

    def __init__(self, work):
        import s3_support
        self.mod = s3_support
        self.dir = tempfile.mkdtemp(prefix="moto-", dir=work)
        self.env = s3_support.start(self.dir)
        with open(os.path.join(self.dir, "moto.pid")) as f:
            self.pid = int(f.read())
        remember_pid(self.pid)
        B.note_command(f"moto: {os.path.join(os.path.dirname(os.path.abspath(sys.executable)), 'moto_server')} "
                       f"-H 127.0.0.1 -p {self.env['NORA_TEST_S3_URL'].rsplit(':', 1)[1]} "
                       "(INITIAL_NO_AUTH_ACTION_COUNT=4: an IAM user and key are made, then every request is "
                       "signature-checked; tests/e2e/s3_support.py)")
        B.log(f"moto on {self.env['NORA_TEST_S3_URL']} (pid {self.pid})")

    def bucket(self, name):
        self.mod.create_bucket(self.env, name)
        return self.mod.nora_env(self.env, name)

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.env["NORA_TEST_S3_URL"], region_name="us-east-1",
                            aws_access_key_id=self.env["NORA_TEST_S3_ACCESS_KEY"],
                            aws_secret_access_key=self.env["NORA_TEST_S3_SECRET_KEY"])

    def rss_mib(self):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            return None

    def stop(self):
        self.mod.stop(self.dir)


class DiskS3(B.Server):
    """bench/s3_disk.py: objects as files, bodies streamed (for the 5 GiB row; see its docstring)."""
    name = "s3_disk"
    ready_path = "/"

    def argv_env(self):
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "s3_disk.py")
        return [sys.executable, script, str(self.port), os.path.join(self.dir, "data")], dict(os.environ), self.dir

    def bucket(self, name):
        h = self.http()
        st, _, body = h.req("PUT", f"/{name}")
        h.close()
        if st != 200:
            raise RuntimeError(f"s3_disk: create bucket: HTTP {st} {body[:120]!r}")
        return {"NORA_STORAGE_MODE": "s3", "NORA_STORAGE_S3_URL": f"http://127.0.0.1:{self.port}",
                "NORA_STORAGE_BUCKET": name, "NORA_STORAGE_S3_ACCESS_KEY": "bench",
                "NORA_STORAGE_S3_SECRET_KEY": "bench-secret"}

    def rss_mib(self):
        return self.proc.rss_mib() if self.proc else None


class SourceReader:
    """A read()-able view of a bench source, for boto3 (nothing on disk)."""

    def __init__(self, src):
        self.it = src.chunks()
        self.pending = b""

    def read(self, n=-1):
        out = bytearray(self.pending)
        while n < 0 or len(out) < n:
            try:
                out += next(self.it)
            except StopIteration:
                break
        if n >= 0:
            out, self.pending = out[:n], bytes(out[n:])
        else:
            self.pending = b""
        return bytes(out)


def moto_direct(moto, bucket, big, small):
    """boto3 straight to moto: the big object as sequential 8 MiB parts, the small ones as PUTs; GETs streamed."""
    from boto3.s3.transfer import TransferConfig
    s3 = moto.client()
    cfg = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, use_threads=False)
    out = {}
    t = time.perf_counter()
    s3.upload_fileobj(SourceReader(big), bucket, "direct/big", Config=cfg)
    out["big push"] = big.size / B.MiB / (time.perf_counter() - t)
    t = time.perf_counter()
    for i, s in enumerate(small):
        s3.put_object(Bucket=bucket, Key=f"direct/small{i}", Body=b"".join(bytes(c) for c in s.chunks()))
    out["small push"] = sum(s.size for s in small) / B.MiB / (time.perf_counter() - t)
    t = time.perf_counter()
    n = _drain(s3.get_object(Bucket=bucket, Key="direct/big")["Body"])
    out["big pull"] = n / B.MiB / (time.perf_counter() - t) if n == big.size else None
    t = time.perf_counter()
    n = sum(_drain(s3.get_object(Bucket=bucket, Key=f"direct/small{i}")["Body"]) for i in range(len(small)))
    out["small pull"] = n / B.MiB / (time.perf_counter() - t)
    return out


def _drain(body):
    n = 0
    while True:
        chunk = body.read(B.MiB)
        if not chunk:
            return n
        n += len(chunk)


def nora_blobs(srv, r, big, small):
    h = srv.http()
    out = {}
    try:
        t = time.perf_counter()
        B.oci_push_monolithic(h, f"bench/s3big{r}", big)
        out["big push"] = big.size / B.MiB / (time.perf_counter() - t)
        t = time.perf_counter()
        for s in small:
            B.oci_push_monolithic(h, f"bench/s3small{r}", s)
        out["small push"] = sum(s.size for s in small) / B.MiB / (time.perf_counter() - t)
        t = time.perf_counter()
        st, n = h.download(f"/v2/bench/s3big{r}/blobs/{big.digest}")
        out["big pull"] = big.size / B.MiB / (time.perf_counter() - t) if (st, n) == (200, big.size) else None
        t = time.perf_counter()
        ok = all(h.download(f"/v2/bench/s3small{r}/blobs/{s.digest}") == (200, s.size) for s in small)
        out["small pull"] = sum(s.size for s in small) / B.MiB / (time.perf_counter() - t) if ok else None
    finally:
        h.close()
    return out


def s3_vs_local(bench, loads):
    runs = B.SIZES["runs"]
    moto = Moto(bench.work)
    s3 = local = None
    try:
        s3 = start_proc_server(NoraWith(bench.work, "nora-s3", moto.bucket("bench-s3")))
        local = start_proc_server(NoraWith(bench.work, "nora-local"))
        moto.bucket("bench-direct")
        res = {}
        nsmall = B.SIZES["s3_small_blobs"]
        for r in range(runs):
            big = B.GenSource(B.SIZES["s3_big_mib"] * B.MiB, seed=f"s3big{r}")
            small = [B.GenSource(B.MiB, seed=f"s3small{r}-{i}") for i in range(nsmall)]
            for s in [big, *small]:
                _ = s.digest
            order = [("nora-s3", s3), ("nora-local", local), ("moto", None)]
            for who, srv in (order if r % 2 == 0 else order[::-1]):
                B.log(f"14: blobs on {who} (run {r + 1}/{runs})")
                loads.note("s3")
                got = moto_direct(moto, "bench-direct", big, small) if srv is None else nora_blobs(srv, r, big, small)
                for k, v in got.items():
                    res.setdefault((who, k), []).append(v)
                B.log(f"14: {who}: " + ", ".join(f"{k} {v:.0f} MiB/s" for k, v in got.items() if v))
            bench.check_alive()
        note = loads.text("s3")
        for k in ("big push", "big pull", "small push", "small pull"):
            size = f"{B.SIZES['s3_big_mib']} MiB" if k.startswith("big") else f"{nsmall} × 1 MiB"
            what = f"OCI {k.split()[1]} {size}"
            n3 = B.median(res[("nora-s3", k)])
            B.add_row("14 S3", f"{what}, nora on S3 (moto) vs nora on local files", "MiB/s", "higher", n3,
                      "nora, local files", B.median(res[("nora-local", k)]), None, note)
            B.add_row("14 S3", f"{what}, nora on S3 (moto) vs boto3 → moto direct", "MiB/s", "higher", n3,
                      "moto direct (boto3)", B.median(res[("moto", k)]), None,
                      "boto3 straight to moto, 1 connection: 8 MiB parts one after the other for the big "
                      "object (as nora), one PUT per small object; GETs streamed; " + note)
    finally:
        stop_server(s3)
        stop_server(local)
        moto.stop()


def push_pull_huge(srv, src, guard):
    """Pushes src monolithically and pulls it back (sha256 checked), nora's RSS watched both ways."""
    size = src.size
    try:
        B.log(f"14: pushing {size // B.MiB:,} MiB to {srv.label}, watching nora's RSS")
        h = srv.http()
        with B.RssWatch(srv.proc) as up:
            t = time.perf_counter()
            B.oci_push_monolithic(h, "bench/huge", src)
            up_rate = size / B.MiB / (time.perf_counter() - t)
        h.close()
        B.log(f"14: push {up_rate:.0f} MiB/s, nora peak RSS {up.peak:.0f} MiB; pulling it back (sha256 checked)")
        hasher = hashlib.sha256()
        with B.RssWatch(srv.proc) as down:
            st, n, _, total = timed_download(srv.port, f"/v2/bench/huge/blobs/{src.digest}", hasher=hasher)
        if st != 200 or n != size or "sha256:" + hasher.hexdigest() != src.digest:
            raise RuntimeError(f"pull of the huge blob: HTTP {st}, {n} of {size} bytes"
                               + (", wrong digest" if n == size else ""))
        B.log(f"14: pull {size / B.MiB / total:.0f} MiB/s, nora peak RSS {down.peak:.0f} MiB")
        return up, down, up_rate, size / B.MiB / total
    except Exception as e:
        if guard.tripped:
            raise RuntimeError(f"stopped: the machine ran short of memory, moto was stopped ({e})") from e
        raise


def huge_through_s3(bench, loads):
    """The big blob through the streaming disk store (the issue's 5 GiB), and a smaller one
    through moto (a real S3 implementation with signature checks, as far as its memory allows)."""
    huge_through(bench, loads, "s3_disk", B.SIZES["s3_huge_mib"])
    if B.SIZES["s3_huge_moto_mib"] > 0:
        huge_through(bench, loads, "moto", B.SIZES["s3_huge_moto_mib"])


def huge_through(bench, loads, kind, mib):
    size = mib * B.MiB
    src = B.GenSource(size, seed=f"s3huge-{kind}")
    B.log(f"14: hashing the {mib:,} MiB blob (generated on the fly, never on disk here)")
    _ = src.digest
    store = Moto(bench.work) if kind == "moto" else start_proc_server(DiskS3(bench.work))
    srv = None
    try:
        srv = start_proc_server(NoraWith(bench.work, f"nora-s3-huge-{kind}", store.bucket("bench-huge")))
        before = srv.proc.rss_mib()
        loads.note(kind)
        with MemoryGuard(B.SIZES["s3_memory_floor_mib"], store.stop, kind, store.rss_mib) as guard:
            up, down, up_rate, down_rate = push_pull_huge(srv, src, guard)
        where = "moto" if kind == "moto" else "bench/s3_disk.py"
        note = (f"S3 server: {where}; {loads.text(kind)}; nora RSS before the push {B.fmt(before)} MiB; "
                f"the S3 server's peak RSS {B.fmt(guard.peak_rss)} MiB; lowest memory available on the machine "
                f"{B.fmt(guard.lowest)} MiB")
        B.add_row("14 S3", f"{mib:,} MiB blob pushed through nora to S3 ({where}), nora peak RSS", "MiB", "lower",
                  up.peak, None, None, ("max", 150), note)
        B.add_row("14 S3", f"{mib:,} MiB blob pulled back through nora (sha256 checked), nora peak RSS", "MiB",
                  "lower", down.peak, None, None, ("max", 150), note)
        B.add_row("14 S3", f"{mib:,} MiB blob push through nora to S3 ({where})", "MiB/s", "higher", up_rate,
                  note=note)
        B.add_row("14 S3", f"{mib:,} MiB blob pull through nora from S3 ({where})", "MiB/s", "higher", down_rate,
                  note=note)
    finally:
        stop_server(srv)
        store.stop()


def w14_scale(bench):
    loads = Loads()
    failures = []
    for part, fn in (("s3", s3_vs_local), ("huge", huge_through_s3), ("replicas", workloads_replicas.replicas)):
        if part not in PARTS:
            continue
        try:
            fn(bench, loads)
        except Exception as e:  # noqa: BLE001 - the other parts still run; reported below
            B.log(f"14 {part} failed: {e}")
            failures.append(f"14 {part}: {str(e)[:300]}")
    if failures:
        raise RuntimeError("; ".join(failures))
