"""Helpers shared by the workloads of issues 13, 14 and 15 (bench/workloads_*.py).

They use bench.py's servers, client and result rows: bench.py registers itself as the module
`bench` before importing the workload modules, so `import bench` here is that very module
(one ROWS list, one COMMANDS list), not a second copy.
"""

import concurrent.futures
import hashlib
import http.client
import os
import sys
import threading
import time

import bench as B

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
E2E = os.path.join(ROOT, "tests", "e2e")
if E2E not in sys.path:  # the throwaway PostgreSQL and S3 servers of the e2e tests
    sys.path.append(E2E)

MiB = B.MiB


class NoraWith(B.Nora):
    """nora with extra NORA_* settings; `storage` shares one blob folder between replicas."""

    def __init__(self, work, label, env=None, storage=None):
        super().__init__(work, label=label)
        self.extra = dict(env or {})
        self.storage = storage

    def argv_env(self):
        argv, env, cwd = super().argv_env()
        if self.storage:
            env["NORA_STORAGE_PATH"] = self.storage
        env.update(self.extra)
        return argv, env, cwd


def load():
    """The 1-minute load average now (the machine is shared: every row records it)."""
    return os.getloadavg()[0]


class Loads:
    """Load averages seen at the start of each measured run, per row."""

    def __init__(self):
        self.seen = {}

    def note(self, key):
        self.seen.setdefault(key, []).append(load())

    def text(self, *keys):
        values = [v for k in keys for v in self.seen.get(k, [])]
        if not values:
            return ""
        return "load average (1 min) at the runs' start: " + ", ".join(f"{v:.1f}" for v in values)


def start_proc_server(srv):
    """Starts a bench.Server and logs where it listens."""
    srv.start()
    B.log(f"{srv.label} on :{srv.port} (pid {srv.proc.pid})")
    return srv


def stop_server(srv, remove=True):
    if srv is None:
        return
    srv.stop()
    if remove:
        import shutil
        shutil.rmtree(srv.dir, ignore_errors=True)


def timed_download(port, path, hasher=None, headers=None, timeout=900):
    """GET path on a new connection. Returns (status, bytes, time to first body byte s, total s)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, blocksize=MiB)
    t0 = time.perf_counter()
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    first = r.read1(64 * 1024)
    ttfb = time.perf_counter() - t0
    n = len(first)
    if hasher:
        hasher.update(first)
    buf = bytearray(MiB)
    view = memoryview(buf)
    while True:
        k = r.readinto(view)
        if not k:
            break
        n += k
        if hasher:
            hasher.update(view[:k])
    total = time.perf_counter() - t0
    c.close()
    return r.status, n, ttfb, total


def sha256_download(port, path):
    h = hashlib.sha256()
    st, n, _, _ = timed_download(port, path, hasher=h)
    return st, n, "sha256:" + h.hexdigest()


def parallel(n_clients, items, one):
    """Runs one(item, client_index) for every item from n_clients threads; returns (done, seconds, errors)."""
    lock = threading.Lock()
    it = iter(items)
    errors = []
    done = [0]

    def worker(i):
        while True:
            with lock:
                try:
                    item = next(it)
                except StopIteration:
                    return
            try:
                one(item, i)
                with lock:
                    done[0] += 1
            except Exception as e:  # noqa: BLE001 - counted and reported, the run goes on
                with lock:
                    errors.append(str(e)[:200])

    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n_clients) as ex:
        list(ex.map(worker, range(n_clients)))
    return done[0], time.perf_counter() - t, errors


class MemoryGuard:
    """Stops `proc_stopper` when the machine's available memory drops below `floor_mib`:
    moto keeps a whole object in memory while completing a multipart upload or answering a
    GET, and the machine is shared with other people's builds."""

    def __init__(self, floor_mib, proc_stopper, what, rss=None):
        self.floor = floor_mib
        self.rss = rss  # () -> MiB of the watched server, sampled for its peak
        self.peak_rss = None
        self.stopper = proc_stopper
        self.what = what
        self.tripped = False
        self.lowest = None
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._watch, daemon=True)

    @staticmethod
    def available_mib():
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
        return None

    def _watch(self):
        while not self.stop.wait(0.2):
            v = self.rss() if self.rss else None
            if v:
                self.peak_rss = max(self.peak_rss or 0, v)
            avail = self.available_mib()
            if avail is None:
                continue
            self.lowest = avail if self.lowest is None else min(self.lowest, avail)
            if avail < self.floor and not self.tripped:
                self.tripped = True
                B.log(f"memory guard: {avail:.0f} MiB available < {self.floor} MiB: stopping {self.what}")
                self.stopper()

    def __enter__(self):
        self.t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.t.join()
        return False


def remember_pid(pid):
    """Lets run.sh's safety net stop a server started outside bench.Proc (moto, PostgreSQL's runuser)."""
    if B.Proc.PIDFILE:
        with open(B.Proc.PIDFILE, "a") as f:
            f.write(f"{pid}\n")
