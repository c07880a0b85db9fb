"""Operations: /health, /ready, /metrics (public or protected, counters move), rate
limits, request ids, signals, and NORA_REGISTRIES_ENABLE."""

from __future__ import annotations

import re
import signal
import time

from nora_e2e import metric_value


# --------------------------------------------------------------------------------------
# health and readiness
# --------------------------------------------------------------------------------------

def test_health(nora):
    r = nora.get("/health")
    assert r.status == 200
    assert r.header("content-type").startswith("application/json")
    body = r.json()
    assert body["status"] == "ok"
    assert re.match(r"^\d+\.\d+\.\d+", body["version"])
    assert isinstance(body["uptime_seconds"], int) and body["uptime_seconds"] >= 0
    assert nora.head("/health").status == 200


def test_ready_reflects_storage(nora):
    r = nora.get("/ready")
    assert r.status == 200, r
    assert r.json()["status"] == "ready"
    # take the storage's scratch folder away: not ready any more
    tmp = nora.storage / "tmp"
    moved = nora.storage / "tmp.away"
    tmp.rename(moved)
    try:
        r = nora.get("/ready")
        assert r.status == 503, r
        body = r.json()
        assert body["storage"] == "unavailable" and body["database"] == "ok"
        assert nora.get("/health").status == 200  # liveness is not readiness
    finally:
        moved.rename(tmp)
    assert nora.get("/ready").status == 200


def test_unknown_route_is_json_404(nora):
    r = nora.get("/no/such/thing")
    assert r.status == 404
    assert "error" in r.json()


# --------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------

def test_metrics_counters_increase(nora):
    def scrape() -> str:
        r = nora.get("/metrics")
        assert r.status == 200
        assert r.header("content-type").startswith("text/plain")
        return r.text

    before = scrape()
    get404 = {"format": "raw", "method": "GET", "status": "404"}
    put201 = {"format": "raw", "method": "PUT", "status": "201"}
    n404, n201 = metric_value(before, "nora_http_requests_total", get404), metric_value(before, "nora_http_requests_total", put201)
    bytes_in = metric_value(before, "nora_http_bytes_in_total", {"format": "raw"})

    for i in range(3):
        assert nora.get(f"/raw/missing-{i}").status == 404
    payload = b"m" * 1234
    assert nora.put("/raw/metrics/file.bin", payload).status == 201
    assert nora.put("/raw/metrics/file2.bin", payload).status == 201

    after = scrape()
    assert metric_value(after, "nora_http_requests_total", get404) == n404 + 3
    assert metric_value(after, "nora_http_requests_total", put201) == n201 + 2
    assert metric_value(after, "nora_http_bytes_in_total", {"format": "raw"}) == bytes_in + 2 * len(payload)
    assert metric_value(after, "nora_http_request_duration_seconds_count", {"format": "raw"}) >= 5
    assert "# TYPE nora_http_request_duration_seconds histogram" in after
    assert "nora_uploads_in_progress" in after
    assert metric_value(after, "nora_uploads_in_progress") == 0


def test_metrics_protected_when_auth_on(auth_nora):
    server = auth_nora()
    r = server.get("/metrics")
    assert r.status == 401, r
    assert r.header("www-authenticate").lower().startswith("basic")
    r = server.get("/metrics", user="admin:s3cret")
    assert r.status == 200 and "nora_http_requests_total" in r.text
    # a read token is enough
    secret = server.nora("token", "create", "--name", "prom", "--role", "read").stdout.strip()
    assert server.get("/metrics", bearer=secret).status == 200


def test_metrics_public_when_configured(auth_nora):
    server = auth_nora({"NORA_AUTH_PUBLIC_METRICS": "true"})
    r = server.get("/metrics")
    assert r.status == 200, r
    assert "nora_http_requests_total" in r.text
    # only metrics are opened
    assert server.get("/raw/?format=json").status == 401


# --------------------------------------------------------------------------------------
# rate limits
# --------------------------------------------------------------------------------------

def test_general_rate_limit(nora_factory):
    server = nora_factory({"NORA_RATE_LIMIT_GENERAL_BURST": "3", "NORA_RATE_LIMIT_GENERAL_RPS": "0.2"})
    statuses = [server.get("/raw/x").status for _ in range(3)]
    assert statuses == [404, 404, 404]
    r = server.get("/raw/x")
    assert r.status == 429, r
    assert int(r.header("retry-after")) >= 1
    assert "error" in r.json()
    # probes are exempt
    assert server.get("/health").status == 200
    assert server.get("/ready").status == 200
    assert server.get("/metrics").status == 200


def test_upload_rate_limit(nora_factory):
    server = nora_factory({"NORA_RATE_LIMIT_UPLOAD_BURST": "2", "NORA_RATE_LIMIT_UPLOAD_RPS": "0.1"})
    assert server.put("/raw/u/1", b"1").status == 201
    assert server.put("/raw/u/2", b"2").status == 201
    r = server.put("/raw/u/3", b"3")
    assert r.status == 429, r
    assert int(r.header("retry-after")) >= 1
    assert server.get("/raw/u/3").status == 404  # nothing stored
    assert server.get("/raw/u/1").status == 200  # reads use another bucket


def test_rate_limit_refills(nora_factory):
    server = nora_factory({"NORA_RATE_LIMIT_GENERAL_BURST": "1", "NORA_RATE_LIMIT_GENERAL_RPS": "2"})
    assert server.get("/raw/x").status == 404
    assert server.get("/raw/x").status == 429
    time.sleep(0.8)
    assert server.get("/raw/x").status == 404


def test_rate_limit_disabled(nora_factory):
    server = nora_factory({"NORA_RATE_LIMIT_ENABLED": "false", "NORA_RATE_LIMIT_GENERAL_BURST": "1",
                           "NORA_RATE_LIMIT_GENERAL_RPS": "0.01"})
    assert [server.get("/raw/x").status for _ in range(5)] == [404] * 5


# --------------------------------------------------------------------------------------
# request ids
# --------------------------------------------------------------------------------------

def test_request_id_echoed_or_generated(auth_nora):
    server = auth_nora()
    r = server.get("/health", headers={"X-Request-ID": "build-42.step-7"})
    assert r.header("x-request-id") == "build-42.step-7"
    # echoed on errors too
    r = server.get("/raw/x", headers={"X-Request-ID": "trace-abc"})
    assert r.status == 401 and r.header("x-request-id") == "trace-abc"
    # generated when absent, different each time
    a, b = server.get("/health").header("x-request-id"), server.get("/health").header("x-request-id")
    assert a and b and a != b
    # unsafe or oversized ids are replaced
    for bad in ('has "quotes"', "x" * 200):
        got = server.get("/health", headers={"X-Request-ID": bad}).header("x-request-id")
        assert got and got != bad and '"' not in got and len(got) <= 128
    # and the id reaches the access log
    server.get("/raw/x", headers={"X-Request-ID": "find-me-in-the-log"})
    deadline = time.monotonic() + 3
    while "find-me-in-the-log" not in server.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "find-me-in-the-log" in server.log()
    line = next(l for l in server.log().splitlines() if "find-me-in-the-log" in l)
    assert "hb.request.id" not in line and line.count("request_id") == 1, line  # one id per line


# --------------------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------------------

def test_sigterm_exits_cleanly(nora):
    assert nora.put("/raw/keep.txt", b"kept").status == 201
    assert nora.terminate() == 0
    log = nora.log()
    assert "shutdown begins" in log and "shutdown complete" in log, log[-2000:]
    assert log.index("shutdown begins") < log.index("shutdown complete")
    # and the data survives a restart
    nora.restart()
    assert nora.get("/raw/keep.txt").body == b"kept"


def test_sigint_exits_cleanly(nora):
    nora.proc.send_signal(signal.SIGINT)
    assert nora.proc.wait(timeout=15) == 0
    nora.stopped = True


# --------------------------------------------------------------------------------------
# registries
# --------------------------------------------------------------------------------------

def test_raw_can_be_disabled(nora_factory):
    server = nora_factory({"NORA_REGISTRIES_ENABLE": "all,-raw"})
    for method in ("GET", "PUT", "HEAD", "DELETE"):
        r = server.curl(method, "/raw/file.txt", data=b"x" if method == "PUT" else None)
        assert r.status == 404, (method, r)
    assert server.get("/raw/").status == 404
    assert server.blob_files() == []
    assert server.get("/health").status == 200


def test_only_raw_enabled(nora_factory):
    server = nora_factory({"NORA_REGISTRIES_ENABLE": "raw"})
    assert server.put("/raw/file.txt", b"x").status == 201
    assert server.get("/raw/file.txt").body == b"x"
