"""Helpers for the end-to-end tests: the built `nora` binary on a free loopback port, driven with curl.

`NORA_BIN` names the binary (scripts/test.sh passes it); without it the debug build
in `.build/debug/nora` is used. Every server gets its own temporary data folder,
its own working directory and HOME, and an environment with no inherited `NORA_*`
variable, so nothing here reads or writes the user's real configuration.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NORA_BIN = os.environ.get("NORA_BIN") or str(REPO / ".build" / "debug" / "nora")
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0


def _check_binary() -> None:
    if not (os.path.isfile(NORA_BIN) and os.access(NORA_BIN, os.X_OK)):
        raise RuntimeError(f"nora binary not found at {NORA_BIN!r}; run 'swift build' or set NORA_BIN")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment minus every NORA_* variable, with HOME pointed at a temp folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NORA_")}
    env["HOME"] = str(home)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        env.pop(k, None)
    if extra:
        env.update({k: str(v) for k, v in extra.items()})
    return env


def _retry_busy(start):
    """Runs `start()`, retrying while the binary is being relinked (ETXTBSY) by a concurrent build."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return start()
        except OSError as error:
            if error.errno != errno.ETXTBSY or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def run_nora(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 30.0) -> subprocess.CompletedProcess:
    """Runs the binary to completion (CLI commands, or `serve` that must refuse to start)."""
    _check_binary()
    return _retry_busy(lambda: subprocess.run([NORA_BIN, *args], env=env, cwd=str(cwd), capture_output=True,
                                              text=True, timeout=timeout, stdin=subprocess.DEVNULL))


# --------------------------------------------------------------------------------------
# curl
# --------------------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: dict[str, str]          # lower-case name -> last value
    header_list: list[tuple[str, str]]
    body: bytes
    stderr: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def __repr__(self) -> str:  # short, for assertion messages
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


def parse_header_block(raw: bytes) -> tuple[int, dict[str, str], list[tuple[str, str]]]:
    """Parses curl's `-D` dump; only the last response block counts (skips 100 Continue)."""
    text = raw.decode("latin-1").replace("\r\n", "\n")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    if not blocks:
        return 0, {}, []
    lines = blocks[-1].strip("\n").split("\n")
    m = re.match(r"HTTP/[\d.]+\s+(\d{3})", lines[0])
    status = int(m.group(1)) if m else 0
    pairs: list[tuple[str, str]] = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            pairs.append((name.strip().lower(), value.strip()))
    return status, {k: v for k, v in pairs}, pairs


def curl(url: str, method: str = "GET", *, headers: dict[str, str] | list[str] | None = None,
         data: bytes | str | None = None, data_file: str | Path | None = None, chunked: bool = False,
         user: str | None = None, bearer: str | None = None, path_as_is: bool = False,
         extra: list[str] | None = None, workdir: Path, timeout: float = 60.0) -> Response:
    """One request with curl; returns status, headers and body."""
    workdir.mkdir(parents=True, exist_ok=True)
    stamp = f"{os.getpid()}-{time.monotonic_ns()}"
    hdr_file, body_file = workdir / f"h-{stamp}", workdir / f"b-{stamp}"
    cmd = ["curl", "-s", "-S", "--noproxy", "*", "-D", str(hdr_file), "-o", str(body_file)]
    if method == "HEAD":
        cmd[cmd.index(str(body_file))] = os.devnull  # --head would write the headers as the "body"
        cmd.append("--head")
    else:
        cmd += ["-X", method]
    if path_as_is:
        cmd.append("--path-as-is")
    hlist: list[str] = []
    if isinstance(headers, dict):
        hlist = [f"{k}: {v}" for k, v in headers.items()]
    elif headers:
        hlist = list(headers)
    stdin = None
    if data is not None or data_file is not None:
        hlist.append("Expect:")  # send bodies straight away (nora would answer 100-continue anyway)
        if data_file is not None:
            source = f"@{data_file}"
        else:
            stdin = data.encode() if isinstance(data, str) else data
            source = "@-"
        if chunked:
            hlist.append("Transfer-Encoding: chunked")
            cmd += ["-T", source[1:]]
            if method != "PUT":
                cmd += ["-X", method]
        else:
            cmd += ["--data-binary", source]
        if not any(h.lower().startswith("content-type:") for h in hlist):
            hlist.append("Content-Type: application/octet-stream")
    for h in hlist:
        cmd += ["-H", h]
    if user is not None:
        cmd += ["-u", user]
    if bearer is not None:
        cmd += ["-H", f"Authorization: Bearer {bearer}"]
    cmd += extra or []
    cmd.append(url)
    proc = subprocess.run(cmd, input=stdin if stdin is not None else b"", capture_output=True, timeout=timeout)
    try:
        raw_headers = hdr_file.read_bytes() if hdr_file.exists() else b""
        body = body_file.read_bytes() if body_file.exists() else b""
    finally:
        for f in (hdr_file, body_file):
            try:
                f.unlink()
            except FileNotFoundError:
                pass
    status, hdrs, pairs = parse_header_block(raw_headers)
    if status == 0:
        raise AssertionError(f"curl got no response (exit {proc.returncode}): {proc.stderr.decode(errors='replace')}")
    return Response(status, hdrs, pairs, body, proc.stderr.decode(errors="replace"))


# --------------------------------------------------------------------------------------
# the server
# --------------------------------------------------------------------------------------

@dataclass
class Nora:
    """A running `nora serve` with its own data folder."""
    root: Path                 # temp folder owning everything of this server
    data_dir: Path             # root/data  (the storage folder's parent)
    storage: Path              # root/data/storage
    env: dict[str, str]
    port: int
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    stopped: bool = False
    expect_clean_exit: bool = True
    scratch: Path = field(init=False)

    def __post_init__(self) -> None:
        self.scratch = self.root / "curl"
        self.scratch.mkdir(parents=True, exist_ok=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def curl(self, method: str, path: str, **kw) -> Response:
        return curl(self.url(path), method, workdir=self.scratch, **kw)

    def get(self, path: str, **kw) -> Response:
        return self.curl("GET", path, **kw)

    def put(self, path: str, data: bytes | str | None = None, **kw) -> Response:
        return self.curl("PUT", path, data=data if data is not None or "data_file" in kw else b"", **kw)

    def head(self, path: str, **kw) -> Response:
        return self.curl("HEAD", path, **kw)

    def delete(self, path: str, **kw) -> Response:
        return self.curl("DELETE", path, **kw)

    def nora(self, *args: str, env: dict[str, str] | None = None, timeout: float = 30.0) -> subprocess.CompletedProcess:
        """Runs a CLI command against this server's configuration (same database)."""
        merged = dict(self.env)
        if env:
            merged.update(env)
        return run_nora(list(args), merged, self.root, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def blob_files(self) -> list[Path]:
        """Stored blobs, less the registry-id marker every store holds from its first start."""
        blobs = self.storage / "blobs"
        if not blobs.exists():
            return []
        return sorted(p for p in blobs.rglob("*") if p.is_file() and not is_registry_marker(p))

    # --- lifecycle ---

    def start(self) -> None:
        _check_binary()
        self.log_path = self.root / f"nora-{self.port}-{time.monotonic_ns()}.log"
        log = open(self.log_path, "wb")
        self.proc = _retry_busy(lambda: subprocess.Popen([NORA_BIN, "serve"], env=self.env, cwd=str(self.root),
                                                         stdout=log, stderr=subprocess.STDOUT,
                                                         stdin=subprocess.DEVNULL))
        log.close()
        self.stopped = False
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StartupFailed(self.proc.returncode, self.log())
            if _health_ok(self.port):
                return
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"nora did not answer /health within {START_TIMEOUT}s:\n{self.log()}")

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"nora did not exit within {timeout}s of SIGTERM:\n{self.log()[-4000:]}")
        self.stopped = True
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL (a crash); the exit code is not checked afterwards."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.stopped = True

    def restart(self) -> None:
        """Starts a new process on the same data folder and port (a fresh port if it is taken)."""
        if self.proc is not None and self.proc.poll() is None:
            self.terminate()
        for attempt in range(3):
            try:
                self.start()
                return
            except StartupFailed as failure:
                if "Address already in use" not in failure.log or attempt == 2:
                    raise
                self.port = free_port()
                self.env["NORA_PORT"] = str(self.port)


def is_registry_marker(path: Path) -> bool:
    """The small blob that ties a store to its database (`nora registry <id>`)."""
    return path.stat().st_size < 64 and path.read_bytes().startswith(b"nora registry ")


class StartupFailed(AssertionError):
    def __init__(self, code: int, log: str):
        super().__init__(f"nora exited with {code} during start-up:\n{log}")
        self.code = code
        self.log = log


def _health_ok(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/health")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


class NoraFactory:
    """Starts servers with a given environment; the fixture stops them all at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.servers: list[Nora] = []
        self.count = 0

    def root_for(self, name: str | None = None) -> Path:
        self.count += 1
        root = self.tmp_path / (name or f"nora{self.count}")
        root.mkdir(parents=True, exist_ok=True)
        (root / "home").mkdir(exist_ok=True)
        return root

    def env_for(self, root: Path, env: dict[str, str] | None = None) -> dict[str, str]:
        base = {
            "NORA_HOST": "127.0.0.1",
            "NORA_STORAGE_PATH": str(root / "data" / "storage"),
            "NORA_LOG_LEVEL": "info",
        }
        base.update({k: v for k, v in (env or {}).items()})
        full = clean_env(root / "home", {k: str(v) for k, v in base.items() if v is not None})
        for k, v in base.items():  # None means "leave unset" (e.g. to let config.toml decide)
            if v is None:
                full.pop(k, None)
        return full

    def __call__(self, env: dict[str, str | None] | None = None, root: Path | None = None,
                 port: int | None = None) -> Nora:
        """Starts a server. `port`: where it will listen when the port is set by config.toml
        (NORA_PORT is then left unset unless `env` gives it); otherwise a free port is chosen."""
        root = root or self.root_for()
        env = dict(env or {})
        fixed_port = "NORA_PORT" in env or port is not None
        full_env = self.env_for(root, env)
        last: Exception | None = None
        for _ in range(3):
            if "NORA_PORT" in env and env["NORA_PORT"] is not None:
                listen = int(env["NORA_PORT"])
            elif port is not None:
                listen = port
            else:
                listen = free_port()
                full_env["NORA_PORT"] = str(listen)
            storage = Path(full_env.get("NORA_STORAGE_PATH", root / "data" / "storage"))
            if not storage.is_absolute():
                storage = root / storage
            server = Nora(root=root, data_dir=storage.parent, storage=storage, env=full_env, port=listen)
            try:
                server.start()
            except StartupFailed as failure:
                last = failure
                if "Address already in use" in failure.log and not fixed_port:
                    continue
                raise
            self.servers.append(server)
            return server
        raise last  # type: ignore[misc]

    def stop_all(self) -> list[str]:
        problems = []
        for server in self.servers:
            if server.stopped or server.proc is None:
                continue
            try:
                code = server.terminate()
            except AssertionError as hung:  # keep stopping the others
                problems.append(str(hung))
                continue
            if server.expect_clean_exit and code != 0:
                problems.append(f"nora on port {server.port} exited with {code} after SIGTERM:\n{server.log()[-4000:]}")
        return problems


def make_htpasswd(path: Path, users: dict[str, str]) -> Path:
    """bcrypt entries made with the real `htpasswd -B`."""
    first = True
    for user, password in users.items():
        args = ["htpasswd", "-B", "-b"] + (["-c"] if first else []) + [str(path), user, password]
        subprocess.run(args, check=True, capture_output=True)
        first = False
    return path


def snapshot(folder: Path, exclude: tuple[Path, ...] = ()) -> set[str]:
    """Every path under `folder` (files and folders), relative, minus the `exclude` trees."""
    found = set()
    for p in folder.rglob("*"):
        if any(p == e or e in p.parents for e in exclude):
            continue
        found.add(str(p.relative_to(folder)))
    return found


def metric_value(text: str, name: str, labels: dict[str, str] | None = None) -> float:
    """Sum of the samples of `name` whose labels include `labels` (0 when absent)."""
    total = 0.0
    pattern = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)")
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = pattern.match(line)
        if not m or m.group(1) != name:
            continue
        got = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(got.get(k) == v for k, v in (labels or {}).items()):
            total += float(m.group(4))
    return total
