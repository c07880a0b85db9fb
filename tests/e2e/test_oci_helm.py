"""Helm charts as OCI artifacts, with the real helm v4 binary: push, pull (byte for byte),
show chart; with auth on: registry login, then push and pull."""

from __future__ import annotations

import json
import re

from oci_support import (  # noqa: F401  (fixtures)
    HELM_CHART, HELM_CONFIG, OCI_MANIFEST, USERS, assert_oci_error, describe, file_sha256, helm,
    oci_auth_registry, oci_registry, sha256,
)


def package_chart(helm, name: str = "c", version: str = "0.1.0", folder: str | None = None):
    """`helm create` + `helm package`; another folder lets the same chart get a second version."""
    folder = folder or name
    helm.run("create", folder)
    chart_yaml = helm.root / folder / "Chart.yaml"
    text = re.sub(r"(?m)^version: .*$", f"version: {version}", chart_yaml.read_text())
    chart_yaml.write_text(re.sub(r"(?m)^name: .*$", f"name: {name}", text))
    helm.run("package", folder)
    tgz = helm.root / f"{name}-{version}.tgz"
    assert tgz.is_file()
    return tgz


def pushed_digest(output: str) -> str:
    m = re.search(r"Digest:\s*(sha256:[0-9a-f]{64})", output)
    assert m, f"no digest in helm's output:\n{output}"
    return m.group(1)


def test_helm_push_pull_show(oci_registry, helm, tmp_path):
    reg, http = oci_registry, oci_registry.http()
    tgz = package_chart(helm)
    out = helm.run("push", str(tgz), f"oci://{reg.host}/charts", "--plain-http")
    text = out.stdout_text + out.stderr_text
    digest = pushed_digest(text)
    assert f"{reg.host}/charts/c:0.1.0" in text

    # what the registry holds: a helm manifest (config + chart layer), tagged with the version
    r = http.get("/v2/charts/c/manifests/0.1.0", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200, describe(r)
    assert r.headers.get("Docker-Content-Digest") == digest == sha256(r.content), describe(r)
    manifest = r.json()
    assert manifest["config"]["mediaType"] == HELM_CONFIG
    assert [l["mediaType"] for l in manifest["layers"]] == [HELM_CHART]
    assert manifest["layers"][0]["digest"] == file_sha256(tgz)
    assert manifest["layers"][0]["size"] == tgz.stat().st_size
    config = http.get(f"/v2/charts/c/blobs/{manifest['config']['digest']}")
    assert config.status_code == 200 and json.loads(config.content)["name"] == "c", describe(config)
    tags = http.get("/v2/charts/c/tags/list")
    assert tags.status_code == 200 and tags.json() == {"name": "charts/c", "tags": ["0.1.0"]}, describe(tags)

    # pull with an empty cache: the bytes come from the registry and are identical
    helm.fresh_cache()
    dest = tmp_path / "pulled"
    dest.mkdir()
    out = helm.run("pull", f"oci://{reg.host}/charts/c", "--version", "0.1.0", "--plain-http", "-d", str(dest))
    assert pushed_digest(out.stdout_text + out.stderr_text) == digest
    pulled = dest / "c-0.1.0.tgz"
    assert pulled.read_bytes() == tgz.read_bytes()

    helm.fresh_cache()
    shown = helm.run("show", "chart", f"oci://{reg.host}/charts/c", "--version", "0.1.0", "--plain-http").stdout_text
    assert re.search(r"(?m)^name: c$", shown), shown
    assert re.search(r"(?m)^version: 0\.1\.0$", shown), shown
    assert "apiVersion: v2" in shown

    # a second version: both tags, and pulling without --version gets the highest
    tgz2 = package_chart(helm, "c", "0.2.0", folder="c2")
    helm.run("push", str(tgz2), f"oci://{reg.host}/charts", "--plain-http")
    tags = http.get("/v2/charts/c/tags/list").json()
    assert tags["tags"] == ["0.1.0", "0.2.0"]  # lexical order (issue 3)
    helm.fresh_cache()
    dest2 = tmp_path / "latest"
    dest2.mkdir()
    helm.run("pull", f"oci://{reg.host}/charts/c", "--plain-http", "-d", str(dest2))
    assert (dest2 / "c-0.2.0.tgz").read_bytes() == tgz2.read_bytes()

    # a chart that is not there
    missing = helm.run("pull", f"oci://{reg.host}/charts/c", "--version", "9.9.9", "--plain-http",
                       "-d", str(dest2), check=False)
    assert missing.returncode != 0


def test_helm_login_and_push_with_auth(oci_auth_registry, helm, tmp_path):
    reg = oci_auth_registry()
    user, password = "admin", USERS["admin"]
    tgz = package_chart(helm)

    # before login: the push is refused with a Bearer challenge
    refused = helm.run("push", str(tgz), f"oci://{reg.host}/charts", "--plain-http", check=False)
    assert refused.returncode != 0
    assert re.search(r"401|unauthorized|authentication required|denied|credential", refused.stderr_text, re.I), refused.stderr_text
    r = reg.http().post("/v2/charts/c/blobs/uploads/")
    assert_oci_error(r, 401, "UNAUTHORIZED")
    assert r.headers.get("WWW-Authenticate", "").startswith(f'Bearer realm="{reg.base}/v2/token"'), describe(r)

    # a wrong password does not log in
    bad = helm.run("registry", "login", reg.host, "-u", user, "-p", "wrong", "--plain-http", check=False)
    assert bad.returncode != 0

    login = helm.run("registry", "login", reg.host, "-u", user, "-p", password, "--plain-http")
    assert "Login Succeeded" in login.stdout_text + login.stderr_text
    out = helm.run("push", str(tgz), f"oci://{reg.host}/charts", "--plain-http")
    digest = pushed_digest(out.stdout_text + out.stderr_text)

    # the chart is there (checked with Basic credentials), and helm pulls it back while logged in
    http = reg.http(auth=(user, password))
    r = http.get("/v2/charts/c/manifests/0.1.0", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200 and r.headers.get("Docker-Content-Digest") == digest, describe(r)
    helm.fresh_cache()
    dest = tmp_path / "pulled"
    dest.mkdir()
    helm.run("pull", f"oci://{reg.host}/charts/c", "--version", "0.1.0", "--plain-http", "-d", str(dest))
    assert (dest / "c-0.1.0.tgz").read_bytes() == tgz.read_bytes()

    # after logout, pulls are refused again (anonymous read is off)
    helm.run("registry", "logout", reg.host)
    helm.fresh_cache()
    denied = helm.run("pull", f"oci://{reg.host}/charts/c", "--version", "0.1.0", "--plain-http",
                      "-d", str(dest), check=False)
    assert denied.returncode != 0
