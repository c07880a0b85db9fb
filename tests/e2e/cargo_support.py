"""Driving the real cargo against a test server.

cargo here is a rustup proxy in ~/.cargo/bin; the proxy needs the user's RUSTUP_HOME, so we
resolve the real toolchain binaries once (`rustup which cargo`) and run those directly with
a temporary CARGO_HOME and HOME: nothing reads or writes the user's cargo configuration.
crates.io is replaced by the test registry, so cargo never tries the network.
"""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

from nora_e2e import Nora

REGISTRY = "nora"


@functools.lru_cache(maxsize=1)
def toolchain_bin() -> Path:
    """The folder holding the real cargo and rustc binaries."""
    rustup = shutil.which("rustup") or os.path.expanduser("~/.cargo/bin/rustup")
    if os.path.exists(rustup):
        out = subprocess.run([rustup, "which", "cargo"], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            return Path(out.stdout.strip()).parent
    cargo = shutil.which("cargo")
    if not cargo:
        raise RuntimeError("cargo not found; run scripts/install-cargo-clients.sh")
    return Path(os.path.realpath(cargo)).parent


class Cargo:
    """cargo with its own CARGO_HOME whose config points at `nora` (and replaces crates.io with it)."""

    def __init__(self, root: Path, nora: Nora, token: str | None = "nora_unused_when_auth_is_off",
                 auth_required: bool = False):
        self.root = root
        self.nora = nora
        self.home = root / "cargo-home"
        self.home.mkdir(parents=True, exist_ok=True)
        (root / "home").mkdir(exist_ok=True)
        self.token = token
        self.target = root / "target"
        index = f"sparse+{nora.base}/cargo/index/"
        provider = 'credential-provider = "cargo:token"\n' if auth_required else ""
        (self.home / "config.toml").write_text(
            f'[registries.{REGISTRY}]\nindex = "{index}"\n{provider}\n'
            f'[source.crates-io]\nreplace-with = "{REGISTRY}"\n\n'
            '[net]\nretry = 0\n\n[http]\ntimeout = 20\n\n[term]\ncolor = "never"\nprogress.when = "never"\n')

    def env(self, token: str | None = None) -> dict[str, str]:
        tools = toolchain_bin()
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CARGO", "RUSTUP", "NORA_")) and k not in ("RUSTC", "RUSTFLAGS")}
        env.update({
            "PATH": f"{tools}:/usr/bin:/bin",
            "RUSTC": str(tools / "rustc"),
            "CARGO_HOME": str(self.home),
            "HOME": str(self.root / "home"),
            "CARGO_TARGET_DIR": str(self.target),
            "CARGO_INCREMENTAL": "0",
            "NO_PROXY": "127.0.0.1,localhost",
        })
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            env.pop(k, None)
        secret = token if token is not None else self.token
        if secret:
            env[f"CARGO_REGISTRIES_{REGISTRY.upper()}_TOKEN"] = secret
        return env

    def run(self, *args: str, cwd: Path, token: str | None = None, check: bool = True,
            timeout: float = 240) -> subprocess.CompletedProcess:
        proc = subprocess.run([str(toolchain_bin() / "cargo"), *args], cwd=str(cwd), env=self.env(token),
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"cargo {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}\n{proc.stdout}"
                                 f"\n--- server log ---\n{self.nora.log()[-3000:]}")
        return proc

    def publish(self, crate: Path, token: str | None = None, check: bool = True, verify: bool = False):
        args = ["publish", "--registry", REGISTRY, "--allow-dirty"] + ([] if verify else ["--no-verify"])
        return self.run(*args, cwd=crate, token=token, check=check)


def make_crate(parent: Path, name: str, version: str, lib_rs: str, *, deps: str = "", dev_deps: str = "",
               features: str = "", bin_rs: str | None = None, folder: str | None = None) -> Path:
    """A crate folder with a Cargo.toml (description and license, as publish wants) and sources."""
    root = parent / (folder or f"{name}-{version}")
    (root / "src").mkdir(parents=True, exist_ok=True)
    manifest = (f'[package]\nname = "{name}"\nversion = "{version}"\nedition = "2021"\n'
                f'description = "the {name} crate"\nlicense = "MIT"\n\n'
                f'[dependencies]\n{deps}\n[dev-dependencies]\n{dev_deps}\n[features]\n{features}\n')
    (root / "Cargo.toml").write_text(manifest)
    if bin_rs is not None:
        (root / "src" / "main.rs").write_text(bin_rs)
    else:
        (root / "src" / "lib.rs").write_text(lib_rs)
    return root


def index_lines(nora: Nora, path: str, **kw) -> list[dict]:
    response = nora.get(f"/cargo/index/{path}", **kw)
    assert response.status == 200, response
    return [json.loads(line) for line in response.text.splitlines() if line]


def publish_body(metadata: dict | bytes, crate: bytes, *, json_length: int | None = None,
                 crate_length: int | None = None) -> bytes:
    """The framing of `PUT /api/v1/crates/new`, with lengths that may lie (for bad-input tests)."""
    meta = metadata if isinstance(metadata, bytes) else json.dumps(metadata).encode()
    return (struct.pack("<I", len(meta) if json_length is None else json_length) + meta
            + struct.pack("<I", len(crate) if crate_length is None else crate_length) + crate)


def crate_tarball(files: dict[str, bytes], links: dict[str, tuple[bytes, str]] | None = None) -> bytes:
    """A gzip tar (a .crate, an npm tarball, a layer) holding exactly `files` (paths as given,
    possibly wrong) and `links` ({path: (tar link type, target)})."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for path, (kind, target) in (links or {}).items():
            info = tarfile.TarInfo(path)
            info.type, info.linkname = kind, target
            tar.addfile(info)
    return buffer.getvalue()


def minimal_metadata(name: str, version: str, **extra) -> dict:
    meta = {"name": name, "vers": version, "deps": [], "features": {}, "authors": [], "description": "test",
            "license": "MIT", "keywords": [], "categories": [], "badges": {}, "links": None}
    meta.update(extra)
    return meta
