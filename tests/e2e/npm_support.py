"""Helpers for the npm end-to-end tests: the real npm CLI (10.x) against a running nora.

Every client runs with its own HOME, a project-local npmrc (`--userconfig`), an empty
global npmrc and `NPM_CONFIG_CACHE` in a temporary folder, so nothing reads or writes
the user's real npm configuration or cache.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from nora_e2e import Nora, clean_env

NPM_TIMEOUT = 120


class Npm:
    """The npm CLI configured for one registry (and optionally one token)."""

    def __init__(self, server: Nora, root: Path, token: str | None = None):
        self.server = server
        self.root = root
        self.home = root / "home"
        self.cache = root / "cache"
        for folder in (self.home, self.cache):
            folder.mkdir(parents=True, exist_ok=True)
        self.userconfig = root / "npmrc"
        self.globalconfig = root / "global-npmrc"
        self.globalconfig.write_text("")
        self.set_token(token)

    @property
    def registry(self) -> str:
        return f"{self.server.base}/npm/"

    def set_token(self, token: str | None) -> None:
        lines = [
            f"registry={self.registry}",
            "update-notifier=false",
            "audit=false",
            "fund=false",
            "loglevel=warn",
            "fetch-retries=0",
        ]
        if token:
            lines.append(f"//127.0.0.1:{self.server.port}/npm/:_authToken={token}")
        self.userconfig.write_text("\n".join(lines) + "\n")

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
        env = clean_env(self.home, {
            "NPM_CONFIG_CACHE": str(self.cache),
            "NPM_CONFIG_USERCONFIG": str(self.userconfig),
            "NPM_CONFIG_GLOBALCONFIG": str(self.globalconfig),
            "NO_UPDATE_NOTIFIER": "1",
        })
        env = {k: v for k, v in env.items() if not k.lower().startswith("npm_config_") or k in (
            "NPM_CONFIG_CACHE", "NPM_CONFIG_USERCONFIG", "NPM_CONFIG_GLOBALCONFIG")}
        cmd = ["npm", *args, "--userconfig", str(self.userconfig)]
        proc = subprocess.run(cmd, cwd=str(cwd or self.root), env=env, capture_output=True, text=True,
                              timeout=NPM_TIMEOUT, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n"
                                 f"--- server log ---\n{self.server.log()[-3000:]}")
        return proc

    def json(self, *args: str, cwd: Path | None = None):
        proc = self.run(*args, "--json", cwd=cwd)
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    def publish(self, folder: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run("publish", *args, cwd=folder, check=check)


def make_package(root: Path, name: str, version: str, *, dependencies: dict[str, str] | None = None,
                 description: str = "", keywords: list[str] | None = None, body: str | None = None) -> Path:
    """A publishable package folder: package.json, index.js, README.md."""
    folder = root / f"src-{name.replace('/', '_').replace('@', '')}-{version}"
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"name": name, "version": version, "description": description, "main": "index.js",
                "license": "MIT", "keywords": keywords or []}
    if dependencies:
        manifest["dependencies"] = dependencies
    (folder / "package.json").write_text(json.dumps(manifest, indent=2))
    (folder / "index.js").write_text(body or f"module.exports = {json.dumps(name + '@' + version)};\n")
    (folder / "README.md").write_text(f"# {name}\n\nVersion {version}.\n")
    return folder


def new_project(root: Path, name: str = "consumer") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "package.json").write_text(json.dumps({"name": name, "version": "0.0.0", "private": True}))
    return folder


def login(server: Nora, user: str, password: str):
    """The legacy login PUT npm makes; returns the curl response."""
    return server.put(f"/npm/-/user/org.couchdb.user:{user}",
                      data=json.dumps({"_id": f"org.couchdb.user:{user}", "name": user, "password": password,
                                       "type": "user", "roles": []}),
                      headers={"Content-Type": "application/json"})


def token_for(server: Nora, user: str = "admin", password: str = "s3cret") -> str:
    r = login(server, user, password)
    assert r.status == 201, r
    token = r.json()["token"]
    assert token.startswith("nora_")
    return token


def cli_token(server: Nora, name: str, role: str) -> str:
    p = server.nora("token", "create", "--name", name, "--role", role, "--owner", name)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip().splitlines()[-1]


def npm_error(proc: subprocess.CompletedProcess) -> str:
    """npm's error output (it prints `npm error …` lines to stderr)."""
    return proc.stderr + proc.stdout

