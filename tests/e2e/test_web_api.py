"""The management API and its OpenAPI document: the document validates (openapi-spec-validator),
schemathesis finds no server error and no response outside the schema, and the JSON answers
carry what real clients published."""

from __future__ import annotations

import json
import queue
import threading
import subprocess
import sys
import time
from pathlib import Path

from openapi_spec_validator import validate
from oci_support import oci_image  # noqa: F401
from web_support import filled, private  # noqa: F401

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


def test_openapi_document_is_valid_3_1(filled):  # noqa: F811
    doc = filled.nora.get("/api-docs/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    validate(doc)
    for path in ("/api/stats", "/api/packages", "/api/packages/{format}/{name}", "/api/activity", "/api/tokens",
                 "/health", "/ready", "/metrics", "/v2/{path}", "/npm/{path}", "/simple/{project}/", "/go/{path}",
                 "/maven2/{path}", "/raw/{path}", "/cargo/api/v1/crates/new"):
        assert path in doc["paths"], path


def test_schemathesis_finds_no_server_error(filled, tmp_path):  # noqa: F811
    base = filled.nora.base
    proc = subprocess.run(
        [SCHEMATHESIS, "run", f"{base}/api-docs/openapi.json", "--url", base,
         "--include-path-regex", "^/api/",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
         "--phases", "examples,coverage,fuzzing", "--max-examples", "25", "--seed", "15",
         "--request-timeout", "30", "--suppress-health-check", "too_slow", "--report", "junit", "--report-dir", str(tmp_path)],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                                                          "SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stdout[-8000:] + proc.stderr[-2000:]


def test_api_shows_what_clients_published(filled):  # noqa: F811
    f = filled
    stats = f.nora.get("/api/stats").json()
    by_format = {s["format"]: s for s in stats["formats"]}
    assert by_format["npm"]["packages"] == 1 and by_format["npm"]["versions"] == 2
    assert by_format["pypi"]["packages"] == 1 and by_format["pypi"]["versions"] == 1
    assert by_format["cargo"]["packages"] == 1 and by_format["docker"]["packages"] == 1
    assert stats["storage"]["free_bytes"] > 0
    found = f.nora.get("/api/packages?q=WEB").json()
    assert {(i["format"], i["name"]) for i in found["items"]} >= {
        ("npm", f.npm_name), ("pypi", f.pypi_name), ("cargo", f.crate_name), ("docker", f.image)}
    crate = f.nora.get(f"/api/packages/cargo/{f.crate_name}").json()
    assert crate["versions"][0]["version"] == "0.2.0" and crate["description"] == f"the {f.crate_name} crate"
    image = f.nora.get(f"/api/packages/docker/{f.image}").json()
    assert image["versions"][0]["version"] == "v1"
    assert [x["name"] for x in image["versions"][0]["files"]][:2] == ["manifest", "config"]
    wheel = f.nora.get(f"/api/packages/pypi/{f.pypi_name}").json()
    assert wheel["description"] == "nora e2e demo"
    assert sorted(x["kind"] for x in wheel["versions"][0]["files"]) == ["bdist_wheel", "sdist"]
    # Activity reaches the database within a few seconds (batched writes).
    deadline, kinds = time.monotonic() + 30, set()
    while time.monotonic() < deadline and not {"publish", "download"} <= kinds:
        time.sleep(0.5)
        kinds = {e["kind"] for e in f.nora.get("/api/activity?format=npm").json()["items"]}
    assert {"publish", "download"} <= kinds
    bad = f.nora.get("/api/activity?limit=0")
    assert bad.status == 400 and "error" in bad.json()


def test_nora_activity_follow_prints_new_events(filled):  # noqa: F811
    nora = filled.nora
    proc = subprocess.Popen([*_nora_cmd(nora), "activity", "--follow", "--limit", "1", "--json"], env=nora.env,
                            cwd=str(nora.root), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert nora.put("/raw/follow/new.txt", b"x").status == 201
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout], daemon=True).start()
        deadline, seen = time.monotonic() + 30, []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1.0)
            except queue.Empty:
                continue
            seen.append(line)
            if json.loads(line).get("name") == "follow/new.txt":
                break
        else:
            raise AssertionError(f"nora activity --follow did not print the new event: {seen}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_private_registry_api_needs_credentials(private):  # noqa: F811
    assert private.get("/api/stats").status == 401
    assert private.get("/api/packages/raw/secret/plan.txt").status == 401
    ok = private.get("/api/packages/raw/secret/plan.txt", user="admin:s3cret")
    assert ok.status == 200 and ok.json()["name"] == "secret/plan.txt"
    # The document itself is public: it describes the API, not the content.
    assert private.get("/api-docs/openapi.json").status == 200


def _nora_cmd(nora) -> list[str]:
    from nora_e2e import NORA_BIN
    return [NORA_BIN]
