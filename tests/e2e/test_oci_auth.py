"""OCI token authentication with real clients (nora only): push with credentials, the Bearer
challenge without them, the token endpoint (GET with Basic, POST form), a read-only API token
that may pull but not push, and anonymous pull allowed or refused by configuration."""

from __future__ import annotations

import base64
import json
import re

import oras.client

from oci_support import (  # noqa: F401  (fixtures)
    OCI_MANIFEST, USERS, OciHttp, OciLayout, assert_oci_error, describe, oci_auth_registry, oci_image, sha256,
    skopeo,
)

ADMIN = f"admin:{USERS['admin']}"
ADMIN_AUTH = ("admin", USERS["admin"])


def docker(reg, name: str) -> str:
    return f"docker://{reg.host}/{name}"


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    scheme, _, rest = value.partition(" ")
    return scheme, dict(re.findall(r'(\w+)="([^"]*)"', rest))


def assert_bearer_challenge(r, reg, scope: str | None = None) -> dict[str, str]:
    """401, an OCI error body, and `WWW-Authenticate: Bearer realm="<base>/v2/token",service=…`."""
    assert_oci_error(r, 401, "UNAUTHORIZED")
    header = r.headers.get("WWW-Authenticate", "")
    assert header.startswith(f'Bearer realm="{reg.base}/v2/token",service="'), describe(r)
    scheme, params = parse_challenge(header)
    assert scheme == "Bearer" and params.get("service"), describe(r)
    if scope is not None:
        assert params.get("scope") == scope, f"expected scope {scope!r}{describe(r)}"
    return params


def get_token(reg, service: str, scope: str, auth=None) -> str:
    r = reg.http().get("/v2/token", params={"service": service, "scope": scope}, auth=auth)
    assert r.status_code == 200, describe(r)
    doc = r.json()
    token = doc.get("token") or doc.get("access_token")
    assert token, describe(r)
    assert doc.get("access_token", token) == doc.get("token", token)
    assert isinstance(doc.get("expires_in"), int) and doc["expires_in"] > 0, describe(r)
    assert isinstance(doc.get("issued_at"), str) and doc["issued_at"], describe(r)
    return token


def failed_for_auth(proc) -> bool:
    text = (proc.stderr_text + proc.stdout_text).lower()
    return proc.returncode != 0 and any(w in text for w in (
        "401", "403", "unauthorized", "authentication required", "denied", "forbidden", "requested access"))


def test_push_with_credentials_and_bearer_challenge(oci_auth_registry, oci_image, skopeo, tmp_path):
    reg = oci_auth_registry()
    anon = reg.http()

    # no credentials: 401 with the Bearer challenge (and the scope the operation needs)
    params = assert_bearer_challenge(anon.get("/v2/"), reg)
    service = params["service"]
    assert_bearer_challenge(anon.post("/v2/team/app/blobs/uploads/"), reg, "repository:team/app:pull,push")
    challenge = assert_bearer_challenge(anon.get("/v2/team/app/manifests/v1"), reg)
    assert challenge.get("scope", "").startswith("repository:team/app:pull"), challenge

    pushed = skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"), check=False)
    assert failed_for_auth(pushed), pushed.stderr_text
    assert_bearer_challenge(anon.get("/v2/team/app/tags/list"), reg)
    admin = reg.http(auth=ADMIN_AUTH)
    r = admin.get("/v2/team/app/manifests/v1")
    assert_oci_error(r, 404, "MANIFEST_UNKNOWN", "NAME_UNKNOWN")

    # with credentials: skopeo follows the challenge to the token endpoint and pushes
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"), dest_creds=ADMIN)
    r = admin.get("/v2/team/app/manifests/v1", headers={"Accept": OCI_MANIFEST})  # Basic directly on /v2/
    assert r.status_code == 200 and r.content == oci_image.manifest_bytes, describe(r)
    assert json.loads(skopeo.list_tags(docker(reg, "team/app"), creds=ADMIN).stdout)["Tags"] == ["v1"]
    info = json.loads(skopeo.inspect(docker(reg, "team/app:v1"), creds=ADMIN).stdout)
    assert info["Digest"] == oci_image.manifest_digest
    back = tmp_path / "back"
    skopeo.copy(docker(reg, "team/app:v1"), f"oci:{back}:v1", src_creds=ADMIN)
    assert OciLayout(back).manifest_bytes("v1") == oci_image.manifest_bytes

    # the token endpoint: GET with Basic credentials
    token = get_token(reg, service, "repository:team/app:pull,push", auth=ADMIN_AUTH)
    bearer = OciHttp(reg.base, bearer=token)
    r = bearer.get("/v2/team/app/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200 and r.content == oci_image.manifest_bytes, describe(r)
    assert bearer.get("/v2/").status_code == 200
    digest = bearer.push_blob("team/app", b"pushed with a bearer token")
    assert admin.get(f"/v2/team/app/blobs/{digest}").content == b"pushed with a bearer token"

    # POST with a form, as helm and oras send it
    r = anon.post("/v2/token", data={"grant_type": "password", "username": "admin", "password": USERS["admin"],
                                     "service": service, "scope": "repository:team/app:pull", "client_id": "e2e"})
    assert r.status_code == 200, describe(r)
    form_token = r.json().get("access_token")
    assert form_token, describe(r)
    r = OciHttp(reg.base, bearer=form_token).get("/v2/team/app/tags/list")
    assert r.status_code == 200 and r.json()["tags"] == ["v1"], describe(r)

    # bad credentials get no token; a forged token is refused
    r = anon.get("/v2/token", params={"service": service, "scope": "repository:team/app:pull"},
                 auth=("admin", "wrong"))
    assert r.status_code == 401, describe(r)
    r = anon.post("/v2/token", data={"grant_type": "password", "username": "admin", "password": "wrong",
                                     "service": service, "client_id": "e2e"})
    assert r.status_code == 401, describe(r)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert_bearer_challenge(OciHttp(reg.base, bearer=forged).get("/v2/team/app/manifests/v1"), reg)
    assert_bearer_challenge(OciHttp(reg.base, bearer="not-a-token").get("/v2/team/app/manifests/v1"), reg)
    assert_bearer_challenge(reg.http(auth=("admin", "wrong")).get("/v2/team/app/manifests/v1"), reg)


def test_token_is_limited_to_its_scope(oci_auth_registry):
    reg = oci_auth_registry()
    admin = reg.http(auth=ADMIN_AUTH)
    admin.push_image("team/app", "v1", [b"layer a"])
    admin.push_image("other/app", "v1", [b"layer b"])
    service = assert_bearer_challenge(reg.http().get("/v2/"), reg)["service"]

    pull_only = OciHttp(reg.base, bearer=get_token(reg, service, "repository:team/app:pull", auth=ADMIN_AUTH))
    assert pull_only.get("/v2/team/app/tags/list").status_code == 200
    r = pull_only.post("/v2/team/app/blobs/uploads/")
    assert_oci_error(r, (401, 403), "DENIED", "UNAUTHORIZED")
    r = pull_only.get("/v2/other/app/tags/list")
    assert_oci_error(r, (401, 403), "DENIED", "UNAUTHORIZED")


def test_read_only_token_cannot_push(oci_auth_registry, oci_image, skopeo, tmp_path):
    reg = oci_auth_registry()
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"), dest_creds=ADMIN)

    created = reg.server.nora("token", "create", "--name", "ro", "--role", "read")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1].strip()
    assert secret and " " not in secret, created.stdout
    ro = f"ro:{secret}"

    # it may pull …
    back = tmp_path / "back"
    skopeo.copy(docker(reg, "team/app:v1"), f"oci:{back}:v1", src_creds=ro)
    assert OciLayout(back).manifest_bytes("v1") == oci_image.manifest_bytes
    assert reg.http(auth=("ro", secret)).get("/v2/team/app/tags/list").json()["tags"] == ["v1"]

    # … but not push: skopeo fails, raw uploads are refused with DENIED/UNAUTHORIZED
    pushed = skopeo.copy(oci_image.ref, docker(reg, "team/app:ro-push"), dest_creds=ro, check=False)
    assert failed_for_auth(pushed), pushed.stderr_text + pushed.stdout_text
    pushed = skopeo.copy(oci_image.ref, docker(reg, "fresh/repo:v1"), dest_creds=ro, check=False)
    assert failed_for_auth(pushed), pushed.stderr_text + pushed.stdout_text

    basic = reg.http(auth=("ro", secret))
    assert_oci_error(basic.post("/v2/team/app/blobs/uploads/"), (401, 403), "DENIED", "UNAUTHORIZED")
    data = b"must not be stored"
    assert_oci_error(basic.post(f"/v2/team/app/blobs/uploads/?digest={sha256(data)}", data=data,
                                headers={"Content-Type": "application/octet-stream"}),
                     (401, 403), "DENIED", "UNAUTHORIZED")
    assert_oci_error(basic.put("/v2/team/app/manifests/evil", data=oci_image.manifest_bytes,
                               headers={"Content-Type": OCI_MANIFEST}), (401, 403), "DENIED", "UNAUTHORIZED")
    assert_oci_error(basic.delete(f"/v2/team/app/manifests/{oci_image.manifest_digest}"),
                     (401, 403), "DENIED", "UNAUTHORIZED")

    service = assert_bearer_challenge(reg.http().get("/v2/"), reg)["service"]
    r = reg.http().get("/v2/token", params={"service": service, "scope": "repository:team/app:pull,push"},
                       auth=("ro", secret))
    assert r.status_code == 200, describe(r)  # a token with the actions it may do: pull only
    token = r.json().get("token") or r.json().get("access_token")
    bearer = OciHttp(reg.base, bearer=token)
    assert bearer.get("/v2/team/app/manifests/v1").status_code == 200
    assert_oci_error(bearer.post("/v2/team/app/blobs/uploads/"), (401, 403), "DENIED", "UNAUTHORIZED")

    # nothing changed
    admin = reg.http(auth=ADMIN_AUTH)
    assert admin.get("/v2/team/app/tags/list").json()["tags"] == ["v1"]
    assert admin.get(f"/v2/team/app/manifests/{oci_image.manifest_digest}").status_code == 200
    assert admin.get("/v2/_catalog").json()["repositories"] == ["team/app"]
    reg.assert_not_stored(sha256(data))

    # a write token (control): the same push works
    created = reg.server.nora("token", "create", "--name", "ci", "--role", "write")
    assert created.returncode == 0, created.stderr
    writer = created.stdout.strip().splitlines()[-1].strip()
    skopeo.copy(oci_image.ref, docker(reg, "team/app:ci"), dest_creds=f"ci:{writer}")
    assert sorted(admin.get("/v2/team/app/tags/list").json()["tags"]) == ["ci", "v1"]


def test_anonymous_pull_allowed_when_configured(oci_auth_registry, oci_image, skopeo, tmp_path):
    reg = oci_auth_registry(anonymous_read=True)
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"), dest_creds=ADMIN)
    anon = reg.http()

    r = anon.get("/v2/team/app/manifests/v1", headers={"Accept": OCI_MANIFEST})
    assert r.status_code == 200 and r.content == oci_image.manifest_bytes, describe(r)
    r = anon.get(f"/v2/team/app/blobs/{oci_image.layer_digests[0]}")
    assert r.status_code == 200 and r.content == oci_image.layer_bytes()[0], describe(r)
    assert anon.get("/v2/team/app/tags/list").json()["tags"] == ["v1"]

    back = tmp_path / "anon-back"
    skopeo.copy(docker(reg, "team/app:v1"), f"oci:{back}:v1")
    layout = OciLayout(back)
    assert layout.manifest_bytes("v1") == oci_image.manifest_bytes
    for digest, data in zip(oci_image.layer_digests, oci_image.layer_bytes()):
        assert layout.blob(digest) == data
    assert json.loads(skopeo.inspect(docker(reg, "team/app:v1")).stdout)["Digest"] == oci_image.manifest_digest

    # writes still need credentials
    pushed = skopeo.copy(oci_image.ref, docker(reg, "team/app:anon"), check=False)
    assert failed_for_auth(pushed), pushed.stderr_text
    assert_bearer_challenge(anon.post("/v2/team/app/blobs/uploads/"), reg, "repository:team/app:pull,push")
    r = anon.delete(f"/v2/team/app/manifests/{oci_image.manifest_digest}")
    assert r.status_code == 401, describe(r)
    assert anon.get("/v2/team/app/tags/list").json()["tags"] == ["v1"]


def test_anonymous_pull_refused_by_default(oci_auth_registry, oci_image, skopeo, tmp_path):
    reg = oci_auth_registry(anonymous_read=False)
    skopeo.copy(oci_image.ref, docker(reg, "team/app:v1"), dest_creds=ADMIN)
    anon = reg.http()

    assert_bearer_challenge(anon.get("/v2/team/app/manifests/v1"), reg)
    assert_bearer_challenge(anon.get(f"/v2/team/app/blobs/{oci_image.layer_digests[0]}"), reg)
    assert_bearer_challenge(anon.get("/v2/team/app/tags/list"), reg)
    assert_bearer_challenge(anon.get("/v2/_catalog"), reg)
    assert anon.head("/v2/team/app/manifests/v1").status_code == 401

    pulled = skopeo.copy(docker(reg, "team/app:v1"), f"oci:{tmp_path / 'nope'}:v1", check=False)
    assert failed_for_auth(pulled), pulled.stderr_text
    # an anonymous token, if the endpoint hands one out, grants nothing here
    service = assert_bearer_challenge(anon.get("/v2/"), reg)["service"]
    r = anon.get("/v2/token", params={"service": service, "scope": "repository:team/app:pull"})
    if r.status_code == 200:
        token = r.json().get("token") or r.json().get("access_token")
        assert_oci_error(OciHttp(reg.base, bearer=token).get("/v2/team/app/manifests/v1"),
                         (401, 403), "UNAUTHORIZED", "DENIED")
    else:
        assert r.status_code == 401, describe(r)

    # with credentials the same pull works
    skopeo.copy(docker(reg, "team/app:v1"), f"oci:{tmp_path / 'yes'}:v1", src_creds=ADMIN)
    assert OciLayout(tmp_path / "yes").manifest_bytes("v1") == oci_image.manifest_bytes


def test_oras_with_docker_config_credentials(oci_auth_registry, tmp_path, monkeypatch):
    """oras reads ~/.docker/config.json (what `oras login` writes) and follows the token flow."""
    reg = oci_auth_registry()
    home = tmp_path / "oras-home"
    (home / ".docker").mkdir(parents=True)
    auth = base64.b64encode(ADMIN.encode()).decode()
    (home / ".docker" / "config.json").write_text(json.dumps({"auths": {reg.host: {"auth": auth}}}))
    work = tmp_path / "oras-work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("DOCKER_CONFIG", raising=False)
    monkeypatch.chdir(work)
    (work / "notes.txt").write_bytes(b"authenticated artifact\n")

    client = oras.client.OrasClient(hostname=reg.host, insecure=True)
    client.session.trust_env = False
    r = client.push(files=["notes.txt:text/plain"], target=f"{reg.host}/art/notes:v1", quiet=True)
    assert r.status_code == 201, describe(r)
    out = tmp_path / "out"
    client2 = oras.client.OrasClient(hostname=reg.host, insecure=True)
    client2.session.trust_env = False
    client2.pull(target=f"{reg.host}/art/notes:v1", outdir=str(out))
    assert (out / "notes.txt").read_bytes() == b"authenticated artifact\n"
    r = reg.http(auth=ADMIN_AUTH).get("/v2/art/notes/tags/list")
    assert r.status_code == 200 and r.json()["tags"] == ["v1"], describe(r)
