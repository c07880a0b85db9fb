"""Helpers for the PyPI end-to-end tests: the real clients (twine, uv, pip, build) from the
test venv, run with a clean environment in temporary folders.

The clients come from scripts/install-pypi-clients.sh (into the venv pytest runs in).
Every client gets its own HOME, caches and config; the machine's PIP_FIND_LINKS and
pip.conf are ignored so pip and uv see only the index under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

BIN = Path(sys.executable).parent
TWINE = str(BIN / "twine")
UV = str(BIN / "uv")
PYTHON = sys.executable


def client_env(home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment without any pip/uv/twine settings of the machine, everything in `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PIP_", "UV_", "TWINE_", "NORA_", "PYTHON")) and k.lower() not in
           ("http_proxy", "https_proxy", "all_proxy", "virtual_env")}
    env.update({
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "UV_NO_CACHE": "1",
        "UV_CACHE_DIR": str(home / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_NO_CONFIG": "1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra or {})
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path | None = None, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=str(cwd) if cwd else None, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"{proc.args} exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return proc


def make_project(root: Path, name: str, version: str, requires_python: str | None = None) -> Path:
    """A tiny setuptools project whose module `<name>_mod` prints its version."""
    project = root / f"{name}-{version}-src"
    module = name.lower().replace("-", "_") + "_mod"
    (project / module).mkdir(parents=True)
    (project / module / "__init__.py").write_text(f"VERSION = {version!r}\n")
    requires = f'requires-python = "{requires_python}"\n' if requires_python else ""
    (project / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "{version}"
        description = "nora e2e demo"
        """) + requires + textwrap.dedent(f"""\

        [tool.setuptools]
        packages = ["{module}"]
        """))
    return project


def build(project: Path, out: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """`python -m build` (wheel and sdist); no isolation, so setuptools comes from the test venv."""
    ok(run([PYTHON, "-m", "build", "--no-isolation", "--outdir", str(out), str(project)], env, cwd=project))
    wheel = next(out.glob("*.whl"))
    sdist = next(out.glob("*.tar.gz"))
    return wheel, sdist


def twine_upload(base: str, files: list[Path], env: dict[str, str], user: str = "u", password: str = "p"):
    return run([TWINE, "upload", "--disable-progress-bar", "--non-interactive", "--verbose",
                "--repository-url", f"{base}/simple/", "-u", user, "-p", password, *map(str, files)], env)


def uv_publish(base: str, files: list[Path], env: dict[str, str], user: str = "u", password: str = "p"):
    return run([UV, "publish", "--publish-url", f"{base}/simple/", "-u", user, "-p", password, *map(str, files)], env)


def new_venv(path: Path, env: dict[str, str], with_pip: bool = True) -> Path:
    """A fresh venv (with pip from the bundled ensurepip wheel, or bare for uv)."""
    ok(run([PYTHON, "-m", "venv", *([] if with_pip else ["--without-pip"]), str(path)], env))
    return path


def pip_install(venv: Path, index: str, spec: str, env: dict[str, str], *extra: str):
    return run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-cache-dir", "--index-url", index, *extra, spec], env)


def uv_pip_install(venv: Path, index: str, spec: str, env: dict[str, str], *extra: str):
    return run([UV, "pip", "install", "--python", str(venv / "bin" / "python"), "--index-url", index, *extra, spec],
               dict(env, VIRTUAL_ENV=str(venv)))


def installed_version(venv: Path, module: str, env: dict[str, str]) -> str:
    proc = ok(run([str(venv / "bin" / "python"), "-c", f"import {module}; print({module}.VERSION)"], env))
    return proc.stdout.strip()


def simple_json(nora, project: str) -> dict:
    r = nora.get(f"/simple/{project}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    assert r.status == 200, r
    return json.loads(r.body)


def post_upload(base: str, filename: str, content: bytes, fields: dict[str, str], auth: tuple[str, str] | None = None):
    """A hand-made legacy upload (what twine sends), for inputs no real client produces."""
    import requests

    form = {":action": "file_upload", "protocol_version": "1"}
    form.update(fields)
    return requests.post(f"{base}/simple/", data=form, files={"content": (filename, content, "application/octet-stream")},
                         auth=auth, timeout=30, proxies={"http": None, "https": None})


def upload_area_files(nora) -> list[Path]:
    """Leftover upload areas and temp files in the blob store (a refused upload must leave none)."""
    found = []
    for folder in ("uploads", "tmp"):
        d = nora.storage / folder
        if d.exists():
            found += [p for p in d.rglob("*") if p.is_file()]
    return found


def wheel_bytes(name: str = "errdemo", version: str = "1.0", metadata_name: str | None = None) -> bytes:
    """A minimal wheel made in memory (for inputs no build backend produces)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(f"{name}-{version}.dist-info/METADATA",
                   f"Metadata-Version: 2.1\nName: {metadata_name or name}\nVersion: {version}\n\n")
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return buf.getvalue()
