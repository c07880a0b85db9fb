"""Crash safety under fire: a workload of every format's publishes (raw, npm, PyPI, Cargo, Go,
Maven, OCI chunked uploads and manifests), deletes and garbage collection runs while the server is
killed with SIGKILL at random instants, then restarted. After every restart:

- every publish that was acknowledged is served, byte for byte, and every acknowledged delete stays
  deleted;
- a publish that was in flight when the server died is either wholly there or not there at all;
- `nora verify` finds no row without its blob, no truncated and no corrupt blob (every few rounds
  and at the end).

Seeded and reproducible: NORA_CRASH_SEED (default 4212) and NORA_CRASH_KILLS (default 100; CI's
bounded mode). A long run: `NORA_CRASH_KILLS=2000 NORA_CRASH_SEED=$RANDOM pytest tests/e2e/test_crash_harness.py`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import random
import struct
import subprocess
import tarfile
import threading
import time
import zipfile

import requests

from cargo_support import crate_tarball  # any gzip tar of given files
from go_support import escape
from nora_e2e import NORA_BIN

SEED = int(os.environ.get("NORA_CRASH_SEED", "4212"))
KILLS = int(os.environ.get("NORA_CRASH_KILLS", "100"))
NO_PROXY = {"http": None, "https": None}


def npm_tarball(name: str, version: str, filler: bytes) -> bytes:
    manifest = json.dumps({"name": name, "version": version}).encode()
    return crate_tarball({"package/package.json": manifest, "package/blob.bin": filler})


def crate_file(name: str, version: str, filler: bytes) -> bytes:
    return crate_tarball({f"{name}-{version}/Cargo.toml": b"[package]\n", f"{name}-{version}/src/lib.rs": filler})


def go_zip(module: str, version: str, filler: bytes) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{module}@{version}/go.mod", f"module {module}\n")
        z.writestr(f"{module}@{version}/data.go", b"package crash\n// " + base64.b64encode(filler) + b"\n")
    return raw.getvalue()


def wheel(name: str, version: str, filler: bytes) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as z:
        z.writestr(f"{name}-{version}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\n")
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
        z.writestr(f"{name}/data.bin", filler)
    return raw.getvalue()


class Workload:
    """Publishes and deletes with one HTTP session; records what the server acknowledged."""

    def __init__(self, base: str, rng: random.Random):
        self.base = base
        self.rng = rng
        self.counter = 0
        # path → expected bytes (None: acknowledged as deleted)
        self.acked: dict[str, bytes | None] = {}
        # path → what a request that got no answer (in flight at the kill) would have made it
        self.unacked: dict[str, bytes | None] = {}
        self.in_flight_total = 0
        # manifest path → (its layer's blob path, the layer's bytes)
        self.layers: dict[str, tuple[str, bytes]] = {}

    def filler(self) -> bytes:
        size = self.rng.choice([100, 5_000, 200_000, 1_500_000])
        return self.rng.randbytes(size)

    def run(self, stop: threading.Event) -> None:
        session = requests.Session()
        session.trust_env = False
        while not stop.is_set():
            self.counter += 1
            op = self.rng.choice([self.raw, self.raw, self.raw_delete, self.npm, self.pypi, self.cargo, self.go,
                                  self.maven, self.oci])
            try:
                op(session, self.counter)
            except requests.RequestException:
                return  # the server is gone: what was in flight stays unacknowledged

    def attempt(self, path: str, data: bytes, send) -> None:
        self.unacked[path] = data
        response = send()
        if response.status_code in (200, 201):
            self.acked[path] = data
            del self.unacked[path]
        else:
            raise AssertionError(f"{path}: {response.status_code} {response.text[:300]}")

    def raw(self, s, n):
        data = self.filler()
        path = f"/raw/crash/{n % 40}.bin"  # paths are reused: replacements too
        self.attempt(path, data, lambda: s.put(self.base + path, data=data, timeout=60))

    def raw_delete(self, s, n):
        candidates = [p for p, v in self.acked.items() if p.startswith("/raw/") and v is not None]
        if not candidates:
            return
        path = self.rng.choice(sorted(candidates))
        self.unacked[path] = None
        response = s.delete(self.base + path, timeout=60)
        if response.status_code in (200, 204):
            self.acked[path] = None
            del self.unacked[path]

    def npm(self, s, n):
        version = f"1.0.{n}"
        data = npm_tarball("crash-npm", version, self.filler())
        body = {"_id": "crash-npm", "name": "crash-npm", "dist-tags": {"latest": version},
                "versions": {version: {"name": "crash-npm", "version": version, "dist": {
                    "shasum": hashlib.sha1(data).hexdigest(),
                    "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode(),
                    "tarball": f"http://ignored/crash-npm/-/crash-npm-{version}.tgz"}}},
                "_attachments": {f"crash-npm-{version}.tgz": {"content_type": "application/octet-stream",
                                                               "data": base64.b64encode(data).decode(), "length": len(data)}}}
        path = f"/npm/crash-npm/-/crash-npm-{version}.tgz"
        self.attempt(path, data, lambda: s.put(self.base + "/npm/crash-npm", json=body, timeout=60))

    def pypi(self, s, n):
        version = f"1.0.{n}"
        filename = f"crashpkg-{version}-py3-none-any.whl"
        data = wheel("crashpkg", version, self.filler())
        form = {":action": "file_upload", "protocol_version": "1", "name": "crashpkg", "version": version,
                "filetype": "bdist_wheel", "pyversion": "py3", "sha256_digest": hashlib.sha256(data).hexdigest()}
        self.attempt(f"pypi:{filename}", data, lambda: s.post(self.base + "/simple/", data=form, timeout=60,
                                                               files={"content": (filename, data, "application/octet-stream")}))

    def cargo(self, s, n):
        version = f"1.0.{n}"
        data = crate_file("crashcrate", version, self.filler())
        meta = json.dumps({"name": "crashcrate", "vers": version, "deps": [], "features": {}, "authors": [],
                           "description": "crash test", "license": "MIT"}).encode()
        body = struct.pack("<I", len(meta)) + meta + struct.pack("<I", len(data)) + data
        path = f"/cargo/api/v1/crates/crashcrate/{version}/download"
        self.attempt(path, data, lambda: s.put(self.base + "/cargo/api/v1/crates/new", data=body,
                                               headers={"Authorization": "unused"}, timeout=60))

    def go(self, s, n):
        module, version = "example.com/crash", f"v1.0.{n}"
        data = go_zip(module, version, self.filler())
        path = f"/go/{escape(module)}/@v/{version}.zip"
        self.attempt(path, data, lambda: s.put(self.base + path, data=data, timeout=60))

    def maven(self, s, n):
        data = self.filler()
        path = f"/maven2/org/crash/lib/1.{n}/lib-1.{n}.jar"
        self.attempt(path, data, lambda: s.put(self.base + path, data=data, timeout=60))

    def oci(self, s, n):
        # A blob no manifest uses yet is garbage once older than the grace period (an abandoned
        # push), so blobs are checked through the manifests that name them.
        layer = self.filler()
        digest = "sha256:" + hashlib.sha256(layer).hexdigest()
        start = s.post(self.base + "/v2/crash/app/blobs/uploads/", timeout=60)
        assert start.status_code == 202, start.text
        location = start.headers["Location"]
        half = len(layer) // 2
        patch = s.patch(self.base + location, data=layer[:half], timeout=60,
                        headers={"Content-Type": "application/octet-stream", "Content-Range": f"0-{max(half - 1, 0)}"})
        assert patch.status_code == 202, patch.text
        location = patch.headers["Location"]
        sep = "&" if "?" in location else "?"
        done = s.put(f"{self.base}{location}{sep}digest={digest}", data=layer[half:], timeout=60)
        assert done.status_code == 201, done.text
        config = b"{}"
        s.post(f"{self.base}/v2/crash/app/blobs/uploads/?digest=sha256:{hashlib.sha256(config).hexdigest()}", data=config, timeout=60)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest, "size": len(layer)}],
        }).encode()
        path = f"/v2/crash/app/manifests/t{n}"
        self.layers[path] = (f"/v2/crash/app/blobs/{digest}", layer)
        self.attempt(path, manifest, lambda: s.put(self.base + path, data=manifest, timeout=60,
                                                   headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"}))


def fetch(base: str, path: str) -> tuple[int, bytes]:
    if path.startswith("pypi:"):
        filename = path[len("pypi:"):]
        page = requests.get(f"{base}/simple/crashpkg/", headers={"Accept": "application/vnd.pypi.simple.v1+json"},
                            timeout=60, proxies=NO_PROXY)
        if page.status_code == 404:
            return 404, b""
        files = [f for f in page.json()["files"] if f["filename"] == filename]
        if not files:
            return 404, b""
        url = files[0]["url"]
        url = url if url.startswith("http") else requests.compat.urljoin(f"{base}/simple/crashpkg/", url)
        r = requests.get(url.split("#")[0], timeout=60, proxies=NO_PROXY)
        return r.status_code, r.content
    headers = {"Accept": "application/vnd.oci.image.manifest.v1+json"} if "/manifests/" in path else {}
    r = requests.get(base + path, timeout=60, headers=headers, proxies=NO_PROXY)
    return r.status_code, r.content


def check_state(server, work: Workload, paths: list[str]) -> None:
    """Each path is in a state some acknowledged or in-flight request left it in: the last
    acknowledged one, or (for a request in flight at the kill) that request's, whole. What was in
    flight is then settled: the state seen is durable from here on."""
    for path in dict.fromkeys(paths):
        status, body = fetch(server.base, path)
        allowed = [work.acked.get(path)]  # None: deleted, or never acknowledged
        if path in work.unacked:
            allowed.append(work.unacked[path])
        seen = None if status == 404 else body
        assert status in (200, 404), f"{path}: answers {status}"
        assert seen in allowed, (f"{path}: now {status} with {len(body)} bytes; allowed: "
                                 + ", ".join("absent" if a is None else f"{len(a)} bytes" for a in allowed))
        if path in work.unacked:
            work.in_flight_total += 1
            del work.unacked[path]
            work.acked[path] = seen
        if seen is not None and path in work.layers:
            layer_path, layer = work.layers[path]
            status, body = fetch(server.base, layer_path)
            assert status == 200 and body == layer, f"{layer_path} of {path}: {status} with {len(body)} of {len(layer)} bytes"


def verify_clean(server) -> None:
    result = server.nora("verify", "--grace", "0", timeout=300)
    assert result.returncode == 0, f"nora verify after a kill:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def test_sigkill_at_random_instants_loses_no_acknowledged_publish(nora):
    rng = random.Random(SEED)
    work = Workload(nora.base, rng)
    gc_runs = 0
    for kill in range(KILLS):
        stop = threading.Event()
        worker = threading.Thread(target=work.run, args=(stop,), daemon=True)
        worker.start()
        gc = None
        if kill % 10 == 5:  # collect garbage now and then, while publishes go on
            gc = subprocess.Popen([NORA_BIN, "gc", "--grace", "30s"], env=nora.env, cwd=str(nora.root),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            gc_runs += 1
        time.sleep(rng.uniform(0.02, 0.6))
        nora.kill()
        stop.set()
        worker.join(timeout=120)
        assert not worker.is_alive(), "the workload did not notice the kill"
        if gc is not None:
            gc.wait(timeout=120)
        nora.restart()
        check_state(nora, work, list(work.acked)[-12:] + list(work.unacked))
        if kill % 20 == 19:
            verify_clean(nora)
    check_state(nora, work, list(work.acked) + list(work.unacked))
    verify_clean(nora)
    acknowledged = sum(1 for v in work.acked.values() if v is not None)
    assert acknowledged >= KILLS // 2, f"only {acknowledged} publishes were acknowledged in {KILLS} rounds"
    print(f"{KILLS} kills, {acknowledged} acknowledged publishes kept, {work.in_flight_total} in flight at kills, "
          f"{gc_runs} gc runs (seed {SEED})")
