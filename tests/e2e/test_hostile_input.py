"""Hostile input against the built binary: deeply nested JSON, header floods, slow and stalled
requests (slowloris), archive bombs and links in archives. Every case must end quickly with
the protocol's error shape (or a closed connection), store nothing, and leave the server
serving everyone else. (Cargo/Go path traversal, Go zip totals and PyPI bad archives have
their own tests in test_cargo_errors.py, test_go_modules.py and test_pypi_errors.py.)
"""

from __future__ import annotations

import gzip
import io
import json
import socket
import tarfile
import threading
import time
import zipfile

import pytest

from cargo_support import crate_tarball, minimal_metadata, publish_body
from pypi_support import post_upload, upload_area_files

# Deeper than any decoder's recursion limit, small enough to send in a blink.
DEPTH = 200_000


def health_ok(nora, timeout: float = 10.0) -> bool:
    """/health answers within `timeout` (another client is not held up by the hostile one)."""
    with socket.create_connection(("127.0.0.1", nora.port), timeout=timeout) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        return recv_all(s, timeout).startswith(b"HTTP/1.1 200")


def recv_all(s: socket.socket, timeout: float) -> bytes:
    """Everything until the peer closes (or `timeout` passes)."""
    s.settimeout(timeout)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def closed_by_server(s: socket.socket, within: float) -> float | None:
    """Seconds until the server closes `s` (reading and discarding what it sends), None if it stays open."""
    started = time.monotonic()
    s.settimeout(within)
    try:
        while True:
            if not s.recv(65536):
                return time.monotonic() - started
    except ConnectionResetError:
        return time.monotonic() - started
    except socket.timeout:
        return None


def peak_rss_mib(nora) -> float:
    """The server's peak resident memory so far (VmHWM), in MiB."""
    for line in open(f"/proc/{nora.proc.pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


# What a hostile request may add to the server's peak memory: far below what it would cost
# to honour it (a bomb inflates to 64 MiB; a 200 000-deep document would nest as deep).
MEMORY_BUDGET_MIB = 32


def assert_nothing_stored(nora):
    assert nora.blob_files() == [], nora.blob_files()
    assert upload_area_files(nora) == []


# --------------------------------------------------------------------------------------
# Deeply nested JSON
# --------------------------------------------------------------------------------------

def nested(depth: int, open_: str, close: str, core: str = "1") -> bytes:
    return (open_ * depth + core + close * depth).encode()


@pytest.mark.parametrize("shape", ["array", "object"])
def test_deeply_nested_npm_publish_is_refused(nora, shape):
    body = (nested(DEPTH, "[", "]") if shape == "array"
            else b'{"name":"demo","versions":' + nested(DEPTH, '{"a":', "}") + b"}")
    started, memory = time.monotonic(), peak_rss_mib(nora)
    r = nora.put("/npm/demo", body, headers={"Content-Type": "application/json"})
    assert time.monotonic() - started < 30
    assert peak_rss_mib(nora) - memory < MEMORY_BUDGET_MIB
    assert r.status == 400 and "error" in r.json(), r
    assert nora.get("/npm/demo").status == 404
    assert_nothing_stored(nora)
    assert health_ok(nora)


def test_deeply_nested_oci_manifest_is_refused(nora):
    body = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":' \
        + nested(DEPTH, '{"a":', "}", '"x"') + b"}"
    memory = peak_rss_mib(nora)
    r = nora.put("/v2/demo/manifests/v1", body, headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert r.status == 400, r
    assert peak_rss_mib(nora) - memory < MEMORY_BUDGET_MIB
    assert r.json()["errors"][0]["code"] == "MANIFEST_INVALID", r
    assert nora.get("/v2/demo/manifests/v1").status == 404
    assert_nothing_stored(nora)


def test_deeply_nested_cargo_metadata_is_refused(nora):
    crate = crate_tarball({"deep-1.0.0/Cargo.toml": b"[package]\n"})
    meta = json.dumps(minimal_metadata("deep", "1.0.0")).encode()[:-1] + b',"badges":' + nested(DEPTH, "[", "]") + b"}"
    r = nora.put("/cargo/api/v1/crates/new", publish_body(meta, crate))
    assert r.status in (400, 413), r
    assert r.json()["errors"][0]["detail"], r
    assert_nothing_stored(nora)


# --------------------------------------------------------------------------------------
# Header floods
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    "".join(f"X-Flood-{i}: {i}\r\n" for i in range(5000)),     # many headers
    "X-Big: " + "a" * 200_000 + "\r\n",                        # one huge header
])
def test_header_floods_are_refused_and_the_server_keeps_serving(nora, headers):
    with socket.create_connection(("127.0.0.1", nora.port), timeout=30) as s:
        try:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n" + headers.encode() + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading and closed: a refusal too
        answer = recv_all(s, 30)
    # A 4xx (431 or 400) or a closed connection, never a 200 or a hang.
    assert answer == b"" or answer.split(b" ", 2)[1][:1] == b"4", answer[:200]
    assert health_ok(nora)


# --------------------------------------------------------------------------------------
# Slowloris: stalled headers and bodies are cut off; trickling ones still work
# --------------------------------------------------------------------------------------

IDLE = 3  # NORA_IDLE_TIMEOUT for these tests (seconds)


@pytest.fixture
def idle_nora(nora_factory):
    return nora_factory({"NORA_IDLE_TIMEOUT": str(IDLE)})


def test_stalled_headers_are_closed_after_the_idle_timeout(idle_nora):
    with socket.create_connection(("127.0.0.1", idle_nora.port), timeout=30) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        closed = closed_by_server(s, within=IDLE + 30)
    assert closed is not None and closed >= IDLE - 0.5, closed


def test_stalled_body_is_closed_and_nothing_is_stored(idle_nora):
    with socket.create_connection(("127.0.0.1", idle_nora.port), timeout=30) as s:
        s.sendall(b"PUT /raw/slow/file.bin HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
        closed = closed_by_server(s, within=IDLE + 30)
    assert closed is not None, "a stalled upload kept its connection"
    assert idle_nora.get("/raw/slow/file.bin").status == 404
    time.sleep(0.5)  # the handler cleans its upload area when the body fails
    assert_nothing_stored(idle_nora)


def test_trickled_body_within_the_idle_timeout_is_accepted(idle_nora):
    """The timeout is for silence, not for slowness: a body sent in pieces 1 s apart still lands."""
    pieces = [b"piece-%d\n" % i for i in range(5)]
    with socket.create_connection(("127.0.0.1", idle_nora.port), timeout=30) as s:
        s.sendall(b"PUT /raw/slow/trickle.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  b"Content-Length: %d\r\n\r\n" % sum(map(len, pieces)))
        for piece in pieces:
            time.sleep(1)
            s.sendall(piece)
        answer = recv_all(s, 30)
    assert answer.startswith(b"HTTP/1.1 201"), answer[:300]
    assert idle_nora.get("/raw/slow/trickle.txt").body == b"".join(pieces)


def test_many_slow_connections_do_not_starve_other_clients(idle_nora):
    sockets = []
    try:
        for i in range(200):
            s = socket.create_connection(("127.0.0.1", idle_nora.port), timeout=30)
            s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow-%d: " % i)
            sockets.append(s)
        started = time.monotonic()
        for _ in range(5):
            assert health_ok(idle_nora, timeout=10)
        assert time.monotonic() - started < 20
        # And every one of them is cut off by the idle timeout, not kept forever.
        results: list[float | None] = [None] * len(sockets)

        def watch(k: int) -> None:
            results[k] = closed_by_server(sockets[k], within=IDLE + 60)

        threads = [threading.Thread(target=watch, args=(k,)) for k in range(len(sockets))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(r is not None for r in results), sum(r is None for r in results)
    finally:
        for s in sockets:
            s.close()
    assert health_ok(idle_nora)


# --------------------------------------------------------------------------------------
# Archive bombs and links
# --------------------------------------------------------------------------------------

def zip_with(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return buf.getvalue()


def pypi_fields(content: bytes, **extra) -> dict[str, str]:
    import hashlib
    form = {"name": "bomb", "version": "1.0", "filetype": "bdist_wheel", "pyversion": "py3",
            "metadata_version": "2.1", "sha256_digest": hashlib.sha256(content).hexdigest()}
    form.update(extra)
    return form


def test_wheel_zip_bomb_is_refused_quickly(nora):
    # METADATA inflates to 64 MiB from ~64 KiB: over the 16 MiB the server ever reads of it.
    header = b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n\n"
    wheel = zip_with({"bomb-1.0.dist-info/METADATA": header + b"\0" * (64 << 20),
                      "bomb-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\n"})
    assert len(wheel) < 200_000
    started, memory = time.monotonic(), peak_rss_mib(nora)
    r = post_upload(nora.base, "bomb-1.0-py3-none-any.whl", wheel, pypi_fields(wheel))
    assert time.monotonic() - started < 60
    assert peak_rss_mib(nora) - memory < MEMORY_BUDGET_MIB
    assert r.status_code == 400, (r.status_code, r.text)
    assert_nothing_stored(nora)
    assert health_ok(nora)


def test_sdist_gzip_bomb_is_refused_quickly(nora):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("bomb-1.0/PKG-INFO")
        info.size = 64 << 20
        tar.addfile(info, io.BytesIO(b"Metadata-Version: 2.1\nName: bomb\nVersion: 1.0\n\n".ljust(64 << 20, b"\0")))
    sdist = gzip.compress(raw.getvalue(), compresslevel=9)
    assert len(sdist) < 200_000
    started, memory = time.monotonic(), peak_rss_mib(nora)
    r = post_upload(nora.base, "bomb-1.0.tar.gz", sdist, pypi_fields(sdist, filetype="sdist", pyversion="source"))
    assert time.monotonic() - started < 60
    assert peak_rss_mib(nora) - memory < MEMORY_BUDGET_MIB
    assert r.status_code == 400, (r.status_code, r.text)
    assert_nothing_stored(nora)


def lying_zip(module: str, version: str, real_size: int, declared_size: int) -> bytes:
    """A module zip whose big file's headers declare `declared_size` uncompressed bytes."""
    data = zip_with({f"{module}@{version}/go.mod": f"module {module}\n".encode(),
                     f"{module}@{version}/zeros.bin": b"\0" * real_size})
    patched = bytearray(data)
    name = f"{module}@{version}/zeros.bin".encode()
    for signature, size_offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = patched.find(signature + b"")
        while at != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if patched[name_at:name_at + len(name)] == name:
                patched[at + size_offset:at + size_offset + 4] = declared_size.to_bytes(4, "little")
            at = patched.find(signature, at + 4)
    return bytes(patched)


def test_go_zip_lying_about_its_sizes_is_refused(nora_factory):
    nora = nora_factory({"NORA_GO_MAX_ZIP_SIZE": str(1 << 20)})
    module = "example.com/bomb"
    bomb = lying_zip(module, "v1.0.0", real_size=32 << 20, declared_size=10)
    assert len(bomb) < 1 << 20
    started, memory = time.monotonic(), peak_rss_mib(nora)
    r = nora.put(f"/go/{module}/@v/v1.0.0.zip", bomb, headers={"Content-Type": "application/zip"})
    assert time.monotonic() - started < 60
    assert peak_rss_mib(nora) - memory < MEMORY_BUDGET_MIB
    assert r.status == 400, r
    assert nora.get(f"/go/{module}/@v/list").status == 404
    assert_nothing_stored(nora)


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE])
def test_crate_with_links_is_refused(nora, kind):
    crate = crate_tarball({"linky-1.0.0/Cargo.toml": b"[package]\n"}, links={"linky-1.0.0/evil": (kind, "/etc/passwd")})
    r = nora.put("/cargo/api/v1/crates/new", publish_body(minimal_metadata("linky", "1.0.0"), crate))
    assert r.status == 400 and "is a link" in r.json()["errors"][0]["detail"], r
    assert nora.get("/cargo/index/li/nk/linky").status == 404
    assert_nothing_stored(nora)


# --------------------------------------------------------------------------------------
# Findings of the fuzzers, checked against the server
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/maven2/..md5", "/maven2/com/example/..sha1", "/maven2/com/example/...sha512"])
def test_maven_checksum_of_a_dot_is_refused(nora, path):
    """A checksum of `.`/`..` used to trap the whole server (scripts/fuzz.sh maven-path)."""
    for method in ("GET", "PUT"):
        r = nora.curl(method, path, path_as_is=True, **({"data": b"x"} if method == "PUT" else {}))
        assert r.status == 400, (method, r)
    assert health_ok(nora)
    assert_nothing_stored(nora)
