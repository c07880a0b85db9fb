"""Configuration: bad values stop start-up with one line naming the key; config.toml
applies and NORA_* variables override it; the CLI help documents the variables."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from nora_e2e import clean_env, free_port, make_htpasswd, run_nora


def refuse(tmp_path: Path, env: dict[str, str | None], files: dict[str, str] | None = None) -> tuple[str, Path]:
    """Runs `nora serve` that must refuse to start; returns its stderr and the data folder."""
    root = tmp_path / "refused"
    root.mkdir(exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    storage = root / "data" / "storage"
    merged = {"NORA_PORT": str(free_port()), "NORA_STORAGE_PATH": str(storage), **env}
    full = clean_env(root / "home", {k: v for k, v in merged.items() if v is not None})  # None: leave unset
    try:
        p = run_nora(["serve"], full, root, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail(f"nora started (or hung) instead of refusing {env}")
    assert p.returncode != 0, (env, p.stdout, p.stderr)
    return p.stderr, root / "data"


def first_error_line(stderr: str) -> str:
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert lines, "no message on stderr"
    return lines[0]


BAD_VALUES = [
    ({"NORA_PORT": "abc"}, "NORA_PORT='abc'", "whole number"),
    ({"NORA_PORT": "70000"}, "NORA_PORT='70000'", "between 1 and 65535"),
    ({"NORA_PORT": "0"}, "NORA_PORT='0'", "between"),
    ({"NORA_AUTH_ENABLED": "maybe"}, "NORA_AUTH_ENABLED='maybe'", "true or false"),
    ({"NORA_AUTH_ANONYMOUS_READ": "2"}, "NORA_AUTH_ANONYMOUS_READ='2'", "true or false"),
    ({"NORA_REGISTRIES_ENABLE": "foo"}, "NORA_REGISTRIES_ENABLE='foo'", "unknown registry 'foo'"),
    ({"NORA_REGISTRIES_ENABLE": "raw,-bogus"}, "NORA_REGISTRIES_ENABLE='raw,-bogus'", "bogus"),
    ({"NORA_HOST": "0.0.0.0"}, "NORA_HOST='0.0.0.0'", "NORA_PUBLIC_URL"),
    ({"NORA_PUBLIC_URL": "ftp://example.com"}, "NORA_PUBLIC_URL='ftp://example.com'", "http"),
    ({"NORA_RAW_MAX_FILE_SIZE": "10MB"}, "NORA_RAW_MAX_FILE_SIZE='10MB'", "whole number"),
    ({"NORA_RAW_MAX_FILE_SIZE": "-1"}, "NORA_RAW_MAX_FILE_SIZE='-1'", "between"),
    ({"NORA_RATE_LIMIT_GENERAL_RPS": "0"}, "NORA_RATE_LIMIT_GENERAL_RPS='0'", "positive"),
    ({"NORA_RATE_LIMIT_AUTH_BURST": "lots"}, "NORA_RATE_LIMIT_AUTH_BURST='lots'", "whole number"),
    ({"NORA_RATE_LIMIT_ENABLED": "sometimes"}, "NORA_RATE_LIMIT_ENABLED='sometimes'", "true or false"),
    ({"NORA_DATABASE_URL": "mysql://db/nora"}, "NORA_DATABASE_URL='mysql://db/nora'", "sqlite://"),
    ({"NORA_LOG_LEVEL": "loud"}, "NORA_LOG_LEVEL='loud'", "must be one of"),
    ({"NORA_BODY_LIMIT_MB": "none"}, "NORA_BODY_LIMIT_MB='none'", "whole number"),
]


@pytest.mark.parametrize("env,needle,reason", BAD_VALUES, ids=[next(iter(e)) + "=" + next(iter(e.values())) for e, _, _ in BAD_VALUES])
def test_bad_value_stops_startup(tmp_path, env, needle, reason):
    stderr, data = refuse(tmp_path, env)
    line = first_error_line(stderr)
    assert "invalid configuration" in line, stderr
    assert needle in line, stderr
    assert reason in line, stderr
    # validated before anything touches the disk
    assert not data.exists()


def test_md5_htpasswd_entry_is_refused(tmp_path):
    htpasswd = tmp_path / "md5.htpasswd"
    make_htpasswd(htpasswd, {"good": "pw"})
    md5 = subprocess.run(["htpasswd", "-m", "-b", "-n", "legacy", "secret"], capture_output=True, text=True, check=True)
    assert "$apr1$" in md5.stdout
    htpasswd.write_text(htpasswd.read_text() + md5.stdout.strip() + "\n")
    stderr, data = refuse(tmp_path, {"NORA_AUTH_ENABLED": "true", "NORA_AUTH_HTPASSWD_FILE": str(htpasswd)})
    line = first_error_line(stderr)
    assert "NORA_AUTH_HTPASSWD_FILE" in line, stderr
    assert "legacy" in line and "bcrypt" in line, stderr
    assert ":2:" in line  # the line number of the offending entry
    assert not data.exists()


def test_md5_htpasswd_is_ignored_when_auth_is_off(nora_factory, tmp_path):
    htpasswd = tmp_path / "md5.htpasswd"
    subprocess.run(["htpasswd", "-m", "-b", "-c", str(htpasswd), "legacy", "secret"], check=True, capture_output=True)
    server = nora_factory({"NORA_AUTH_HTPASSWD_FILE": str(htpasswd)})
    assert server.get("/health").status == 200


def test_missing_htpasswd_with_auth_on_is_refused(tmp_path):
    stderr, _ = refuse(tmp_path, {"NORA_AUTH_ENABLED": "true", "NORA_AUTH_HTPASSWD_FILE": str(tmp_path / "nope")})
    line = first_error_line(stderr)
    assert "NORA_AUTH_HTPASSWD_FILE" in line and "nope" in line, stderr


@pytest.mark.parametrize("toml,needle", [
    ('[server]\nport = "abc"\n', "server.port (config.toml)='abc'"),
    ("[server]\nport = true\n", "server.port (config.toml)"),
    ("[auth]\nenabled = 5\n", "auth.enabled (config.toml)='5'"),
    ('[raw]\nmax_file_size = "big"\n', "raw.max_file_size (config.toml)='big'"),
    ('[registries]\nenable = ["raw", "nonsense"]\n', "registries.enable (config.toml)"),
    ("[server\nport = 1\n", "bad.toml:1"),
    ("[[[garbage", "bad.toml:1"),
    ("[server]\nport = 1\n[{x}]\n", "bad.toml:3"),
    ("[server]\n[ = ]\n", "bad.toml:2"),
])
def test_bad_config_toml_value(tmp_path, toml, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    # NORA_PORT from the environment would override (and so mask) a bad server.port: leave it unset
    stderr, data = refuse(tmp_path, {"NORA_CONFIG_PATH": str(cfg), "NORA_PORT": None})
    line = first_error_line(stderr)
    assert "invalid configuration" in line, stderr
    assert needle in line, stderr
    assert not data.exists()


def test_bad_value_in_working_directory_config_toml(tmp_path):
    root = tmp_path / "r"
    (root / "home").mkdir(parents=True)
    (root / "config.toml").write_text('[server]\nport = "abc"\n')  # ./config.toml is read when NORA_CONFIG_PATH is unset
    env = clean_env(root / "home", {"NORA_STORAGE_PATH": str(root / "data" / "storage")})
    p = run_nora(["serve"], env, root, timeout=15)
    assert p.returncode != 0
    assert "server.port (config.toml)='abc'" in first_error_line(p.stderr), p.stderr


def test_unusable_storage_path_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    stderr, _ = refuse(tmp_path, {"NORA_STORAGE_PATH": str(blocker / "storage")})
    line = first_error_line(stderr)
    assert "NORA_STORAGE_PATH" in line and str(blocker) in line, stderr
    assert blocker.read_text() == "not a folder"


def test_unusable_database_url_is_refused(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    stderr, _ = refuse(tmp_path, {"NORA_DATABASE_URL": f"sqlite://{blocker}/meta.sqlite"})
    line = first_error_line(stderr)
    assert "NORA_DATABASE_URL" in line and "meta.sqlite" in line, stderr


def test_database_url_is_used(nora_factory, tmp_path):
    db = tmp_path / "elsewhere" / "meta.sqlite"
    server = nora_factory({"NORA_DATABASE_URL": f"sqlite://{db}"})
    assert server.put("/raw/x.txt", b"x").status == 201
    assert db.exists()
    assert not (server.data_dir / "metadata.sqlite").exists() and not (server.storage / "metadata.sqlite").exists()
    # the CLI follows the same setting
    assert server.nora("token", "create", "--name", "t").returncode == 0
    assert "\tt\t" in server.nora("token", "list").stdout


def test_unreadable_config_path_is_refused(tmp_path):
    stderr, _ = refuse(tmp_path, {"NORA_CONFIG_PATH": str(tmp_path / "missing.toml")})
    line = first_error_line(stderr)
    assert "NORA_CONFIG_PATH" in line and "missing.toml" in line, stderr


def test_config_toml_applies_and_env_overrides(nora_factory, tmp_path):
    toml_port = free_port()
    cfg = tmp_path / "nora.toml"
    cfg.write_text(f"""
# a NORA-style config file
[server]
host = "127.0.0.1"
port = {toml_port}

[raw]
max_file_size = 10

[registries]
enable = "all,-maven"

[metrics_extra]
unused = 1
""")
    # 1. the file alone: its port and its size limit are in force
    server = nora_factory({"NORA_CONFIG_PATH": str(cfg), "NORA_PORT": None}, port=toml_port)
    assert server.port == toml_port
    assert server.put("/raw/ten.bin", b"0123456789").status == 201
    assert server.put("/raw/eleven.bin", b"0123456789A").status == 413
    assert "metrics_extra.unused" in server.log()  # unknown keys are reported, not fatal
    assert server.terminate() == 0

    # 2. environment variables win over the file
    env_port = free_port()
    server = nora_factory({"NORA_CONFIG_PATH": str(cfg), "NORA_PORT": str(env_port),
                           "NORA_RAW_MAX_FILE_SIZE": "20"}, root=server.root)
    assert server.port == env_port
    assert server.put("/raw/eleven.bin", b"0123456789A").status == 201
    assert server.put("/raw/big.bin", b"x" * 21).status == 413
    # same data folder: the file stored by the first run is still there
    assert server.get("/raw/ten.bin").body == b"0123456789"


def test_config_toml_in_working_directory_is_read(nora_factory):
    root = nora_factory.root_for("cwdconfig")
    (root / "config.toml").write_text("[raw]\nmax_file_size = 4\n[auth]\nanonymous_read = true\n")
    server = nora_factory(root=root)
    assert server.put("/raw/ok", b"1234").status == 201
    assert server.put("/raw/no", b"12345").status == 413


def test_public_host_with_public_url_starts(nora_factory):
    server = nora_factory({"NORA_HOST": "0.0.0.0", "NORA_PUBLIC_URL": "https://registry.example.com/"})
    assert server.get("/health").json()["status"] == "ok"


# --------------------------------------------------------------------------------------
# CLI help
# --------------------------------------------------------------------------------------

ALL_VARIABLES = [
    "NORA_HOST", "NORA_PORT", "NORA_PUBLIC_URL", "NORA_STORAGE_PATH", "NORA_DATABASE_URL",
    "NORA_BODY_LIMIT_MB", "NORA_AUTH_ENABLED", "NORA_AUTH_ANONYMOUS_READ", "NORA_AUTH_HTPASSWD_FILE",
    "NORA_AUTH_PUBLIC_METRICS", "NORA_RATE_LIMIT_ENABLED", "NORA_RATE_LIMIT_AUTH_RPS",
    "NORA_RATE_LIMIT_UPLOAD_RPS", "NORA_RATE_LIMIT_GENERAL_RPS", "NORA_REGISTRIES_ENABLE",
    "NORA_RAW_MAX_FILE_SIZE", "NORA_CONFIG_PATH", "NORA_IDLE_TIMEOUT",
]


def _cli(tmp_path, *args):
    (tmp_path / "home").mkdir(exist_ok=True)
    return run_nora(list(args), clean_env(tmp_path / "home"), tmp_path, timeout=15)


def test_help_mentions_variables(tmp_path):
    p = _cli(tmp_path, "--help")
    assert p.returncode == 0, p.stderr
    assert "NORA_" in p.stdout and "config.toml" in p.stdout
    assert "serve" in p.stdout and "token" in p.stdout

    p = _cli(tmp_path, "serve", "--help")
    assert p.returncode == 0, p.stderr
    missing = [v for v in ALL_VARIABLES if v not in p.stdout]
    assert not missing, f"serve --help does not mention {missing}"
    assert "_BURST" in p.stdout
    # nothing was started or created by asking for help
    assert not (tmp_path / "data").exists()


def test_token_help(tmp_path):
    p = _cli(tmp_path, "token", "--help")
    assert p.returncode == 0, p.stderr
    for sub in ("create", "list", "revoke"):
        assert sub in p.stdout
    p = _cli(tmp_path, "token", "create", "--help")
    assert p.returncode == 0, p.stderr
    for opt in ("--name", "--role", "--expires", "--owner"):
        assert opt in p.stdout
    assert not (tmp_path / "data").exists()


def test_version_matches_health(nora, tmp_path):
    p = _cli(tmp_path, "--version")
    assert p.returncode == 0
    assert p.stdout.strip() == nora.get("/health").json()["version"]


def test_servers_sharing_a_parent_folder_keep_separate_databases(nora_factory, tmp_path):
    """The embedded database lives inside the storage folder: two servers whose storage folders
    share a parent (both under one temp folder) never share a database."""
    parent = tmp_path / "shared"
    a = nora_factory({"NORA_STORAGE_PATH": str(parent / "a")})
    b = nora_factory({"NORA_STORAGE_PATH": str(parent / "b")})
    assert a.put("/raw/only-a.txt", b"a").status == 201
    assert b.get("/raw/only-a.txt").status == 404
    assert (parent / "a" / "metadata.sqlite").exists() and (parent / "b" / "metadata.sqlite").exists()
    assert not (parent / "metadata.sqlite").exists()


def test_database_and_store_that_do_not_belong_together_stop_startup(nora_factory, tmp_path):
    a = nora_factory({"NORA_STORAGE_PATH": str(tmp_path / "a")})
    assert a.put("/raw/x.txt", b"x").status == 201
    assert a.get("/ready").json()["registry"] == "ok"
    assert a.terminate() == 0
    database = tmp_path / "a" / "metadata.sqlite"
    stderr, _ = refuse(tmp_path, {"NORA_DATABASE_URL": f"sqlite://{database}",
                                  "NORA_STORAGE_PATH": str(tmp_path / "empty")})
    assert str(database) in stderr and str(tmp_path / "empty") in stderr, stderr
    assert "not one registry's database and store" in stderr, stderr


GARBAGE_FILES = [b"[[[garbage", b"[{x}]", b"[[ [", b"\x00\xff\xfe[[[", b"a = [[[[[[[[", b"a = {{{{", b'"""', b"[a]\n[[[b", b"= = =",
                 b"[server]\nport = 0x\n", b"\xef\xbb\xbf[[[x"]


@pytest.mark.parametrize("content", GARBAGE_FILES, ids=[repr(g)[2:14] for g in GARBAGE_FILES])
def test_garbage_config_file_never_crashes(tmp_path, content):
    """Garbage in config.toml gives one line naming the file and line, and exit status 1 (not a
    crash inside the TOML parser: exit 134 and no message)."""
    root = tmp_path / "g"
    (root / "home").mkdir(parents=True)
    cfg = root / "garbage.toml"
    cfg.write_bytes(content)
    env = clean_env(root / "home", {"NORA_STORAGE_PATH": str(root / "data" / "storage"), "NORA_CONFIG_PATH": str(cfg)})
    p = run_nora(["serve"], env, root, timeout=15)
    assert p.returncode == 1, (p.returncode, p.stderr)
    line = first_error_line(p.stderr)
    assert "invalid configuration" in line and "garbage.toml" in line, p.stderr
