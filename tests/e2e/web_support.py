"""Helpers for the web UI / management API end-to-end tests (tests/e2e/test_web_*.py).

A module-scoped server is filled by the real clients (npm, twine, cargo, skopeo) once;
pages are then driven in Debian's headless chromium through Playwright for Python
(scripts/install-web-clients.sh installs both; Playwright runs with `executable_path`
because it cannot download its own browsers here). Screenshots go to
tests/e2e/artifacts/web/ (git-ignored), kept as test artifacts.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from cargo_support import Cargo, make_crate
from nora_e2e import Nora, NoraFactory, make_htpasswd
from npm_support import Npm, make_package
from oci_support import Skopeo, oci_image  # noqa: F401  (session fixture used below)
from pypi_support import build, client_env, make_project, ok, twine_upload

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "web"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
EVIL = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


@dataclass
class Filled:
    nora: Nora
    npm_name: str = "web-demo"
    pypi_name: str = "web-wheel"
    crate_name: str = "web_crate"
    image: str = "team/web-app"


def fill(nora: Nora, root: Path, image) -> Filled:
    """Publishes one package per client: npm (with an HTML description), twine, cargo, skopeo."""
    f = Filled(nora)
    npm = Npm(nora, root / "npm", token="unused-when-auth-is-off")
    npm.publish(make_package(root / "npm", f.npm_name, "1.0.0", description=EVIL, dependencies={"left-pad": "^1.3.0"}))
    npm.publish(make_package(root / "npm", f.npm_name, "1.1.0", description=EVIL, dependencies={"left-pad": "^1.3.0"}))
    env = client_env(root / "py-home")
    wheel, sdist = build(make_project(root / "py", f.pypi_name, "0.3.0"), root / "py-dist", env)
    ok(twine_upload(nora.base, [wheel, sdist], env))
    Cargo(root / "cargo", nora).publish(make_crate(root / "cargo", f.crate_name, "0.2.0", "pub fn hi() {}\n"))
    Skopeo(root / "skopeo").copy(image.ref, f"docker://{nora.base.removeprefix('http://')}/{f.image}:v1")
    assert nora.put("/raw/docs/readme.txt", b"hello raw").status == 201
    # Downloads for the activity log and the top list.
    assert nora.get(f"/npm/{f.npm_name}/-/{f.npm_name}-1.1.0.tgz").status == 200
    assert nora.get("/raw/docs/readme.txt").status == 200
    return f


@pytest.fixture(scope="session")
def filled(tmp_path_factory, oci_image):  # noqa: F811
    """A server (auth off) with one package of each client's format."""
    root = tmp_path_factory.mktemp("web")
    factory = NoraFactory(root)
    nora = factory()
    yield fill(nora, root / "clients", oci_image)
    problems = factory.stop_all()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def private(tmp_path_factory):
    """A server with auth on (admin:s3cret) and no anonymous read, holding one raw file."""
    root = tmp_path_factory.mktemp("web-private")
    factory = NoraFactory(root)
    htpasswd = make_htpasswd(root / "users.htpasswd", {"admin": "s3cret"})
    nora = factory({"NORA_AUTH_ENABLED": "true", "NORA_AUTH_HTPASSWD_FILE": str(htpasswd),
                    "NORA_AUDIT_LOG": str(root / "audit.jsonl")})
    assert nora.put("/raw/secret/plan.txt", b"private", user="admin:s3cret").status == 201
    yield nora
    problems = factory.stop_all()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


class Watched:
    """A page that records console errors and failed requests."""

    def __init__(self, context):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

    def goto(self, url: str):
        response = self.page.goto(url, wait_until="load", timeout=60_000)
        assert response is not None
        return response

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
