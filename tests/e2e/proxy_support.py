"""Helpers for the pull-through proxy tests: a chain upstream → fresh nora proxy, a small
fake upstream for misbehaving registries, and request counting in nora's access log."""

from __future__ import annotations

import http.server
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from nora_e2e import Nora


def proxy_env(**settings: str) -> dict[str, str]:
    """Environment for a proxy nora: online, with the given NORA_* proxy settings."""
    env = {"NORA_OFFLINE": "false"}
    env.update(settings)
    return env


def upstream_gets(server: Nora, path: str) -> int:
    """How many GET requests for exactly `path` the server's access log holds."""
    pattern = re.compile(r"method=GET\b.*\bpath=" + re.escape(path) + r"(\s|$)")
    return sum(1 for line in server.log().splitlines() if pattern.search(line))


def blob_bytes(server: Nora) -> set[bytes]:
    """The contents of every blob the server stored."""
    return {p.read_bytes() for p in server.blob_files()}


@dataclass
class GatedBody:
    """A body whose first half is sent at once and the rest only once `gate` is set: while it
    waits, a client of a streaming proxy must already hold some of the bytes."""
    data: bytes
    gate: threading.Event = field(default_factory=threading.Event)


@dataclass
class FakeUpstream:
    """A tiny HTTP server on a free loopback port: `routes` maps a path to (status, headers, body)
    or to a callable returning that; every request path is counted in `hits`."""
    routes: dict[str, object]
    hits: dict[str, int] = field(default_factory=dict)
    server: http.server.ThreadingHTTPServer | None = None

    def __enter__(self) -> "FakeUpstream":
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                owner.hits[self.path] = owner.hits.get(self.path, 0) + 1
                route = owner.routes.get(self.path)
                if callable(route):
                    route = route(self)
                status, headers, body = route if route else (404, {"Content-Type": "application/json"}, b'{"error":"not found"}')
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                gated = body if isinstance(body, GatedBody) else None
                if gated:
                    body = gated.data
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if gated:
                    half = len(body) // 2
                    self.wfile.write(body[:half])
                    self.wfile.flush()
                    gated.gate.wait(60)
                    body = body[half:]
                self.wfile.write(body)

            def log_message(self, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def wait_until(check: Callable[[], bool], timeout: float = 30.0, step: float = 0.25) -> bool:
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


def write_file(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
