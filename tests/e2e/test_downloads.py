"""Large downloads (issue 17): bodies over 64 KiB from local storage go out with sendfile(2)
(`server.sendfile`, on by default) or through buffers (`NORA_SENDFILE=false`, the path S3
takes). Both must give the same bytes, ranges, HEAD answers and keep-alive behaviour, and
both must keep memory bounded when many fast readers meet a busy CPU."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest

MiB = 1 << 20
SIZE = 3 * MiB + 17  # not a multiple of any chunk size


def payload(size: int, seed: int = 7) -> bytes:
    import random
    return random.Random(seed).randbytes(size)


def connection(nora) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", nora.port, timeout=120)


def get(conn, path: str, headers: dict[str, str] | None = None, method: str = "GET"):
    conn.request(method, path, headers=headers or {})
    r = conn.getresponse()
    return r, r.read()


@pytest.fixture(params=["sendfile", "buffered"])
def download_nora(request, nora_factory):
    env = {"NORA_RAW_MAX_FILE_SIZE": str(200 * MiB), "NORA_LOG_LEVEL": "info"}
    if request.param == "buffered":
        env["NORA_SENDFILE"] = "false"
    return nora_factory(env)


def test_raw_whole_ranges_head_on_one_keepalive_connection(download_nora):
    data = payload(SIZE)
    assert download_nora.put("/raw/big/file.bin", data).status == 201
    conn = connection(download_nora)
    r, body = get(conn, "/raw/big/file.bin")
    assert r.status == 200 and r.getheader("Content-Length") == str(SIZE)
    assert hashlib.sha256(body).digest() == hashlib.sha256(data).digest()
    sock = conn.sock
    r, body = get(conn, "/raw/big/file.bin", {"Range": "bytes=1000-2000999"})
    assert r.status == 206 and r.getheader("Content-Range") == f"bytes 1000-2000999/{SIZE}"
    assert body == data[1000:2001000]
    r, body = get(conn, "/raw/big/file.bin", {"Range": "bytes=-70000"})
    assert r.status == 206 and body == data[-70000:]
    r, body = get(conn, "/raw/big/file.bin", {"Range": f"bytes={SIZE - 100000}-"})
    assert r.status == 206 and body == data[-100000:]
    r, body = get(conn, "/raw/big/file.bin", method="HEAD")
    assert r.status == 200 and r.getheader("Content-Length") == str(SIZE) and body == b""
    r, body = get(conn, "/raw/big/file.bin", {"Range": f"bytes={SIZE}-"})
    assert r.status == 416
    r, body = get(conn, "/raw/big/file.bin")
    assert body == data
    assert conn.sock is sock, "the connection was not kept alive"
    conn.close()
    # the access log reports the bytes each answer declared
    log = download_nora.log()
    assert re.search(rf"out={SIZE}\b", log) and re.search(r"out=2000000\b", log), log[-2000:]


def test_oci_blob_whole_and_range(download_nora):
    data = payload(2 * MiB + 5, seed=11)
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    conn = connection(download_nora)
    r, _ = get(conn, "/v2/dl/app/blobs/uploads/", method="POST")
    assert r.status == 202, r.status
    location = r.getheader("Location")
    sep = "&" if "?" in location else "?"
    conn.request("PUT", f"{location}{sep}digest={digest}", body=data,
                 headers={"Content-Type": "application/octet-stream"})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, r.status
    r, body = get(conn, f"/v2/dl/app/blobs/{digest}")
    assert r.status == 200 and body == data
    assert r.getheader("Docker-Content-Digest") == digest
    r, body = get(conn, f"/v2/dl/app/blobs/{digest}", {"Range": "bytes=65536-1048575"})
    assert r.status == 206 and body == data[65536:1048576]
    conn.close()


def test_blob_gone_from_disk_is_an_error_not_a_short_200(nora_factory):
    nora = nora_factory({})  # sendfile on: the file is opened before the answer starts
    data = payload(SIZE, seed=3)
    assert nora.put("/raw/gone/file.bin", data).status == 201
    for path in nora.blob_files():
        path.unlink()
    r = nora.get("/raw/gone/file.bin")
    assert r.status >= 400, r
    assert json.loads(r.body)


def test_blob_shorter_on_disk_than_its_record_is_an_error(nora_factory):
    nora = nora_factory({})
    assert nora.put("/raw/short/file.bin", payload(SIZE, seed=4)).status == 201
    for path in nora.blob_files():
        os.truncate(path, SIZE // 2)
    r = nora.get("/raw/short/file.bin")
    assert r.status == 500, r


def _peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def _read_forever(port: int, path: str, stop: threading.Event, errors: list[str]) -> None:
    buf = memoryview(bytearray(MiB))
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", path)
            r = conn.getresponse()
            while not stop.is_set() and r.readinto(buf):
                pass
            conn.close()
        except OSError as e:  # the server must not drop readers; report it
            errors.append(repr(e))
            return


@pytest.mark.parametrize("mode", ["sendfile", "buffered"])
def test_memory_stays_bounded_with_64_fast_readers_on_a_busy_cpu(nora_factory, mode):
    """Before issue 17 the buffered path queued chunk after chunk on a starved event loop
    (837 MiB RSS with wrk -c64 under load). Busy processes starve it here; with the bound
    taken out this test measured 502 MiB (debug build), with it 85 MiB, sendfile 59 MiB."""
    env = {"NORA_RAW_MAX_FILE_SIZE": str(200 * MiB)}
    if mode == "buffered":
        env["NORA_SENDFILE"] = "false"
    nora = nora_factory(env)
    data = payload(64 * MiB, seed=5)
    assert nora.put("/raw/mem/big.bin", data).status == 201
    del data
    idle = _peak_rss_mib(nora.proc.pid)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    stop, errors = threading.Event(), []
    readers = [threading.Thread(target=_read_forever, args=(nora.port, "/raw/mem/big.bin", stop, errors))
               for _ in range(64)]
    try:
        for t in readers:
            t.start()
        time.sleep(12)
    finally:
        stop.set()
        for h in hogs:
            h.kill()
            h.wait()
        for t in readers:
            t.join(timeout=120)
    peak = _peak_rss_mib(nora.proc.pid)
    print(f"{mode}: idle {idle:.0f} MiB, peak {peak:.0f} MiB")
    assert not errors, errors[:3]
    # generous: the debug build idles near 60 MiB; unbounded queuing reached several hundred
    assert peak < idle + 120, f"peak RSS {peak:.0f} MiB (idle {idle:.0f} MiB)"
