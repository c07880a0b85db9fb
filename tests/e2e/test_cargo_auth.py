"""Auth-required registries (RFC 3139) and crate ownership, with the real cargo and API tokens."""

from __future__ import annotations

from cargo_support import Cargo, REGISTRY, make_crate


def token(nora, name: str, role: str, owner: str) -> str:
    out = nora.nora("token", "create", "--name", name, "--role", role, "--owner", owner)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def owners(cargo: Cargo, crate: str, cwd, secret: str) -> list[str]:
    out = cargo.run("owner", "--list", "--registry", REGISTRY, crate, cwd=cwd, token=secret)
    return sorted(line.split()[0] for line in out.stdout.splitlines() if line.strip())


def test_auth_required_tokens_and_owners(auth_nora, tmp_path):
    nora = auth_nora()
    alice, bob = token(nora, "alice-ci", "write", "alice"), token(nora, "bob-ci", "write", "bob")
    reader, admin = token(nora, "reader", "read", "carol"), token(nora, "ops", "admin", "admin")
    cargo = Cargo(tmp_path, nora, token=None, auth_required=True)
    work = tmp_path / "src"

    # Unauthenticated: 401 with cargo's challenge; with a token, config.json says auth is required.
    anonymous = nora.get("/cargo/index/config.json")
    assert anonymous.status == 401
    assert anonymous.header("www-authenticate") == f'Cargo login_url="{nora.base}/cargo/me"'
    assert anonymous.json()["errors"][0]["detail"]
    config = nora.get("/cargo/index/config.json", headers={"Authorization": reader}).json()
    assert config["auth-required"] is True
    assert nora.get("/cargo/me").status == 200

    cargo.publish(make_crate(work, "secret", "0.1.0", "pub fn s() -> u8 { 1 }\n"), token=alice)
    assert owners(cargo, "secret", work, reader) == ["alice"]

    # A consumer with a read token resolves, downloads and builds; without one it cannot.
    app = make_crate(work, "app", "0.1.0", "", bin_rs='fn main() { println!("{}", secret::s()); }\n',
                     deps=f'secret = {{ version = "0.1", registry = "{REGISTRY}" }}\n')
    assert cargo.run("run", "-q", cwd=app, token=reader).stdout.strip() == "1"
    (app / "Cargo.lock").unlink()
    denied = cargo.run("generate-lockfile", cwd=app, token="", check=False)
    assert denied.returncode != 0 and "token" in denied.stderr.lower(), denied.stderr

    # A writer who does not own the crate may not publish or yank; a reader may not publish at all.
    v2 = make_crate(work, "secret", "0.2.0", "pub fn s() -> u8 { 2 }\n")
    out = cargo.publish(v2, token=bob, check=False)
    assert out.returncode != 0 and "'bob' is not an owner of crate 'secret'" in out.stderr, out.stderr
    out = cargo.run("yank", "--version", "0.1.0", "--registry", REGISTRY, "secret", cwd=work, token=bob, check=False)
    assert out.returncode != 0 and "not an owner" in out.stderr, out.stderr
    out = cargo.publish(v2, token=reader, check=False)
    assert out.returncode != 0 and "this needs write" in out.stderr, out.stderr

    # Owners: only known users (htpasswd or token owners) can be added.
    out = cargo.run("owner", "--add", "nobody", "--registry", REGISTRY, "secret", cwd=work, token=alice, check=False)
    assert out.returncode != 0 and "'nobody' is not a user of this registry" in out.stderr, out.stderr
    cargo.run("owner", "--add", "bob", "--registry", REGISTRY, "secret", cwd=work, token=alice)
    assert owners(cargo, "secret", work, reader) == ["alice", "bob"]
    cargo.publish(v2, token=bob)
    cargo.run("owner", "--remove", "bob", "--registry", REGISTRY, "secret", cwd=work, token=alice)
    assert owners(cargo, "secret", work, reader) == ["alice"]
    out = cargo.run("owner", "--remove", "alice", "--registry", REGISTRY, "secret", cwd=work, token=alice, check=False)
    assert out.returncode != 0 and "cannot remove every owner" in out.stderr, out.stderr
    # An admin acts on any crate.
    cargo.run("yank", "--version", "0.2.0", "--registry", REGISTRY, "secret", cwd=work, token=admin)
    lines = nora.get("/cargo/index/se/cr/secret", headers={"Authorization": reader}).text.splitlines()
    assert ['"yanked":true' in line for line in lines] == [False, True]
    # The htpasswd user alice can be named an owner of another crate too.
    cargo.publish(make_crate(work, "other", "1.0.0", "pub fn o() {}\n"), token=bob)
    cargo.run("owner", "--add", "alice", "--registry", REGISTRY, "other", cwd=work, token=bob)
    assert owners(cargo, "other", work, reader) == ["alice", "bob"]


def test_anonymous_read_serves_index_but_publish_needs_a_token(auth_nora, tmp_path):
    nora = auth_nora({"NORA_AUTH_ANONYMOUS_READ": "true"})
    writer = token(nora, "w", "write", "alice")
    cargo = Cargo(tmp_path, nora, token=None)
    assert "auth-required" not in nora.get("/cargo/index/config.json").json()
    crate = make_crate(tmp_path / "src", "open", "1.0.0", "pub fn o() {}\n")
    out = cargo.publish(crate, token="", check=False)
    assert out.returncode != 0
    anonymous = nora.put("/cargo/api/v1/crates/new", b"\x00")
    assert anonymous.status == 401 and anonymous.header("www-authenticate").startswith("Cargo login_url=")
    cargo.publish(crate, token=writer)
    assert nora.get("/cargo/api/v1/crates/open/1.0.0/download").status == 200
    assert nora.get("/cargo/index/op/en/open").status == 200
