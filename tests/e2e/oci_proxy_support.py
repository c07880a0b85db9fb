"""Upstreams for the OCI pull-through tests (tests/e2e/test_oci_proxy*.py).

- `distribution(tmp_path)`: CNCF distribution (`docker-registry`, Debian package) on a free
  loopback port, logging every request (debug level) so tests can count upstream fetches.
- `FakeRegistry`: a tiny threaded HTTP server speaking just enough of the distribution API to
  misbehave on purpose (wrong blob bytes, CDN redirects), recording every request it sees.
- `proxy_nora(nora_factory, upstreams, **env)`: nora with `NORA_DOCKER_PROXIES` set.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from oci_support import OCI_ENV, Registry, nora_registry, start_reference_registry


def distribution(root) -> Registry:
    """A started CNCF distribution; stop it with `stop_distribution`."""
    return start_reference_registry(root)


def stop_distribution(reg: Registry) -> None:
    if reg.proc is not None and reg.proc.poll() is None:
        reg.proc.terminate()
        reg.proc.wait(timeout=15)


def upstream_requests(reg: Registry, method: str, path_part: str) -> int:
    """How many `method` requests whose path contains `path_part` distribution answered (its access log)."""
    pattern = re.compile(r'"' + re.escape(method) + r' (\S+) HTTP/1\.1"')
    return sum(1 for line in reg.log().splitlines() for m in pattern.finditer(line) if path_part in m.group(1))


def proxy_nora(nora_factory, upstreams: str, **env: str) -> Registry:
    """nora proxying `upstreams` (NORA_DOCKER_PROXIES syntax: `url|auth|prefix,…`)."""
    full = {"NORA_DOCKER_PROXIES": upstreams, "NORA_OFFLINE": "false"}
    full.update(env)
    return nora_registry(nora_factory, full)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeRegistry:
    """Serves `manifests` (name, ref) → (media type, bytes) and `blobs` digest → bytes.

    `lie_about` holds digests whose blob is served with different bytes; `cdn` (another
    FakeRegistry, so another origin) makes blob GETs answer 307 to `<cdn>/cdn/<digest>`,
    which that server answers only without Authorization; `token` turns on a Bearer
    challenge whose realm is `/token` here.
    """
    manifests: dict[tuple[str, str], tuple[str, bytes]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    lie_about: set[str] = field(default_factory=set)
    cdn: "FakeRegistry | None" = None
    token: str | None = None
    # blobs sent in two halves with a pause until `gate` is set (streaming tests)
    gated: set[str] = field(default_factory=set)
    gate: threading.Event = field(default_factory=threading.Event)
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        return self.server.server_address[1]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str, path_part: str) -> int:
        return sum(1 for s in self.seen if s.method == method and path_part in s.path)

    def start(self) -> "FakeRegistry":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def error(self, status: int, code: str) -> None:
                self.reply(status, json.dumps({"errors": [{"code": code, "message": code}]}).encode(),
                           {"Content-Type": "application/json"})

            def authorized(self) -> bool:
                if fake.token is None:
                    return True
                if self.headers.get("Authorization") == f"Bearer {fake.token}":
                    return True
                self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"x"}]}', {
                    "Content-Type": "application/json",
                    "WWW-Authenticate": f'Bearer realm="{fake.base}/token",service="fake"'})
                return False

            def handle_any(self) -> None:
                fake.seen.append(Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                path = self.path.split("?", 1)[0]
                if path.startswith("/token"):
                    return self.reply(200, json.dumps({"token": fake.token, "expires_in": 300}).encode(),
                                      {"Content-Type": "application/json"})
                if path.startswith("/cdn/"):
                    if "Authorization" in self.headers:
                        return self.error(400, "AUTHORIZATION_LEAKED_TO_CDN")
                    digest = path[len("/cdn/"):]
                    return self.send_blob(digest)
                if path in ("/v2/", "/v2"):
                    return self.reply(200, b"{}", {"Content-Type": "application/json"}) if self.authorized() else None
                if not self.authorized():
                    return
                m = re.match(r"^/v2/(.+)/(manifests|blobs)/([^/]+)$", path)
                if not m:
                    return self.error(404, "NAME_UNKNOWN")
                name, kind, ref = m.groups()
                if kind == "manifests":
                    found = fake.manifests.get((name, ref))
                    if found is None:
                        found = next((v for (n, _), v in fake.manifests.items()
                                      if n == name and "sha256:" + hashlib.sha256(v[1]).hexdigest() == ref), None)
                    if found is None:
                        return self.error(404, "MANIFEST_UNKNOWN")
                    media_type, body = found
                    return self.reply(200, body, {"Content-Type": media_type,
                                                  "Docker-Content-Digest": "sha256:" + hashlib.sha256(body).hexdigest()})
                if ref not in fake.blobs:
                    return self.error(404, "BLOB_UNKNOWN")
                if fake.cdn is not None and self.command == "GET":
                    fake.cdn.blobs[ref] = fake.blobs[ref]
                    return self.reply(307, b"", {"Location": f"{fake.cdn.base}/cdn/{ref}"})
                return self.send_blob(ref)

            def send_blob(self, digest: str) -> None:
                data = fake.blobs.get(digest)
                if data is None:
                    return self.error(404, "BLOB_UNKNOWN")
                if digest in fake.lie_about:
                    data = bytes(b ^ 0xFF for b in data)
                headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}
                if digest not in fake.gated or self.command == "HEAD":
                    return self.reply(200, data, headers)
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                half = len(data) // 2
                self.wfile.write(data[:half])
                self.wfile.flush()
                fake.gate.wait(timeout=120)
                self.wfile.write(data[half:])

            do_GET = handle_any
            do_HEAD = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def sha256_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


__all__ = ["distribution", "stop_distribution", "upstream_requests", "proxy_nora", "FakeRegistry", "sha256_of",
           "OCI_ENV"]
