#!/usr/bin/env python3
"""Side-by-side benchmark of nora against its peers on loopback (issue 9).

Started by bench/run.sh, which installs the peers and builds nora first. Stdlib only.

Peers: CNCF distribution (`docker-registry`), nginx (static files: the ceiling for
downloads), pypiserver (PyPI). Every server starts on 127.0.0.1 with fresh data in one
temp folder, which is removed at the end together with every process started here.

Sizes are the quick ones unless BENCH_FULL=1 (the issue's sizes); each can be set alone,
see SIZES below. BENCH_WORKLOADS=1,2,6 runs a subset. Figures are medians of BENCH_RUNS.
"""

import base64
import concurrent.futures
import datetime
import gzip
import hashlib
import http.client
import io
import json
import os
import platform
import random
import re
import shlex
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
import zipfile

import workloads_perf  # workload 17 (issue 17), in its own file

MiB = 1 << 20
FULL = os.environ.get("BENCH_FULL", "") == "1"


def _env_int(name, quick, full):
    value = os.environ.get(name)
    return int(value) if value else (full if FULL else quick)


def _env_list(name, quick, full):
    value = os.environ.get(name)
    if value:
        return [int(x) for x in value.split(",") if x.strip()]
    return full if FULL else quick


# name: (env var, quick, full)
SIZES = {
    "runs": _env_int("BENCH_RUNS", 3, 5),
    "wrk_seconds": _env_int("BENCH_WRK_SECONDS", 3, 10),
    "wrk_threads": _env_int("BENCH_WRK_THREADS", 2, 2),
    "wrk_connections": _env_int("BENCH_WRK_CONNECTIONS", 64, 64),
    "big_blob_mib": _env_int("BENCH_BIG_BLOB_MB", 256, 1024),
    "small_blobs": _env_int("BENCH_SMALL_BLOBS", 100, 100),
    "small_blob_kib": _env_int("BENCH_SMALL_BLOB_KB", 1024, 1024),
    "chunk_mib": _env_int("BENCH_CHUNK_MB", 8, 8),
    "rss_upload_mib": _env_int("BENCH_RSS_UPLOAD_MB", 1024, 5120),
    "pull_concurrency": _env_int("BENCH_PULL_CONCURRENCY", 16, 64),
    "pull_blob_mib": _env_int("BENCH_PULL_BLOB_MB", 100, 100),
    "pypi_files": _env_int("BENCH_PYPI_FILES", 200, 200),
    "npm_versions": _env_int("BENCH_NPM_VERSIONS", 500, 500),
    "growth": _env_list("BENCH_GROWTH", [10, 100, 1000], [10, 100, 1000, 10000]),
    "growth_samples": _env_int("BENCH_GROWTH_SAMPLES", 30, 100),
    "catalog_repos": _env_int("BENCH_CATALOG_REPOS", 2000, 100000),
    "catalog_page": _env_int("BENCH_CATALOG_PAGE", 100, 100),
    "catalog_walk_budget_s": _env_int("BENCH_CATALOG_WALK_BUDGET_S", 30, 300),
    "setup_budget_s": _env_int("BENCH_SETUP_BUDGET_S", 240, 3600),
    "startup_runs": _env_int("BENCH_STARTUP_RUNS", 5, 5),
    "pypiserver_workers": _env_int("BENCH_PYPISERVER_WORKERS", os.cpu_count() or 1, os.cpu_count() or 1),
}
WORKLOADS = os.environ.get("BENCH_WORKLOADS", "1,2,3,4,5,6,7,17")
WORKLOADS = {int(x) for x in WORKLOADS.split(",") if x.strip()}
ACCESS_LOG = os.environ.get("BENCH_ACCESS_LOG", "") == "1"

T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = min(len(values) - 1, max(0, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


COMMANDS = []  # exact commands, in order of first use, for BENCHMARKS.md
CONFIGS = {}  # server name -> (path, text) of the first config file written for it


def note_command(cmd):
    if cmd not in COMMANDS:
        COMMANDS.append(cmd)


# ---------------------------------------------------------------- processes


class Proc:
    """A server started by us, in its own process group; only this group is ever killed."""

    PIDFILE = os.environ.get("BENCH_PIDFILE")

    def __init__(self, name, argv, env, cwd, logpath):
        self.name = name
        self.logpath = logpath
        self.logfile = open(logpath, "ab")
        self.t_start = time.perf_counter()
        self.p = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self.logfile, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.p.pid
        if self.PIDFILE:
            with open(self.PIDFILE, "a") as f:
                f.write(f"{self.pid}\n")

    def alive(self):
        return self.p.poll() is None

    def status_kib(self, field):
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def rss_mib(self):
        v = self.status_kib("VmRSS")
        return None if v is None else v / 1024

    def anon_mib(self):
        """Private (anonymous) resident memory: RSS without the shared, file-backed code pages."""
        v = self.status_kib("RssAnon")
        return None if v is None else v / 1024

    def hwm_mib(self):
        v = self.status_kib("VmHWM")
        return None if v is None else v / 1024

    def reset_hwm(self):
        """Resets VmHWM to the current RSS (Linux ≥ 4.0, needs ptrace rights on the process)."""
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            return True
        except OSError:
            return False

    def log_tail(self, n=15):
        try:
            with open(self.logpath, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.p.wait(timeout=10)
        else:
            # the group may still hold children (gunicorn workers)
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.logfile.close()
        if self.PIDFILE:  # stopped: run.sh's safety net must not touch this id again
            try:
                with open(self.PIDFILE) as f:
                    keep = [line for line in f if line.strip() != str(self.pid)]
                with open(self.PIDFILE, "w") as f:
                    f.writelines(keep)
            except OSError:
                pass


ALL_PROCS = []


def stop_all():
    for proc in reversed(ALL_PROCS):
        try:
            proc.stop()
        except Exception as e:  # noqa: BLE001 - best effort at exit
            log(f"stopping {proc.name}: {e}")
    ALL_PROCS.clear()


# ---------------------------------------------------------------- HTTP client


class Http:
    """One keep-alive connection to 127.0.0.1:port."""

    def __init__(self, port, timeout=600):
        self.port = port
        self.timeout = timeout
        self.c = None
        self.buf = bytearray(MiB)

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None

    def conn(self):
        if self.c is None:
            self.c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout, blocksize=MiB)
            self.c.connect()
            # as curl and wrk: no Nagle delay on the last segment of a request sent in pieces
            self.c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.c

    def _finish(self, r):
        if (r.getheader("Connection") or "").lower() == "close":
            self.close()

    def req(self, method, path, body=None, headers=None):
        """Returns (status, headers, body bytes); retries once on a dropped keep-alive."""
        for attempt in (0, 1):
            try:
                c = self.conn()
                c.request(method, path, body=body, headers=headers or {})
                r = c.getresponse()
                data = r.read()
                self._finish(r)
                return r.status, r.headers, data
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionResetError,
                    BrokenPipeError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def send_stream(self, method, path, chunks, length, headers=None):
        """Sends a body from an iterator of bytes-like chunks without holding it in memory."""
        c = self.conn()
        try:
            c.putrequest(method, path, skip_accept_encoding=True)
            c.putheader("Content-Length", str(length))
            for k, v in (headers or {}).items():
                c.putheader(k, v)
            c.endheaders()
            for chunk in chunks:
                c.send(chunk)
            r = c.getresponse()
            data = r.read()
            self._finish(r)
            return r.status, r.headers, data
        except Exception:
            self.close()
            raise

    def download(self, path, headers=None):
        """GETs path and throws the body away; returns (status, bytes read)."""
        for attempt in (0, 1):
            try:
                c = self.conn()
                c.request("GET", path, headers=headers or {})
                r = c.getresponse()
                break
            except (http.client.RemoteDisconnected, http.client.CannotSendRequest, ConnectionResetError,
                    BrokenPipeError):
                self.close()
                if attempt:
                    raise
        view = memoryview(self.buf)
        n = 0
        while True:
            k = r.readinto(view)
            if not k:
                break
            n += k
        self._finish(r)
        return r.status, n


def wait_ready(port, path, proc, timeout=60):
    """Polls GET path until 200; returns seconds since the process was spawned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited ({proc.p.returncode}):\n{proc.log_tail()}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 200:
                return time.perf_counter() - proc.t_start
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError(f"{proc.name} not ready on :{port}{path} after {timeout}s:\n{proc.log_tail()}")


# ---------------------------------------------------------------- servers


class Server:
    name = "?"
    ready_path = "/"

    def __init__(self, work, label=None):
        self.work = work
        self.label = label or self.name
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"{self.label}-", dir=work)
        self.proc = None
        self.startup_s = None

    def argv_env(self):
        raise NotImplementedError

    def start(self, note=True):
        argv, env, cwd = self.argv_env()
        shown_env = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k not in os.environ or
                             os.environ[k] != v)
        if note:
            note_command(f"{self.name}: {shown_env + ' ' if shown_env else ''}{shlex.join(argv)}")
        self.proc = Proc(self.label, argv, env, cwd, os.path.join(self.dir, "server.log"))
        ALL_PROCS.append(self.proc)
        self.startup_s = wait_ready(self.port, self.ready_path, self.proc)
        return self

    def stop(self):
        if self.proc:
            self.proc.stop()
            if self.proc in ALL_PROCS:
                ALL_PROCS.remove(self.proc)
            self.proc = None

    def http(self):
        return Http(self.port)

    def remember_config(self, path, text):
        CONFIGS.setdefault(self.name, (path, text))
        return text

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


class Nora(Server):
    name = "nora"
    ready_path = "/health"
    binary = None

    def argv_env(self):
        env = dict(os.environ)
        env.update({
            "NORA_HOST": "127.0.0.1",
            "NORA_PORT": str(self.port),
            "NORA_STORAGE_PATH": os.path.join(self.dir, "storage"),
            "NORA_RATE_LIMIT_ENABLED": "false",
            "NORA_LOG_LEVEL": "info" if ACCESS_LOG else "warning",
            "NORA_RAW_MAX_FILE_SIZE": str(64 * 1024 * MiB),
        })
        env.pop("NORA_CONFIG_PATH", None)
        return [self.binary, "serve"], env, self.dir  # cwd: no stray ./config.toml


class Distribution(Server):
    name = "distribution"
    ready_path = "/v2/"

    def argv_env(self):
        cfg = os.path.join(self.dir, "config.yml")
        with open(cfg, "w") as f:
            f.write(self.remember_config(cfg, f"""version: 0.1
log:
  level: {"info" if ACCESS_LOG else "warn"}
  accesslog:
    disabled: {"false" if ACCESS_LOG else "true"}
storage:
  filesystem:
    rootdirectory: {self.dir}/data
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{self.port}
  secret: nora-bench-secret
"""))
        return ["docker-registry", "serve", cfg], dict(os.environ), self.dir


class Nginx(Server):
    name = "nginx"
    ready_path = "/ready.txt"

    def __init__(self, work, root):
        super().__init__(work)
        self.root = root

    def argv_env(self):
        with open(os.path.join(self.root, "ready.txt"), "w") as f:
            f.write("ok\n")
        tmp = os.path.join(self.dir, "tmp")
        os.makedirs(tmp, exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        user = "user root;" if os.geteuid() == 0 else ""
        with open(conf, "w") as f:
            f.write(self.remember_config(conf, f"""{user}
worker_processes auto;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log {"{}/access.log".format(self.dir) if ACCESS_LOG else "off"};
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.root};
  }}
}}
"""))
        return ["nginx", "-p", self.dir, "-e", f"{self.dir}/error.log", "-c", conf], dict(os.environ), self.dir


class PyPIServer(Server):
    name = "pypiserver"
    ready_path = "/health"

    def argv_env(self):
        pkgs = os.path.join(self.dir, "packages")
        os.makedirs(pkgs, exist_ok=True)
        env = dict(os.environ)
        # gunicorn with gevent workers, as pypiserver's own container image runs it
        env["GUNICORN_CMD_ARGS"] = f"--workers={SIZES['pypiserver_workers']} --worker-class=gevent"
        exe = os.path.join(os.path.dirname(sys.executable), "pypi-server")
        return [exe, "run", "-i", "127.0.0.1", "-p", str(self.port), "-a", ".", "-P", ".",
                "--disable-fallback", "--server", "gunicorn", pkgs], env, self.dir


# ---------------------------------------------------------------- content


class FileSource:
    def __init__(self, path):
        self.path = path
        self.size = os.path.getsize(path)
        self._digest = None

    def chunks(self, offset=0, length=None):
        length = self.size - offset if length is None else length
        with open(self.path, "rb", buffering=0) as f:
            f.seek(offset)
            buf = bytearray(MiB)
            view = memoryview(buf)
            left = length
            while left > 0:
                k = f.readinto(view[:min(MiB, left)])
                if not k:
                    raise IOError(f"{self.path}: short read")
                yield view[:k]
                left -= k

    @property
    def digest(self):
        if self._digest is None:
            h = hashlib.sha256()
            for c in self.chunks():
                h.update(c)
            self._digest = "sha256:" + h.hexdigest()
        return self._digest


class GenSource:
    """Deterministic incompressible content generated on the fly (for blobs too big to keep)."""

    def __init__(self, size, seed="x"):
        self.size = size
        self.base = bytearray(random.Random(seed).randbytes(MiB))
        self._digest = None

    def chunks(self, offset=0, length=None):
        assert offset % MiB == 0
        length = self.size - offset if length is None else length
        i = offset // MiB
        left = length
        while left > 0:
            self.base[0:8] = struct.pack("<Q", i)
            n = min(MiB, left)
            yield bytes(self.base[:n])
            left -= n
            i += 1

    @property
    def digest(self):
        if self._digest is None:
            h = hashlib.sha256()
            for c in self.chunks():
                h.update(c)
            self._digest = "sha256:" + h.hexdigest()
        return self._digest


def write_file(path, source):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for c in source.chunks():
            f.write(c)
    return FileSource(path)


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- OCI client


def loc_path(location):
    p = urllib.parse.urlsplit(location)
    return p.path + ("?" + p.query if p.query else "")


def with_query(path, key, value):
    sep = "&" if "?" in path else "?"
    return f"{path}{sep}{key}={urllib.parse.quote(value, safe=':')}"


class OciError(RuntimeError):
    pass


def _expect(status, want, what, body=b""):
    if status not in want:
        raise OciError(f"{what}: HTTP {status} {body[:200]!r}")


def oci_start(h, repo):
    st, hd, body = h.req("POST", f"/v2/{repo}/blobs/uploads/")
    _expect(st, (202,), "POST upload", body)
    return loc_path(hd["Location"])


def oci_push_monolithic(h, repo, src):
    """POST, then PUT ?digest= with the whole body (as oras and the spec's 'monolithic' push)."""
    loc = oci_start(h, repo)
    st, _, body = h.send_stream("PUT", with_query(loc, "digest", src.digest), src.chunks(), src.size,
                                {"Content-Type": "application/octet-stream"})
    _expect(st, (201,), "PUT blob", body)


def oci_push_single_post(h, repo, src):
    """POST ?digest= with the body: one request (spec 'single POST'); 202 means unsupported."""
    st, hd, body = h.send_stream("POST", with_query(f"/v2/{repo}/blobs/uploads/", "digest", src.digest),
                                 src.chunks(), src.size, {"Content-Type": "application/octet-stream"})
    if st == 202:
        raise OciError("single POST not supported (202)")
    _expect(st, (201,), "POST ?digest=", body)


def oci_push_chunked(h, repo, src, chunk):
    """POST, PATCH chunks with Content-Range, PUT ?digest= without a body."""
    loc = oci_start(h, repo)
    off = 0
    while off < src.size:
        n = min(chunk, src.size - off)
        st, hd, body = h.send_stream("PATCH", loc, src.chunks(off, n), n, {
            "Content-Type": "application/octet-stream", "Content-Range": f"{off}-{off + n - 1}"})
        _expect(st, (202,), f"PATCH {off}", body)
        loc = loc_path(hd["Location"])
        off += n
    st, _, body = h.req("PUT", with_query(loc, "digest", src.digest))
    _expect(st, (201,), "PUT close", body)


def oci_put_blob_bytes(h, repo, data):
    digest = "sha256:" + sha256_hex(data)
    loc = oci_start(h, repo)
    st, _, body = h.req("PUT", with_query(loc, "digest", digest), body=data,
                        headers={"Content-Type": "application/octet-stream"})
    _expect(st, (201,), "PUT small blob", body)
    return digest


OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def small_image(h, repo, tag):
    """Pushes a config, one small layer and a manifest; returns (config, layer, manifest bytes)."""
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    layer = hashlib.sha512(b"nora-bench-layer").digest() * 16
    cd = oci_put_blob_bytes(h, repo, config)
    ld = oci_put_blob_bytes(h, repo, layer)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld,
                    "size": len(layer)}],
    }).encode()
    st, _, body = h.req("PUT", f"/v2/{repo}/manifests/{tag}", body=manifest,
                        headers={"Content-Type": OCI_MANIFEST})
    _expect(st, (201,), "PUT manifest", body)
    return cd, ld, manifest


# ---------------------------------------------------------------- wrk


WRK_LAT = re.compile(r"^\s*(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def _to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, headers=None):
    argv = ["wrk", f"-t{SIZES['wrk_threads']}", f"-c{SIZES['wrk_connections']}",
            f"-d{SIZES['wrk_seconds']}s", "--latency"]
    for k, v in (headers or {}).items():
        argv += ["-H", f"{k}: {v}"]
    argv.append(url)
    note_command(shlex.join(argv))
    out = subprocess.run(argv, capture_output=True, text=True, timeout=SIZES["wrk_seconds"] + 60).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    lat = {m.group(1): _to_ms(m.group(2), m.group(3)) for m in WRK_LAT.finditer(out)}
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not rps:
        raise RuntimeError(f"wrk output not understood:\n{out}")
    res = {"rps": float(rps.group(1)), "p50": lat.get("50"), "p99": lat.get("99"), "non2xx": 0, "errors": 0}
    if bad:
        res["non2xx"] = int(bad.group(1))
    if errs:
        res["errors"] = sum(int(x) for x in errs.groups())
    return res


def wrk_checked(server, path, headers=None):
    """A GET with the same headers must answer 200 first; wrk results with non-2xx are refused."""
    h = server.http()
    st, _, body = h.req("GET", path, headers=headers)
    h.close()
    if st != 200:
        raise RuntimeError(f"GET {path} on {server.label}: HTTP {st} {body[:120]!r}")
    res = wrk(server.url(path), headers)
    if res["non2xx"]:
        raise RuntimeError(f"wrk on {server.label}{path}: {res['non2xx']} non-2xx answers")
    if res["errors"]:
        SKIPPED.append(f"warning: wrk saw {res['errors']} socket errors on {server.label} {path}")
    return res


# ---------------------------------------------------------------- results

ROWS = []  # dicts: group, workload, metric, unit, better, nora, peer, peer_value, target, met, note


def fmt(v):
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    if abs(v) >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def add_row(workload, metric, unit, better, nora, peer=None, peer_value=None, target=None, note=""):
    """target: ('ratio', k) nora/peer ≥ k (or ≤ k when lower is better) · ('max', x) nora < x · ('min', x)."""
    ratio = None
    if isinstance(nora, (int, float)) and isinstance(peer_value, (int, float)) and peer_value:
        ratio = nora / peer_value
    met = None
    tdesc = ""
    if target and isinstance(nora, (int, float)):
        kind, k = target
        if kind == "ratio" and ratio is not None:
            met = ratio >= k if better == "higher" else ratio <= k
            tdesc = f"≥ {k:g}× {peer}" if better == "higher" else f"≤ {k:g}× {peer}"
        elif kind == "max":
            met = nora < k
            tdesc = f"< {k:g} {unit}"
        elif kind == "min":
            met = nora >= k
            tdesc = f"≥ {k:g} {unit}"
    elif target:
        kind, k = target
        tdesc = {"ratio": f"≥ {k:g}× {peer}", "max": f"< {k:g} {unit}", "min": f"≥ {k:g} {unit}"}[kind]
    ROWS.append({"workload": workload, "metric": metric, "unit": unit, "better": better, "nora": nora,
                 "peer": peer, "peer_value": peer_value, "ratio": ratio, "target": tdesc, "met": met,
                 "note": note})


def na_row(workload, metric, why, peer=None):
    ROWS.append({"workload": workload, "metric": metric, "unit": "", "better": "", "nora": "not available",
                 "peer": peer, "peer_value": None, "ratio": None, "target": "", "met": None, "note": why})


GROWTH = {}   # metric -> {n: {"p50": ms, "p99": ms, "bytes": n}}
CATALOG = {}  # server -> dict
SKIPPED = []  # human-readable reasons


def table_markdown():
    lines = ["| workload | metric | nora | peer | peer value | nora/peer | target | met |",
             "|---|---|--:|---|--:|--:|---|---|"]
    notes = []
    for r in sorted(ROWS, key=lambda r: int(r["workload"].split()[0])):
        arrow = {"higher": " ↑", "lower": " ↓"}.get(r["better"], "")
        metric = f"{r['metric']} ({r['unit']}){arrow}" if r["unit"] else r["metric"]
        if r["note"]:
            if r["note"] not in notes:
                notes.append(r["note"])
            metric += f" [{notes.index(r['note']) + 1}]"
        met = {True: "met", False: "**not met**", None: ""}[r["met"]]
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "—"
        lines.append(f"| {r['workload']} | {metric} | {fmt(r['nora'])} | {r['peer'] or '—'} | "
                     f"{fmt(r['peer_value'])} | {ratio} | {r['target'] or '—'} | {met} |")
    if notes:
        lines.append("")
        lines += [f"[{i + 1}] {n}  " for i, n in enumerate(notes)]
    return "\n".join(lines)


def growth_markdown():
    if not GROWTH:
        return ""
    ns = sorted({n for m in GROWTH.values() for n in m})
    lines = ["| nora: p50 latency, 1 connection (ms) | " + " | ".join(f"N={n:,}" for n in ns) +
             " | p50 N=max / N=min | target (flat) |",
             "|---|" + "--:|" * len(ns) + "--:|---|"]
    for metric, per_n in GROWTH.items():
        cells = []
        for n in ns:
            v = per_n.get(n)
            kib = v and v["bytes"] / 1024
            cells.append("—" if v is None else f"{v['p50']:.2f} ({kib:,.1f} KiB)" if kib < 10 else
                         f"{v['p50']:.2f} ({kib:,.0f} KiB)")
        have = [n for n in ns if n in per_n]
        growth, met = "—", ""
        if len(have) >= 2:
            g = per_n[have[-1]]["p50"] / per_n[have[0]]["p50"]
            growth = f"{g:.1f}× for {have[-1] // have[0]:,}× versions"
            met = "met" if g <= 2 else "**not met**"
        lines.append(f"| {metric} | " + " | ".join(cells) + f" | {growth} | {met} |")
    return "\n".join(lines)


def catalog_markdown():
    if not CATALOG:
        return ""
    lines = ["| server | repositories | push rate (repos/s) | first page p50 (ms) | middle page p50 (ms) | "
             "last page p50 (ms) | full walk n=" + str(SIZES["catalog_page"]) + " (s) | pages |",
             "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for name, c in CATALOG.items():
        if "error" in c:
            lines.append(f"| {name} | n/a: {c['error']} | | | | | | |")
            continue
        walk = fmt(c["walk_s"]) + ("" if c["walk_complete"] else f" (stopped at budget {c['walk_budget']} s)")
        lines.append(f"| {name} | {c['repos']:,} | {fmt(c['push_rate'])} | {fmt(c['first_ms'])} | "
                     f"{fmt(c['middle_ms'])} | {fmt(c['last_ms'])} | {walk} | {c['pages']:,} |")
    return "\n".join(lines)


# ---------------------------------------------------------------- workloads


class Bench:
    def __init__(self, work, nora_bin):
        self.work = work
        Nora.binary = nora_bin
        self.www = os.path.join(work, "www")
        os.makedirs(self.www)
        self.nora = None
        self.dist = None
        self.nginx = None
        self.pypi = None
        self.sources = {}

    # ---- setup

    def prepare_content(self):
        log("generating content (written once, served by nginx as static files)")
        big = GenSource(SIZES["big_blob_mib"] * MiB, seed="big")
        self.sources["big"] = write_file(os.path.join(self.www, "blobs", "big.bin"), big)
        self.sources["small"] = [
            write_file(os.path.join(self.www, "blobs", "small", f"{i:03d}.bin"),
                       GenSource(SIZES["small_blob_kib"] * 1024, seed=f"small{i}"))
            for i in range(SIZES["small_blobs"])]
        self.sources["pull"] = write_file(os.path.join(self.www, "blobs", "pull.bin"),
                                          GenSource(SIZES["pull_blob_mib"] * MiB, seed="pull"))
        self.sources["raw"] = write_file(os.path.join(self.www, "raw", "1mb.bin"), GenSource(MiB, seed="raw"))
        for s in [self.sources["big"], self.sources["pull"], self.sources["raw"], *self.sources["small"]]:
            _ = s.digest
        os.chmod(self.work, 0o755)

    def start_servers(self):
        self.nora = Nora(self.work).start()
        log(f"nora on :{self.nora.port} (pid {self.nora.proc.pid})")
        self.dist = Distribution(self.work).start()
        log(f"distribution on :{self.dist.port} (pid {self.dist.proc.pid})")
        self.nginx = Nginx(self.work, self.www).start()
        log(f"nginx on :{self.nginx.port}")
        if WORKLOADS & {3}:
            self.pypi = PyPIServer(self.work).start()
            log(f"pypiserver on :{self.pypi.port}")

    def check_alive(self):
        for s in (self.nora, self.dist, self.nginx, self.pypi):
            if s and s.proc and not s.proc.alive():
                raise RuntimeError(f"{s.label} died:\n{s.proc.log_tail()}")

    # ---- 1. blobs

    def w1_blobs(self):
        runs = SIZES["runs"]
        big, small = self.sources["big"], self.sources["small"]
        chunk = SIZES["chunk_mib"] * MiB
        small_mib = sum(s.size for s in small) / MiB
        push = {}  # (server, kind) -> [MiB/s]
        pull = {}
        regs = [self.nora, self.dist]
        single_post = {}
        for srv in regs:
            h = srv.http()
            try:
                probe = FileSource(self.sources["raw"].path)
                oci_push_single_post(h, "bench/probe", probe)
                single_post[srv.name] = True
            except OciError as e:
                single_post[srv.name] = False
                push[(srv.name, "big single POST", "error")] = push[(srv.name, "small single POST", "error")] = str(e)
            h.close()
        for r in range(runs):
            order = regs if r % 2 == 0 else regs[::-1]
            for srv in order:
                h = srv.http()
                for kind, fn in [
                    ("big monolithic", lambda repo: oci_push_monolithic(h, repo, big)),
                    ("big chunked", lambda repo: oci_push_chunked(h, repo, big, chunk)),
                    ("small monolithic", lambda repo: [oci_push_monolithic(h, repo, s) for s in small]),
                    ("small chunked", lambda repo: [oci_push_chunked(h, repo, s, chunk) for s in small]),
                    ("big single POST", lambda repo: oci_push_single_post(h, repo, big)),
                    ("small single POST", lambda repo: [oci_push_single_post(h, repo, s) for s in small]),
                ]:
                    if "single POST" in kind and not single_post[srv.name]:
                        continue
                    repo = f"bench/{kind.replace(' ', '-').lower()}-{r}"
                    mib = big.size / MiB if kind.startswith("big") else small_mib
                    log(f"1: push {kind} to {srv.label} (run {r + 1}/{runs})")
                    t = time.perf_counter()
                    try:
                        fn(repo)
                        push.setdefault((srv.name, kind), []).append(mib / (time.perf_counter() - t))
                    except (OciError, OSError, http.client.HTTPException) as e:
                        push.setdefault((srv.name, kind), []).append(None)
                        push[(srv.name, kind, "error")] = str(e)[:160]
                        h.close()
                h.close()
            # pulls (nora and distribution pull what the monolithic push stored; nginx the same files)
            for srv in (order + [self.nginx]) if r % 2 == 0 else ([self.nginx] + order):
                h = srv.http()
                if srv is self.nginx:
                    big_path = "/blobs/big.bin"
                    small_paths = [f"/blobs/small/{i:03d}.bin" for i in range(len(small))]
                else:
                    big_path = f"/v2/bench/big-monolithic-0/blobs/{big.digest}"
                    small_paths = [f"/v2/bench/small-monolithic-0/blobs/{s.digest}" for s in small]
                log(f"1: pull from {srv.label} (run {r + 1}/{runs})")
                t = time.perf_counter()
                st, n = h.download(big_path)
                dt = time.perf_counter() - t
                ok = st == 200 and n == big.size
                pull.setdefault((srv.name, "big"), []).append(big.size / MiB / dt if ok else None)
                if not ok:
                    pull[(srv.name, "big", "error")] = f"HTTP {st}, {n} bytes"
                t = time.perf_counter()
                ok = True
                for p, s in zip(small_paths, small):
                    st, n = h.download(p)
                    ok = ok and st == 200 and n == s.size
                dt = time.perf_counter() - t
                pull.setdefault((srv.name, "small"), []).append(small_mib / dt if ok else None)
                if not ok:
                    pull[(srv.name, "small", "error")] = f"small blob pull: HTTP {st}, {n} bytes"
                h.close()
            self.check_alive()
        self.verify_pull_bytes()

        def val(d, key):
            return median(d.get(key, []))

        for kind in ("big monolithic", "big chunked", "small monolithic", "small chunked"):
            size = f"{SIZES['big_blob_mib']} MiB" if kind.startswith("big") else \
                f"{len(small)} × {SIZES['small_blob_kib']} KiB"
            n, d = val(push, ("nora", kind)), val(push, ("distribution", kind))
            note = push.get(("nora", kind, "error")) or push.get(("distribution", kind, "error")) or ""
            add_row("1 blob push", f"{kind.split()[1]} push, {size}", "MiB/s", "higher", n, "distribution", d,
                    ("ratio", 1.5), note)
        for kind in ("big single POST", "small single POST"):
            size = f"{SIZES['big_blob_mib']} MiB" if kind.startswith("big") else \
                f"{len(small)} × {SIZES['small_blob_kib']} KiB"
            n, d = val(push, ("nora", kind)), val(push, ("distribution", kind))
            note = ("distribution answers 202 to POST ?digest= with a body (no single-request push)"
                    if ("distribution", kind, "error") in push else push.get(("nora", kind, "error"), ""))
            add_row("1 blob push", f"single POST ?digest=, {size}", "MiB/s", "higher", n, "distribution", d,
                    None, note)
        for kind, size in (("big", f"{SIZES['big_blob_mib']} MiB"),
                           ("small", f"{len(small)} × {SIZES['small_blob_kib']} KiB, 1 connection")):
            n = val(pull, ("nora", kind))
            for peer, k in (("distribution", 1.5), ("nginx", 0.8)):
                note = "; ".join(f"{who}: {pull[(who, kind, 'error')]}" for who in ("nora", peer)
                                 if (who, kind, "error") in pull)
                add_row("1 blob pull", f"pull {size}", "MiB/s", "higher", n, peer, val(pull, (peer, kind)),
                        ("ratio", k), note)

    def verify_pull_bytes(self):
        """Once, untimed: every server hands out exactly the bytes that were pushed."""
        big = self.sources["big"]
        for srv, path in ((self.nora, f"/v2/bench/big-monolithic-0/blobs/{big.digest}"),
                          (self.dist, f"/v2/bench/big-monolithic-0/blobs/{big.digest}"),
                          (self.nginx, "/blobs/big.bin")):
            c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=600)
            c.request("GET", path)
            r = c.getresponse()
            hsh = hashlib.sha256()
            while True:
                b = r.read(MiB)
                if not b:
                    break
                hsh.update(b)
            c.close()
            if r.status != 200 or "sha256:" + hsh.hexdigest() != big.digest:
                raise RuntimeError(f"{srv.label} served different bytes for the big blob (HTTP {r.status})")

    # ---- 2. manifest GET

    def w2_manifest(self):
        path = "/v2/bench/app/manifests/v1"
        hdr = {"Accept": OCI_MANIFEST}
        for srv in (self.nora, self.dist):
            h = srv.http()
            small_image(h, "bench/app", "v1")
            h.close()
        res = {}
        for r in range(SIZES["runs"]):
            for srv in ((self.nora, self.dist) if r % 2 == 0 else (self.dist, self.nora)):
                log(f"2: manifest GET on {srv.label} (run {r + 1})")
                res.setdefault(srv.name, []).append(wrk_checked(srv, path, hdr))
            self.check_alive()
        n, d = res["nora"], res["distribution"]
        add_row("2 manifest GET by tag", "requests/s", "req/s", "higher", median([x["rps"] for x in n]),
                "distribution", median([x["rps"] for x in d]), ("ratio", 2))
        add_row("2 manifest GET by tag", "p50", "ms", "lower", median([x["p50"] for x in n]),
                "distribution", median([x["p50"] for x in d]))
        add_row("2 manifest GET by tag", "p99", "ms", "lower", median([x["p99"] for x in n]),
                "distribution", median([x["p99"] for x in d]), ("max", 10))

    # ---- 3. PyPI

    def nora_has(self, path):
        h = self.nora.http()
        st, _, _ = h.req("GET", path)
        h.close()
        return st != 404

    def w3_pypi(self):
        name = "benchpkg"
        if not self.nora_has("/simple/"):
            why = "nora answers 404 on /simple/ (PyPI not implemented in this binary)"
            SKIPPED.append("3 PyPI: " + why)
            na_row("3 PyPI project page", "HTML and JSON, requests/s and p99", why, "pypiserver")
            return
        nfiles = SIZES["pypi_files"]
        nversions = (nfiles + 1) // 2
        log(f"3: uploading {nfiles} files to nora and pypiserver")
        for srv, upload_path in ((self.nora, "/simple/"), (self.pypi, "/")):
            h = srv.http()
            k = 0
            for i in range(nversions):
                for kind in ("wheel", "sdist"):
                    if k >= nfiles:
                        break
                    st, body = pypi_upload(h, upload_path, name, f"1.0.{i}", kind)
                    if st not in (200, 201):
                        h.close()
                        why = f"upload to {srv.label} failed: HTTP {st} {body[:120]!r}"
                        SKIPPED.append("3 PyPI: " + why)
                        na_row("3 PyPI project page", "HTML and JSON, requests/s and p99", why, "pypiserver")
                        return
                    k += 1
            h.close()
        html_hdr = {"Accept": "text/html"}
        json_hdr = {"Accept": "application/vnd.pypi.simple.v1+json"}
        targets = {
            "nora": {"HTML": (f"/simple/{name}/", html_hdr), "JSON": (f"/simple/{name}/", json_hdr)},
            # pypiserver has no PEP 691; its JSON document is /<project>/json (releases and URLs only)
            "pypiserver": {"HTML": (f"/simple/{name}/", html_hdr), "JSON": (f"/{name}/json", {})},
        }
        # both pages list every file
        for srv in (self.nora, self.pypi):
            h = srv.http()
            st, _, body = h.req("GET", targets[srv.name]["HTML"][0], headers=html_hdr)
            h.close()
            count = body.count(b"<a ")
            if count < nfiles:
                SKIPPED.append(f"3 PyPI: {srv.label} page lists {count} links, expected {nfiles}")
        res = {}
        for r in range(SIZES["runs"]):
            for srv in ((self.nora, self.pypi) if r % 2 == 0 else (self.pypi, self.nora)):
                for fmt_ in ("HTML", "JSON"):
                    path, hdr = targets[srv.name][fmt_]
                    log(f"3: {fmt_} project page on {srv.label} (run {r + 1})")
                    try:
                        res.setdefault((srv.name, fmt_), []).append(wrk_checked(srv, path, hdr))
                    except RuntimeError as e:
                        res[(srv.name, fmt_, "error")] = str(e)[:160]
            self.check_alive()
        for fmt_ in ("HTML", "JSON"):
            n, p = res.get(("nora", fmt_), []), res.get(("pypiserver", fmt_), [])
            note = res.get(("nora", fmt_, "error")) or res.get(("pypiserver", fmt_, "error")) or ""
            if fmt_ == "JSON":
                note = (note + "; " if note else "") + "pypiserver: /benchpkg/json (it has no PEP 691)"
            add_row("3 PyPI project page", f"{fmt_}, {nfiles} files, requests/s", "req/s", "higher",
                    median([x["rps"] for x in n]), "pypiserver", median([x["rps"] for x in p]), ("ratio", 10), note)
            add_row("3 PyPI project page", f"{fmt_}, {nfiles} files, p99", "ms", "lower",
                    median([x["p99"] for x in n]), "pypiserver", median([x["p99"] for x in p]))

    # ---- 4. npm

    def w4_npm(self):
        name = "bench-packument"
        n = SIZES["npm_versions"]
        h = self.nora.http()
        log(f"4: publishing {n} versions of {name} to nora")
        done, why = npm_publish_many(h, self.nora.port, name, 0, n)
        h.close()
        if why:
            SKIPPED.append("4 npm: " + why)
            na_row("4 npm packument", "full and abbreviated, requests/s and p99", why)
            return
        res = {}
        variants = {"full": {"Accept": "application/json"},
                    "abbreviated": {"Accept": "application/vnd.npm.install-v1+json"}}
        for r in range(SIZES["runs"]):
            for variant, hdr in variants.items():
                log(f"4: {variant} packument on nora (run {r + 1})")
                try:
                    res.setdefault(variant, []).append(wrk_checked(self.nora, f"/npm/{name}", hdr))
                except RuntimeError as e:
                    res[(variant, "error")] = str(e)[:160]
            self.check_alive()
        for variant in variants:
            x = res.get(variant, [])
            note = res.get((variant, "error"), "no npm peer on this machine")
            add_row("4 npm packument", f"{variant}, {n} versions, requests/s", "req/s", "higher",
                    median([v["rps"] for v in x]), note=note)
            add_row("4 npm packument", f"{variant}, {n} versions, p99", "ms", "lower",
                    median([v["p99"] for v in x]), note=note)

    # ---- 5. raw

    def w5_raw(self):
        src = self.sources["raw"]
        h = self.nora.http()
        st, _, body = h.send_stream("PUT", "/raw/bench/1mb.bin", src.chunks(), src.size)
        h.close()
        if st not in (200, 201):
            raise RuntimeError(f"PUT /raw/bench/1mb.bin: HTTP {st} {body[:120]!r}")
        res = {}
        for r in range(SIZES["runs"]):
            for srv, path in ((self.nora, "/raw/bench/1mb.bin"), (self.nginx, "/raw/1mb.bin"))[:: 1 if r % 2 == 0
                                                                                                 else -1]:
                log(f"5: raw 1 MiB GET on {srv.label} (run {r + 1})")
                res.setdefault(srv.name, []).append(wrk_checked(srv, path))
            self.check_alive()
        n, g = res["nora"], res["nginx"]
        add_row("5 raw 1 MiB GET", "requests/s", "req/s", "higher", median([x["rps"] for x in n]), "nginx",
                median([x["rps"] for x in g]))
        add_row("5 raw 1 MiB GET", "p99", "ms", "lower", median([x["p99"] for x in n]), "nginx",
                median([x["p99"] for x in g]))

    # ---- 6. start-up and memory

    def w6_startup(self):
        times, idle, anon = {}, {}, {}
        for r in range(SIZES["startup_runs"]):
            for cls in ((Nora, Distribution) if r % 2 == 0 else (Distribution, Nora)):
                srv = cls(self.work, label=f"{cls.name}-startup{r}").start(note=r == 0)
                times.setdefault(cls.name, []).append(srv.startup_s)
                time.sleep(1.0)
                idle.setdefault(cls.name, []).append(srv.proc.rss_mib())
                anon.setdefault(cls.name, []).append(srv.proc.anon_mib())
                srv.stop()
                shutil.rmtree(srv.dir, ignore_errors=True)
        log("6: start-up " + ", ".join(f"{k} {median(v) * 1000:.0f} ms" for k, v in times.items()))
        add_row("6 start-up", "spawn to first 200 (nora /health, distribution /v2/), fresh data", "ms", "lower",
                median(times["nora"]) * 1000, "distribution", median(times["distribution"]) * 1000, ("max", 500))
        add_row("6 memory", "idle RSS after start-up", "MiB", "lower", median(idle["nora"]), "distribution",
                median(idle["distribution"]), ("max", 30))
        add_row("6 memory", "idle private memory (RssAnon: RSS minus shared code pages)", "MiB", "lower",
                median(anon["nora"]), "distribution", median(anon["distribution"]), None,
                "shared library and binary code pages are counted once per machine, however many replicas run")

    def w6_memory(self):
        size = SIZES["rss_upload_mib"] * MiB
        gen = GenSource(size, seed="rss")
        log(f"6: hashing the {SIZES['rss_upload_mib']} MiB upload (generated, never on disk)")
        _ = gen.digest
        peak, before = {}, {}
        for srv in (self.nora, self.dist):
            log(f"6: {SIZES['rss_upload_mib']} MiB monolithic upload to {srv.label}, watching RSS")
            h = srv.http()
            before[srv.name] = srv.proc.rss_mib()
            with RssWatch(srv.proc) as w:
                t = time.perf_counter()
                oci_push_monolithic(h, "bench/rss", gen)
                dt = time.perf_counter() - t
            h.close()
            peak[srv.name] = w.peak
            log(f"6: {srv.label}: {size / MiB / dt:.0f} MiB/s, peak RSS {w.peak:.0f} MiB ({w.how})")
        add_row("6 memory", f"peak RSS during a {SIZES['rss_upload_mib']:,} MiB blob upload", "MiB", "lower",
                peak["nora"], "distribution", peak["distribution"], ("max", 100),
                f"RSS just before the upload: nora {fmt(before['nora'])} MiB, "
                f"distribution {fmt(before['distribution'])} MiB")
        # concurrent pulls
        pull = self.sources["pull"]
        conc = SIZES["pull_concurrency"]
        for srv in (self.nora, self.dist):
            h = srv.http()
            oci_push_monolithic(h, "bench/pull", pull)
            h.close()
        peak, rate = {}, {}
        before = {"nora": self.nora.proc.rss_mib(), "distribution": self.dist.proc.rss_mib()}
        for r in range(SIZES["runs"]):
            for srv in (self.nora, self.dist, self.nginx):
                path = "/blobs/pull.bin" if srv is self.nginx else f"/v2/bench/pull/blobs/{pull.digest}"
                log(f"6: {conc} concurrent pulls of {SIZES['pull_blob_mib']} MiB from {srv.label} (run {r + 1})")
                with RssWatch(srv.proc if srv is not self.nginx else None) as w:
                    rate.setdefault(srv.name, []).append(concurrent_curl(srv.url(path), conc, pull.size))
                peak.setdefault(srv.name, []).append(w.peak)
            self.check_alive()
        add_row("6 memory", f"peak RSS during {conc} concurrent {SIZES['pull_blob_mib']} MiB pulls", "MiB",
                "lower", median(peak["nora"]), "distribution", median(peak["distribution"]), ("max", 100),
                f"target from issue 3 (streaming); RSS just before: nora {fmt(before['nora'])} MiB, "
                f"distribution {fmt(before['distribution'])} MiB")
        add_row("1 blob pull", f"{conc} concurrent pulls of {SIZES['pull_blob_mib']} MiB, aggregate", "MiB/s",
                "higher", median(rate["nora"]), "distribution", median(rate["distribution"]), ("ratio", 1.5))
        add_row("1 blob pull", f"{conc} concurrent pulls of {SIZES['pull_blob_mib']} MiB, aggregate", "MiB/s",
                "higher", median(rate["nora"]), "nginx", median(rate["nginx"]), ("ratio", 0.8))

    # ---- 7. growth and catalog

    def w7_growth(self):
        ns = sorted(SIZES["growth"])
        samples = SIZES["growth_samples"]
        budget = SIZES["setup_budget_s"]
        h = self.nora.http()

        def measure(metric, path, hdr, n):
            lat, size = [], 0
            for _ in range(samples):
                t = time.perf_counter()
                st, _, body = h.req("GET", path, headers=hdr)
                lat.append((time.perf_counter() - t) * 1000)
                if st != 200:
                    raise RuntimeError(f"GET {path}: HTTP {st}")
                size = len(body)
            GROWTH.setdefault(metric, {})[n] = {"p50": median(lat), "p99": percentile(lat, 99), "bytes": size}

        # npm
        done, t_start = 0, time.monotonic()
        for n in ns:
            log(f"7: npm packument with {n} versions")
            done, why = npm_publish_many(h, self.nora.port, "bench-grow", done, n,
                                         deadline=t_start + budget)
            if why:
                SKIPPED.append(f"7 growth npm at {n}: {why}")
                break
            measure("npm packument, full", "/npm/bench-grow", {"Accept": "application/json"}, n)
            measure("npm packument, abbreviated", "/npm/bench-grow",
                    {"Accept": "application/vnd.npm.install-v1+json"}, n)
        # PyPI
        if not self.nora_has("/simple/"):
            SKIPPED.append("7 growth PyPI: nora answers 404 on /simple/")
        else:
            done, t_start = 0, time.monotonic()
            for n in ns:
                log(f"7: simple page with {n} versions")
                done, why = publish_until(n, done, t_start + budget, "uploads",
                                          lambda i: pypi_upload(h, "/simple/", "benchgrow", f"2.0.{i}", "wheel"),
                                          ok=(200, 201))
                if why:
                    SKIPPED.append(f"7 growth PyPI at {n}: {why}")
                    break
                measure("PyPI simple page, HTML", "/simple/benchgrow/", {"Accept": "text/html"}, n)
                measure("PyPI simple page, JSON", "/simple/benchgrow/",
                        {"Accept": "application/vnd.pypi.simple.v1+json"}, n)
        # Cargo
        if not self.nora_has("/cargo/index/config.json"):
            SKIPPED.append("7 growth Cargo: nora answers 404 on /cargo/index/config.json")
        else:
            done, t_start = 0, time.monotonic()
            for n in ns:
                log(f"7: cargo index file with {n} versions")
                done, why = publish_until(n, done, t_start + budget, "publishes",
                                          lambda i: cargo_publish(h, "benchgrow", f"0.1.{i}"), ok=(200,))
                if why:
                    SKIPPED.append(f"7 growth Cargo at {n}: {why}")
                    break
                measure("Cargo sparse index file", "/cargo/index/be/nc/benchgrow", {}, n)
        h.close()

    def w17_perf(self):
        """Issue 17's rows: bench/workloads_perf.py."""
        workloads_perf.w17(self, sys.modules[__name__])

    def w7_catalog(self):
        n = SIZES["catalog_repos"]
        for srv in (self.nora, self.dist):
            try:
                CATALOG[srv.name] = catalog_bench(srv, n)
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                CATALOG[srv.name] = {"error": str(e)[:200]}
            self.check_alive()


class RssWatch:
    """Peak RSS of a process over a block: VmHWM after a clear_refs reset, else sampled VmRSS."""

    def __init__(self, proc):
        self.proc = proc
        self.peak = None
        self.how = ""

    def __enter__(self):
        if self.proc is None:
            return self
        self.reset = self.proc.reset_hwm()
        self.sampled = self.proc.rss_mib() or 0
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._sample, daemon=True)
        self.t.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.02):
            v = self.proc.rss_mib()
            if v:
                self.sampled = max(self.sampled, v)

    def __exit__(self, *exc):
        if self.proc is None:
            return False
        self.stop.set()
        self.t.join()
        hwm = self.proc.hwm_mib()
        if self.reset and hwm:
            self.peak, self.how = max(hwm, self.sampled), "VmHWM after clear_refs"
        else:
            self.peak, self.how = self.sampled, "sampled VmRSS every 20 ms"
        return False


def concurrent_curl(url, n, size):
    """n curl processes pulling url at once; returns aggregate MiB/s (all bytes / wall time)."""
    cmd = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download}", url]
    note_command(f"{n} × {shlex.join(cmd)} (in parallel)")
    t = time.perf_counter()
    ps = [subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [p.communicate(timeout=900)[0].split() for p in ps]
    dt = time.perf_counter() - t
    for o in outs:
        if o != ["200", str(size)]:
            raise RuntimeError(f"curl {url}: {o}")
    return n * size / MiB / dt


# ---------------------------------------------------------------- format payloads


def multipart(fields, filename, content):
    boundary = "nora-bench-" + hashlib.md5(filename.encode()).hexdigest()
    out = io.BytesIO()
    for k, v in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode())
    out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="content"; filename="{filename}"\r\n'
              f"Content-Type: application/octet-stream\r\n\r\n".encode())
    out.write(content)
    out.write(f"\r\n--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _b64digest(data):
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def make_wheel(name, version):
    metadata = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: nora benchmark\n"
                f"Requires-Python: >=3.8\n\n").encode()
    wheel = b"Wheel-Version: 1.0\nGenerator: nora-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    init = f"__version__ = {version!r}\n".encode()
    di = f"{name}-{version}.dist-info"
    files = [(f"{name}/__init__.py", init), (f"{di}/METADATA", metadata), (f"{di}/WHEEL", wheel)]
    record = "".join(f"{p},sha256={_b64digest(d)},{len(d)}\n" for p, d in files) + f"{di}/RECORD,,\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for p, d in files + [(f"{di}/RECORD", record.encode())]:
            z.writestr(zipfile.ZipInfo(p, date_time=(2024, 1, 1, 0, 0, 0)), d)
    return f"{name}-{version}-py3-none-any.whl", buf.getvalue(), metadata


def make_targz(entries):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w") as tar:
            for path, data in entries:
                ti = tarfile.TarInfo(path)
                ti.size, ti.mtime, ti.mode = len(data), 1700000000, 0o644
                tar.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def make_sdist(name, version):
    pkg_info = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: nora benchmark\n"
                f"Requires-Python: >=3.8\n\n").encode()
    pyproject = f'[project]\nname = "{name}"\nversion = "{version}"\n'.encode()
    base = f"{name}-{version}"
    return f"{base}.tar.gz", make_targz([(f"{base}/PKG-INFO", pkg_info), (f"{base}/pyproject.toml", pyproject)])


def pypi_upload(h, path, name, version, kind):
    """The legacy upload API as twine speaks it. Returns (status, body)."""
    if kind == "wheel":
        filename, content, _ = make_wheel(name, version)
        filetype, pyversion = "bdist_wheel", "py3"
    else:
        filename, content = make_sdist(name, version)
        filetype, pyversion = "sdist", "source"
    fields = [(":action", "file_upload"), ("protocol_version", "1"), ("metadata_version", "2.1"),
              ("name", name), ("version", version), ("filetype", filetype), ("pyversion", pyversion),
              ("summary", "nora benchmark"), ("requires_python", ">=3.8"),
              ("md5_digest", hashlib.md5(content).hexdigest()), ("sha256_digest", sha256_hex(content)),
              ("blake2_256_digest", hashlib.blake2b(content, digest_size=32).hexdigest())]
    body, ctype = multipart(fields, filename, content)
    st, _, resp = h.req("POST", path, body=body, headers={"Content-Type": ctype})
    return st, resp


def npm_publish_body(port, name, version):
    pkg = {"name": name, "version": version, "description": "nora benchmark package", "main": "index.js",
           "license": "MIT"}
    tgz = make_targz([("package/package.json", json.dumps(pkg, indent=2).encode()),
                      ("package/index.js", f"module.exports = {version!r};\n".encode())])
    fname = f"{name}-{version}.tgz"
    manifest = dict(pkg, _id=f"{name}@{version}", readme="# bench\n", dist={
        "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode(),
        "shasum": hashlib.sha1(tgz).hexdigest(),
        "tarball": f"http://127.0.0.1:{port}/npm/{name}/-/{fname}"})
    return json.dumps({
        "_id": name, "name": name, "description": pkg["description"], "readme": "# bench\n",
        "dist-tags": {"latest": version}, "versions": {version: manifest},
        "_attachments": {fname: {"content_type": "application/octet-stream",
                                 "data": base64.b64encode(tgz).decode(), "length": len(tgz)}},
    }).encode()


def publish_until(n, done, deadline, what, publish_one, ok):
    """Publishes versions done..n-1 with publish_one(i) -> (status, body), within the deadline.
    Returns (count done, failure or None)."""
    while done < n:
        if time.monotonic() > deadline:
            return done, f"setup budget of {SIZES['setup_budget_s']} s exhausted after {done} {what}"
        st, body = publish_one(done)
        if st not in ok:
            return done, f"{what[:-1]} {done}: HTTP {st} {body[:120]!r}"
        done += 1
    return done, None


def npm_publish_many(h, port, name, start, end, deadline=None):
    """Publishes versions start..end-1 (1.0.i) as `npm publish` does. Returns (count done, failure or None)."""
    if deadline is None:
        deadline = time.monotonic() + SIZES["setup_budget_s"]
    for i in range(start, end):
        if time.monotonic() > deadline:
            return i, f"setup budget of {SIZES['setup_budget_s']} s exhausted after {i} publishes"
        st, _, body = h.req("PUT", f"/npm/{name}", body=npm_publish_body(port, name, f"1.0.{i}"),
                            headers={"Content-Type": "application/json", "npm-command": "publish"})
        if st == 404 and i == 0:
            return i, "nora answers 404 on PUT /npm/<name> (npm not implemented in this binary)"
        if st not in (200, 201):
            return i, f"publish 1.0.{i}: HTTP {st} {body[:120]!r}"
    return end, None


def cargo_publish(h, name, version):
    meta = {"name": name, "vers": version, "deps": [], "features": {}, "authors": ["bench"],
            "description": "nora benchmark crate", "documentation": None, "homepage": None, "readme": None,
            "readme_file": None, "keywords": [], "categories": [], "license": "MIT", "license_file": None,
            "repository": None, "badges": {}, "links": None, "rust_version": None}
    base = f"{name}-{version}"
    cargo_toml = f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\nlicense = "MIT"\n'
    crate = make_targz([(f"{base}/Cargo.toml", cargo_toml.encode()), (f"{base}/src/lib.rs", b"")])
    j = json.dumps(meta).encode()
    body = struct.pack("<I", len(j)) + j + struct.pack("<I", len(crate)) + crate
    st, _, resp = h.req("PUT", "/cargo/api/v1/crates/new", body=body)
    return st, resp


def catalog_bench(srv, n):
    """Pushes n tiny repositories (mounting one config and layer, then a manifest) and pages _catalog."""
    h = srv.http()
    cd, ld, manifest = small_image(h, "bench/base", "v1")
    h.close()
    local = threading.local()

    def push(i):
        if not hasattr(local, "h"):
            local.h = srv.http()
        repo = f"cat/r{i:07d}"
        for d in (cd, ld):
            st, _, body = local.h.req("POST", f"/v2/{repo}/blobs/uploads/?mount={d}&from=bench/base")
            _expect(st, (201,), f"mount into {repo}", body)
        st, _, body = local.h.req("PUT", f"/v2/{repo}/manifests/v1", body=manifest,
                                  headers={"Content-Type": OCI_MANIFEST})
        _expect(st, (201,), f"manifest {repo}", body)

    log(f"7: pushing {n:,} repositories to {srv.label}")
    t = time.perf_counter()
    deadline = time.monotonic() + SIZES["setup_budget_s"]
    done = 0
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        for start in range(0, n, 1000):
            if time.monotonic() > deadline:
                raise RuntimeError(f"setup budget exhausted after {done:,} repositories")
            list(ex.map(push, range(start, min(n, start + 1000))))
            done = min(n, start + 1000)
    push_rate = n / (time.perf_counter() - t)
    page = SIZES["catalog_page"]
    h = srv.http()

    def page_ms(last):
        path = f"/v2/_catalog?n={page}" + (f"&last={last}" if last else "")
        lat = []
        for _ in range(10):
            t = time.perf_counter()
            st, _, body = h.req("GET", path)
            lat.append((time.perf_counter() - t) * 1000)
            _expect(st, (200,), f"GET {path}", body)
        return median(lat)

    first = page_ms(None)
    middle = page_ms(f"cat/r{n // 2:07d}")
    last = page_ms(f"cat/r{max(0, n - page - 1):07d}")
    log(f"7: walking {srv.label}'s catalog, {page} per page")
    path = f"/v2/_catalog?n={page}"
    pages, total, complete = 0, 0, True
    t = time.perf_counter()
    while path:
        if time.perf_counter() - t > SIZES["catalog_walk_budget_s"]:
            complete = False
            break
        st, hd, body = h.req("GET", path)
        _expect(st, (200,), f"GET {path}", body)
        pages += 1
        total += len(json.loads(body).get("repositories") or [])
        link = hd.get("Link")
        m = re.match(r"\s*<([^>]+)>", link or "")
        path = loc_path(m.group(1)) if m else None
    walk = time.perf_counter() - t
    h.close()
    if complete and total < n:
        raise RuntimeError(f"catalog walk saw {total} repositories, expected ≥ {n}")
    return {"repos": n, "push_rate": push_rate, "first_ms": first, "middle_ms": middle, "last_ms": last,
            "walk_s": walk, "walk_complete": complete, "walk_budget": SIZES["catalog_walk_budget_s"],
            "pages": pages}


# ---------------------------------------------------------------- report


def machine():
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {"cores": cores, "memory": mem, "cpu": model, "kernel": platform.release(),
            "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def versions(nora_bin):
    def out(argv):
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
            return (p.stdout + p.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    pypi = os.path.join(os.path.dirname(sys.executable), "pypi-server")
    built = datetime.datetime.fromtimestamp(os.path.getmtime(nora_bin), datetime.timezone.utc)
    return {"nora": f"{out([nora_bin, '--version'])} ({nora_bin}, built {built:%Y-%m-%d %H:%M} UTC)",
            "distribution": out(["docker-registry", "--version"]),
            "nginx": out(["nginx", "-v"]), "pypiserver": out([pypi, "--version"]),
            "wrk": out(["wrk", "-v"]), "curl": out(["curl", "--version"])}


def write_report(path, info, started, finished, markdown_tables):
    sz = SIZES
    lines = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.sh` (issue 9): nora and its peers on loopback, fresh data each, the same",
        "workload at each. Figures are medians of several runs; the machines are shared and noisy, so the",
        "ratios within one run are what count. ↑ higher is better, ↓ lower is better; the ratio is always",
        "nora / peer. Targets are the issue's (for the table, not test assertions).",
        "",
        f"- Date: {started} → {finished} (UTC)",
        f"- Mode: {'full (BENCH_FULL=1)' if FULL else 'quick (default; BENCH_FULL=1 for the issue sizes)'}; "
        f"runs: {sz['runs']}; wrk: -t{sz['wrk_threads']} -c{sz['wrk_connections']} -d{sz['wrk_seconds']}s",
        f"- Machine: {info['machine']['cores']} cores ({info['machine']['cpu']}), "
        f"{info['machine']['memory']} memory, Linux {info['machine']['kernel']}; "
        f"load average at start: {info['machine']['load_at_start']}",
    ]
    load1 = float(info["machine"]["load_at_start"].split()[0])
    cores = int(info["machine"]["cores"] or 1)
    if load1 > 0.5 * cores:
        lines.append(f"- **Caveat**: the machine was busy when the run started (load {load1:.2f} on {cores} cores), "
                     "so absolute figures are noisy; compare ratios.")
    for k, v in info["versions"].items():
        lines.append(f"- {k}: {v}")
    lines += [
        f"- Command: `{info['command']}`",
        "",
        "## Results",
        "",
        markdown_tables,
        "",
        "## What each workload does",
        "",
        f"1. **Blob push/pull** — one {sz['big_blob_mib']} MiB blob and {sz['small_blobs']} blobs of "
        f"{sz['small_blob_kib']} KiB, over one keep-alive connection from a streaming Python client "
        "(http.client, 1 MiB writes and reads, nothing held in memory). *Monolithic*: `POST /v2/<repo>/blobs/uploads/`, "
        "then `PUT <location>&digest=` with the whole body. *Chunked*: `POST`, then `PATCH` chunks of "
        f"{sz['chunk_mib']} MiB with `Content-Range: <start>-<end>`, then `PUT <location>&digest=` without a body. "
        "*Single POST*: `POST …/uploads/?digest=` with the body (OCI 1.1; distribution 2.8 answers 202 and "
        "ignores the body, so it has no figure). Pulls: `GET /v2/<repo>/blobs/<digest>`; nginx serves the "
        "same bytes as static files (checked once by sha256). Concurrent pulls: "
        f"{sz['pull_concurrency']} `curl` processes at once on one {sz['pull_blob_mib']} MiB blob.",
        "2. **Manifest GET by tag** — a small OCI image manifest; `wrk --latency` with "
        "`Accept: application/vnd.oci.image.manifest.v1+json`.",
        f"3. **PyPI project page** — {sz['pypi_files']} files ({(sz['pypi_files'] + 1) // 2} versions × wheel + "
        "sdist) uploaded with the legacy multipart API (as twine) to nora (`POST /simple/`) and pypiserver "
        "(`POST /`); `GET /simple/<project>/` as HTML and as PEP 691 JSON. pypiserver has no PEP 691, so its "
        "JSON figure is its `/<project>/json` document. pypiserver runs under gunicorn with "
        f"{sz['pypiserver_workers']} gevent worker(s) and its cached-dir backend.",
        f"4. **npm packument** — {sz['npm_versions']} versions published as `npm publish` does (PUT with a "
        "base64 attachment); `GET /npm/<name>` full (`Accept: application/json`) and abbreviated "
        "(`Accept: application/vnd.npm.install-v1+json`). No npm peer on this machine.",
        "5. **Raw 1 MiB GET** — `PUT /raw/bench/1mb.bin` once; nginx serves the same file.",
        "6. **Start-up and memory** — time from spawn to the first 200 on `/health` (nora) or `/v2/` "
        f"(distribution) with fresh data, median of {sz['startup_runs']}; idle RSS 1 s after; peak RSS "
        "(VmHWM, reset through `/proc/<pid>/clear_refs` before each step, plus VmRSS sampled every 20 ms) "
        f"during a {sz['rss_upload_mib']:,} MiB monolithic blob upload and during the concurrent pulls.",
        f"7. **Growth** — one package grown to {', '.join(f'{n:,}' for n in sz['growth'])} versions; at each "
        f"size {sz['growth_samples']} sequential GETs on one connection (p50; response size in brackets). "
        f"`_catalog`: {sz['catalog_repos']:,} repositories (each: two cross-repository mounts and a manifest PUT, "
        f"8 client threads), then pages of n={sz['catalog_page']}: p50 of 10 GETs at the start, middle and end, "
        f"and a full walk following `Link` (stopped after {sz['catalog_walk_budget_s']} s).",
        "",
        "Servers: nora with `NORA_RATE_LIMIT_ENABLED=false`; access logs off everywhere "
        "(`BENCH_ACCESS_LOG=1` turns them on); distribution with filesystem storage and the in-memory blob "
        "descriptor cache (Debian's default); nginx with sendfile, `worker_processes auto`.",
        "",
        "## Exact commands",
        "",
        "```",
    ]
    lines += COMMANDS
    lines += ["```", ""]
    for name, (cfg_path, text) in CONFIGS.items():
        lines += [f"{name} configuration (`{cfg_path}`):", "", "```", text.strip(), "```", ""]
    if SKIPPED:
        lines += ["## Not measured, failures and warnings", ""] + [f"- {s}" for s in SKIPPED] + [""]
    with open(path, "w") as f:
        f.write("\n".join(lines))


# Workloads of later issues live in their own modules (bench/workloads_*.py) and run only when
# BENCH_WORKLOADS names them: 13 proxy, 14 S3 and replicas, 15 web UI. They import this module
# as `bench`, so register it under that name first (one ROWS list, not a second copy).
sys.modules.setdefault("bench", sys.modules[__name__])
import workloads_proxy  # noqa: E402
import workloads_scale  # noqa: E402
import workloads_ui  # noqa: E402
Bench.w13_proxy = workloads_proxy.w13_proxy
Bench.w14_scale = workloads_scale.w14_scale
Bench.w15_ui = workloads_ui.w15_ui


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nora", required=True, help="the nora binary")
    ap.add_argument("--out", help="write BENCHMARKS.md here")
    ap.add_argument("--json", help="write raw results here")
    ap.add_argument("--command", default="bench/run.sh", help="the command line shown in the report")
    args = ap.parse_args()

    def on_signal(signum, _frame):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # let the clean-up finish
            signal.signal(sig, signal.SIG_IGN)
        log(f"signal {signum}: stopping")
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    started = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    info = {"machine": machine(), "versions": versions(args.nora), "command": args.command, "sizes": SIZES}
    log(f"mode {'full' if FULL else 'quick'}; sizes {json.dumps(SIZES)}")
    work = tempfile.mkdtemp(prefix="nora-bench-")
    bench = Bench(work, os.path.abspath(args.nora))
    failures = []
    try:
        bench.prepare_content()
        if 6 in WORKLOADS:
            try:
                bench.w6_startup()
            except Exception as e:  # noqa: BLE001 - report and continue with the other workloads
                failures.append(f"6 start-up: {e}")
        bench.start_servers()
        steps = [(1, bench.w1_blobs), (2, bench.w2_manifest), (3, bench.w3_pypi), (4, bench.w4_npm),
                 (5, bench.w5_raw), (6, bench.w6_memory), (7, bench.w7_growth), (7, bench.w7_catalog),
                 (13, bench.w13_proxy), (14, bench.w14_scale), (15, bench.w15_ui),
                 (17, bench.w17_perf)]
        for number, step in steps:
            if number not in WORKLOADS:
                continue
            try:
                step()
            except Exception as e:  # noqa: BLE001 - report and continue with the other workloads
                log(f"{step.__name__} failed: {e}")
                failures.append(f"{step.__name__}: {str(e)[:300]}")
                bench.check_alive()
    finally:
        stop_all()
        shutil.rmtree(work, ignore_errors=True)
    finished = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")
    SKIPPED.extend(f"failed: {f}" for f in failures)
    parts = [table_markdown()]
    g = growth_markdown()
    if g:
        parts += ["", "### Growth (nora)", "", g]
    c = catalog_markdown()
    if c:
        parts += ["", "### `_catalog` paging", "", c]
    tables = "\n".join(parts)
    print(tables)
    if SKIPPED:
        print("\nNot measured, failures and warnings:\n" + "\n".join(f"- {s}" for s in SKIPPED))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump({"info": info, "rows": ROWS, "growth": GROWTH, "catalog": CATALOG, "skipped": SKIPPED,
                       "started": started, "finished": finished}, f, indent=1, default=str)
    if args.out:
        write_report(args.out, info, started, finished, tables)
        log(f"wrote {args.out}")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
