"""A `kill -9` in the middle of a large upload leaves no visible file, no blob and no
metadata row once the server is restarted on the same data folder."""

from __future__ import annotations

import os
import socket
import sqlite3
import time

from nora_e2e import metric_value

DECLARED = 200 * 1024 * 1024   # what the request claims
SENT = 20 * 1024 * 1024        # what is actually sent before the crash


def raw_rows(server, path: str | None = None) -> list[tuple]:
    db = server.storage / "metadata.sqlite"
    assert db.exists()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if path is None:
            return conn.execute("SELECT path, digest, size FROM raw_files").fetchall()
        return conn.execute("SELECT path, digest, size FROM raw_files WHERE path = ?", (path,)).fetchall()
    finally:
        conn.close()


def in_flight_bytes(server) -> int:
    """Bytes the server has written into files under <storage>/tmp that it holds open.

    The store may create its temp file unnamed (O_TMPFILE), so it is found through the
    process's open descriptors rather than by listing the folder."""
    tmp = str(server.storage / "tmp")
    total = 0
    fd_dir = f"/proc/{server.proc.pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(f"{fd_dir}/{fd}")
            if target.startswith(tmp + "/"):
                total += os.stat(f"{fd_dir}/{fd}").st_size
        except OSError:
            continue
    return total


def start_partial_upload(server, path: str) -> socket.socket:
    """Opens a PUT declaring DECLARED bytes, sends SENT bytes, and waits until the server
    is visibly storing them (an upload in progress and bytes in its scratch folder)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = (f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {DECLARED}\r\n\r\n")
    try:
        sock.sendall(head.encode())
        chunk = os.urandom(1024 * 1024)
        for _ in range(SENT // len(chunk)):
            sock.sendall(chunk)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if in_flight_bytes(server) >= SENT // 2:
                break
            time.sleep(0.05)
        assert in_flight_bytes(server) >= SENT // 2, "the server never started storing the upload"
        metrics = server.get("/metrics").text
        assert metric_value(metrics, "nora_uploads_in_progress") == 1
    except BaseException:
        sock.close()
        raise
    return sock


def test_kill_9_during_large_upload_leaves_nothing(nora_factory):
    server = nora_factory({"NORA_RAW_MAX_FILE_SIZE": str(300 * 1024 * 1024)})
    sock = start_partial_upload(server, "/raw/big/huge.bin")
    try:
        server.kill()  # SIGKILL mid-upload
        assert server.proc.returncode == -9
    finally:
        sock.close()

    server.restart()
    assert server.get("/raw/big/huge.bin").status == 404
    assert server.head("/raw/big/huge.bin").status == 404
    assert server.get("/raw/big/?format=json").status == 404
    listing = server.get("/raw/?format=json")
    assert listing.status == 200 and listing.json()["entries"] == []
    assert server.blob_files() == []
    assert raw_rows(server) == []
    # the store still works normally afterwards
    payload = os.urandom(4096)
    assert server.put("/raw/big/huge.bin", payload).status == 201
    assert server.get("/raw/big/huge.bin").body == payload


def test_kill_9_during_replacement_keeps_old_file(nora_factory):
    server = nora_factory({"NORA_RAW_MAX_FILE_SIZE": str(300 * 1024 * 1024)})
    original = os.urandom(64 * 1024)
    assert server.put("/raw/keep/file.bin", original).status == 201
    etag = server.head("/raw/keep/file.bin").header("etag")
    blobs_before = server.blob_files()
    rows_before = raw_rows(server)
    assert len(blobs_before) == 1 and len(rows_before) == 1

    sock = start_partial_upload(server, "/raw/keep/file.bin")
    try:
        server.kill()
    finally:
        sock.close()

    server.restart()
    r = server.get("/raw/keep/file.bin")
    assert r.status == 200 and r.body == original
    assert r.header("etag") == etag
    assert server.blob_files() == blobs_before
    assert raw_rows(server) == rows_before
    assert [e["name"] for e in server.get("/raw/keep/?format=json").json()["entries"]] == ["file.bin"]
