"""Authentication and authorisation: auth off, auth on, anonymous read, htpasswd users,
API tokens (CLI and /api/tokens), roles, revocation, expiry and failed-login limits."""

from __future__ import annotations

import json
import re
import time

import pytest


def assert_401(r):
    assert r.status == 401, r
    challenge = r.header("www-authenticate")
    assert challenge is not None and challenge.lower().startswith("basic"), r
    assert "realm=" in challenge
    assert "error" in r.json()


# --------------------------------------------------------------------------------------
# auth off / on / anonymous read
# --------------------------------------------------------------------------------------

def test_auth_off_everything_works(nora):
    assert nora.put("/raw/open/file.txt", b"open").status == 201
    assert nora.get("/raw/open/file.txt").body == b"open"
    assert nora.get("/raw/open/?format=json").status == 200
    # credentials are not even looked at when auth is off
    r = nora.get("/raw/open/file.txt", user="nobody:wrong")
    assert r.status == 200 and r.body == b"open"
    assert nora.put("/raw/open/file.txt", b"again", bearer="nora_bogus").status == 200
    assert nora.delete("/raw/open/file.txt").status == 204
    assert nora.get("/metrics").status == 200


def test_auth_on_requires_credentials(auth_nora):
    server = auth_nora()
    # probes stay public
    assert server.get("/health").status == 200
    assert server.get("/ready").status == 200
    # everything else needs credentials
    assert_401(server.get("/raw/secret.txt"))
    r = server.head("/raw/secret.txt")  # HEAD: no body, same status and challenge
    assert r.status == 401 and r.header("www-authenticate").lower().startswith("basic")
    assert_401(server.put("/raw/secret.txt", b"data"))
    assert_401(server.get("/raw/?format=json"))
    assert_401(server.delete("/raw/secret.txt"))
    assert_401(server.get("/api/tokens"))
    assert_401(server.get("/metrics"))

    # the htpasswd user (bcrypt) may do everything
    r = server.put("/raw/secret.txt", b"data", user="admin:s3cret")
    assert r.status == 201, r
    r = server.get("/raw/secret.txt", user="admin:s3cret")
    assert r.status == 200 and r.body == b"data"
    assert server.get("/raw/secret.txt", user="alice:wonderland").body == b"data"
    assert server.get("/raw/?format=json", user="admin:s3cret").status == 200

    # wrong password, unknown user, malformed header: 401
    assert_401(server.get("/raw/secret.txt", user="admin:wrong"))
    assert_401(server.get("/raw/secret.txt", user="mallory:s3cret"))
    assert_401(server.get("/raw/secret.txt", headers={"Authorization": "Basic !!!notbase64"}))
    assert_401(server.get("/raw/secret.txt", headers={"Authorization": "Digest abc"}))
    # the file was never served to them, and an anonymous DELETE did not remove it
    assert server.get("/raw/secret.txt", user="admin:s3cret").status == 200


def test_anonymous_read(auth_nora):
    server = auth_nora({"NORA_AUTH_ANONYMOUS_READ": "true"})
    assert server.put("/raw/pub/file.txt", b"public", user="admin:s3cret").status == 201
    # reads without credentials
    r = server.get("/raw/pub/file.txt")
    assert r.status == 200 and r.body == b"public"
    assert server.head("/raw/pub/file.txt").status == 200
    assert server.get("/raw/pub/?format=json").json()["entries"][0]["name"] == "file.txt"
    assert server.get("/raw/pub/file.txt", headers={"Range": "bytes=0-1"}).body == b"pu"
    # writes still need credentials
    assert_401(server.put("/raw/pub/other.txt", b"nope"))
    assert_401(server.put("/raw/pub/file.txt", b"overwrite"))
    assert_401(server.delete("/raw/pub/file.txt"))
    assert server.get("/raw/pub/file.txt").body == b"public"
    assert server.get("/raw/pub/other.txt").status == 404
    # admin API is not a read
    assert_401(server.get("/api/tokens"))
    # bad credentials are still refused even though anonymous would be allowed
    assert_401(server.get("/raw/pub/file.txt", user="admin:wrong"))


# --------------------------------------------------------------------------------------
# tokens from the CLI
# --------------------------------------------------------------------------------------

SECRET = re.compile(r"^nora_[0-9a-f]{64}$")


def create_token(server, name: str, role: str, *extra: str) -> str:
    p = server.nora("token", "create", "--name", name, "--role", role, *extra)
    assert p.returncode == 0, p.stderr
    secret = p.stdout.strip()
    assert SECRET.match(secret), p.stdout
    assert name in p.stderr  # the confirmation goes to stderr, the secret alone to stdout
    return secret


def test_token_roles_from_cli(auth_nora):
    server = auth_nora()
    read = create_token(server, "reader", "read")
    write = create_token(server, "writer", "write", "--owner", "ci-bot")
    admin = create_token(server, "boss", "admin", "--expires", "30d")
    assert len({read, write, admin}) == 3

    # write token: PUT works, as Bearer and as Basic with any user name
    assert server.put("/raw/t/one.txt", b"one", bearer=write).status == 201
    assert server.put("/raw/t/two.txt", b"two", user=f"whoever:{write}").status == 201
    assert server.put("/raw/t/three.txt", b"three", user=f"ci:{write}").status == 201

    # read token: reads work in both forms, writes are forbidden (403, not 401)
    assert server.get("/raw/t/one.txt", bearer=read).body == b"one"
    assert server.get("/raw/t/two.txt", user=f"x:{read}").body == b"two"
    r = server.put("/raw/t/four.txt", b"four", bearer=read)
    assert r.status == 403, r
    assert "error" in r.json()
    assert server.put("/raw/t/four.txt", b"four", user=f"x:{read}").status == 403
    assert server.delete("/raw/t/one.txt", bearer=read).status == 403
    assert server.get("/raw/t/four.txt", bearer=read).status == 404

    # no credentials: 401
    assert_401(server.put("/raw/t/five.txt", b"five"))
    # unknown token: 401
    assert_401(server.get("/raw/t/one.txt", bearer="nora_" + "0" * 64))
    assert_401(server.get("/raw/t/one.txt", bearer="not-a-token"))

    # only admins manage tokens
    assert server.get("/api/tokens", bearer=read).status == 403
    assert server.get("/api/tokens", bearer=write).status == 403
    r = server.curl("POST", "/api/tokens", data=json.dumps({"name": "x", "role": "admin"}), bearer=write,
                    headers={"Content-Type": "application/json"})
    assert r.status == 403, r
    r = server.get("/api/tokens", bearer=admin)
    assert r.status == 200
    listed = {t["name"]: t for t in r.json()}
    assert set(listed) == {"reader", "writer", "boss"}
    assert listed["writer"]["owner"] == "ci-bot"
    assert listed["writer"]["role"] == "write"
    assert listed["boss"]["expires_at"] is not None
    assert listed["reader"].get("expires_at") is None
    assert all(secret not in r.text for secret in (read, write, admin))

    # the CLI list shows the same, never a secret
    p = server.nora("token", "list")
    assert p.returncode == 0, p.stderr
    for name in ("reader", "writer", "boss"):
        assert name in p.stdout
    assert "nora_" not in p.stdout

    # revoke by name while the server runs: the next request is refused
    p = server.nora("token", "revoke", "writer")
    assert p.returncode == 0, p.stderr
    assert_401(server.put("/raw/t/six.txt", b"six", bearer=write))
    assert_401(server.get("/raw/t/one.txt", user=f"x:{write}"))
    # the others still work
    assert server.get("/raw/t/one.txt", bearer=read).status == 200
    # revoking again fails with a message
    p = server.nora("token", "revoke", "writer")
    assert p.returncode != 0
    assert "writer" in p.stderr


def test_token_create_rejects_bad_arguments(auth_nora):
    server = auth_nora()
    p = server.nora("token", "create", "--name", "x", "--role", "superuser")
    assert p.returncode != 0 and "--role" in p.stderr
    p = server.nora("token", "create", "--name", "x", "--expires", "soon")
    assert p.returncode != 0 and "--expires" in p.stderr
    assert "\tx\t" not in server.nora("token", "list").stdout


def test_expired_token_is_refused(auth_nora):
    server = auth_nora()
    short = create_token(server, "short", "read", "--expires", "1s")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if server.get("/raw/?format=json", bearer=short).status == 401:
            break
        time.sleep(0.25)
    assert_401(server.get("/raw/?format=json", bearer=short))


# --------------------------------------------------------------------------------------
# tokens over HTTP
# --------------------------------------------------------------------------------------

def post_token(server, body: dict, **auth):
    return server.curl("POST", "/api/tokens", data=json.dumps(body),
                       headers={"Content-Type": "application/json"}, **auth)


def test_token_api(auth_nora):
    server = auth_nora()
    r = post_token(server, {"name": "ci", "role": "write", "expires": "30d"}, user="admin:s3cret")
    assert r.status == 201, r
    created = r.json()
    assert SECRET.match(created["token"])
    assert created["name"] == "ci" and created["role"] == "write"
    assert created["owner"] == "admin"
    assert abs(created["expires_at"] - (time.time() + 30 * 86400)) < 120
    token_id = created["id"]

    r = post_token(server, {"name": "viewer", "role": "read"}, user="admin:s3cret")
    assert r.status == 201
    viewer = r.json()["token"]

    # the new write token works at once, in both forms
    assert server.put("/raw/api/a.txt", b"a", bearer=created["token"]).status == 201
    assert server.get("/raw/api/a.txt", user=f"ci:{created['token']}").body == b"a"
    # the read token cannot write
    assert server.put("/raw/api/b.txt", b"b", bearer=viewer).status == 403

    # listing never includes secrets
    r = server.get("/api/tokens", user="admin:s3cret")
    assert r.status == 200
    assert {t["id"] for t in r.json()} >= {token_id}
    assert created["token"] not in r.text and viewer not in r.text
    assert all("token" not in t for t in r.json())

    # non-admins cannot create, list or revoke
    assert post_token(server, {"name": "sneaky", "role": "admin"}, bearer=created["token"]).status == 403
    assert post_token(server, {"name": "sneaky", "role": "admin"}, bearer=viewer).status == 403
    assert server.delete(f"/api/tokens/{token_id}", bearer=viewer).status == 403
    assert_401(post_token(server, {"name": "anon", "role": "admin"}))
    assert "sneaky" not in server.get("/api/tokens", user="admin:s3cret").text

    # bad bodies: 400
    assert post_token(server, {"name": "x", "role": "god"}, user="admin:s3cret").status == 400
    assert post_token(server, {"name": "x", "expires": "forever"}, user="admin:s3cret").status == 400
    r = server.curl("POST", "/api/tokens", data="not json", user="admin:s3cret")
    assert r.status == 400 and "error" in r.json()

    # an admin token may manage tokens too
    r = post_token(server, {"name": "root", "role": "admin"}, user="admin:s3cret")
    admin_token = r.json()["token"]
    assert server.get("/api/tokens", bearer=admin_token).status == 200

    # revoke over HTTP: 204, then the token is refused; a second revoke is 404
    r = server.delete(f"/api/tokens/{token_id}", bearer=admin_token)
    assert r.status == 204, r
    assert_401(server.put("/raw/api/c.txt", b"c", bearer=created["token"]))
    assert_401(server.get("/raw/api/a.txt", user=f"ci:{created['token']}"))
    assert server.delete(f"/api/tokens/{token_id}", user="admin:s3cret").status == 404
    assert token_id not in server.get("/api/tokens", user="admin:s3cret").text
    # the CLI sees the same database
    listing = server.nora("token", "list").stdout
    assert "viewer" in listing and "root" in listing and "\tci\t" not in listing


# --------------------------------------------------------------------------------------
# failed-login limit
# --------------------------------------------------------------------------------------

def test_failed_logins_are_rate_limited(auth_nora):
    server = auth_nora({"NORA_RATE_LIMIT_AUTH_BURST": "3", "NORA_RATE_LIMIT_AUTH_RPS": "0.01"})
    # successful logins do not count
    for _ in range(5):
        assert server.get("/raw/?format=json", user="admin:s3cret").status == 200
    for _ in range(3):
        assert_401(server.get("/raw/?format=json", user="admin:guess"))
    r = server.get("/raw/?format=json", user="admin:guess")
    assert r.status == 429, r
    retry = int(r.header("retry-after"))
    assert retry >= 1
    assert "error" in r.json()
    # while blocked, even the right password is not checked
    r = server.get("/raw/?format=json", user="admin:s3cret")
    assert r.status == 429, r
    # tokens are credentials too
    assert server.get("/raw/?format=json", bearer="nora_" + "1" * 64).status == 429
    # probes are not affected
    assert server.get("/health").status == 200
