"""The web UI in headless chromium (Playwright) over data published by npm, twine, cargo and
skopeo: every page type, links, escaping, screenshots at 1280 and 375 px, no console errors,
the same pages with JavaScript off, and login / tokens / CSRF / cookies with auth on."""

from __future__ import annotations

import json
import time

import pytest

from oci_support import oci_image  # noqa: F401
from web_support import EVIL, Watched, browser, filled, private  # noqa: F401

WIDTHS = {"wide": 1280, "narrow": 375}


def package_pages(f) -> dict[str, tuple[str, str]]:
    """name → (path, text the page must show)."""
    return {
        "npm": (f"/ui/npm/{f.npm_name}", f"npm install {f.npm_name} --registry {f.nora.base}/npm/"),
        "pypi": (f"/ui/pypi/{f.pypi_name}", f"pip install --index-url {f.nora.base}/simple/"),
        "cargo": (f"/ui/cargo/{f.crate_name}", f'index = "sparse+{f.nora.base}/cargo/index/"'),
        "docker": (f"/ui/docker/{f.image}", f"docker pull 127.0.0.1:{f.nora.port}/{f.image}:v1"),
        "raw": ("/ui/raw/docs/readme.txt", f"curl -fO {f.nora.base}/raw/docs/readme.txt"),
    }


def test_every_page_type_renders_without_errors_at_both_widths(filled, browser):  # noqa: F811
    f = filled
    pages = {"dashboard": ("/ui/", "Top downloads this week"), "search": (f"/ui/search?q=web", f.crate_name),
             "activity": ("/ui/activity", "publish"), "api": ("/api-docs/", "/api/packages/{format}/{name}"),
             "swagger": ("/swagger-ui/", "/api/activity")}
    for fmt in ("npm", "pypi", "cargo", "docker", "raw", "go", "maven"):
        pages[f"browse-{fmt}"] = (f"/ui/{fmt}", "Filter by name")
    for fmt, (path, text) in package_pages(f).items():
        pages[f"package-{fmt}"] = (path, text)
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900})
        w = Watched(context)
        for name, (path, text) in pages.items():
            response = w.goto(f.nora.base + path)
            assert response.status == 200, f"{path}: {response.status}"
            assert text in w.page.content().replace("&amp;", "&").replace("&quot;", '"'), f"{path} lacks {text!r}"
            # Nothing overflows the narrow viewport horizontally except inside scrollable tables.
            if label == "narrow":
                overflow = w.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{path} is {overflow}px wider than {width}px"
            assert_accessible(w.page, path)
            if name in ("dashboard", "package-npm", "package-docker", "browse-npm", "search", "api") or label == "wide":
                w.shot(f"{name}-{label}")
        assert w.page.evaluate("window.__pwned === undefined"), "an HTML description ran as script"
        assert not w.errors, "\n".join(w.errors)
        context.close()


def assert_accessible(page, path: str) -> None:
    """Landmarks, one h1, a label for every control, alt-free (no images), a language."""
    problems = page.evaluate("""() => {
      const out = [];
      if (!document.documentElement.lang) out.push("no lang");
      for (const sel of ["header", "nav", "main"]) if (!document.querySelector(sel)) out.push("no " + sel);
      if (document.querySelectorAll("h1").length !== 1) out.push("h1 count " + document.querySelectorAll("h1").length);
      for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
        if (el.labels.length === 0 && !el.getAttribute("aria-label")) out.push("unlabelled " + el.outerHTML.slice(0, 80));
      }
      for (const b of document.querySelectorAll("button")) if (!b.textContent.trim() && !b.getAttribute("aria-label")) out.push("empty button");
      return out;
    }""")
    assert not problems, f"{path}: {problems}"


def test_dark_scheme_is_dark(filled, browser):  # noqa: F811
    context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    w = Watched(context)
    w.goto(filled.nora.base + "/ui/")
    background = w.page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)", background
    w.shot("dashboard-dark")
    w.goto(f"{filled.nora.base}/ui/npm/{filled.npm_name}")
    w.shot("package-npm-dark")
    assert not w.errors, "\n".join(w.errors)
    context.close()


def test_content_links_and_escaping(filled, browser):  # noqa: F811
    f = filled
    w = Watched(browser.new_context(viewport={"width": 1280, "height": 900}))
    w.goto(f.nora.base + "/ui/")
    # Dashboard: counts per format and the recent events of the clients above.
    cards = w.page.locator(".card").all_inner_texts()
    assert any(c.startswith("npm") and "1 package\n" in c and "2 versions" in c for c in cards), cards
    assert any(c.startswith("Docker / OCI") and "1 repository" in c for c in cards), cards
    # Follow links: dashboard → npm list → package page.
    w.page.get_by_role("link", name="npm", exact=True).first.click()
    w.page.wait_for_url("**/ui/npm")
    w.page.get_by_role("link", name=f.npm_name).click()
    w.page.wait_for_url(f"**/ui/npm/{f.npm_name}")
    body = w.page.inner_text("main")
    assert EVIL in body, "the description must show as text"
    assert w.page.locator("main script").count() == 0 and w.page.locator("main img").count() == 0
    assert "left-pad ^1.3.0" in body
    assert "1.1.0" in body and "1.0.0" in body and "latest" in body
    # Versions newest first.
    versions = w.page.locator("table tbody summary").all_inner_texts()
    assert versions[:2] == ["1.1.0", "1.0.0"], versions
    # OCI page: tag, manifest with layers.
    w.goto(f"{f.nora.base}/ui/docker/{f.image}")
    w.page.locator("summary", has_text="v1").click()
    details = w.page.inner_text("main")
    assert "layer 1" in details and "layer 2" in details and "application/vnd.oci.image.manifest.v1+json" in details
    # Filter and sort on a browse page.
    w.goto(f"{f.nora.base}/ui/pypi?q=WEB&sort=updated")
    assert w.page.get_by_role("link", name=f.pypi_name).count() == 1
    w.goto(f"{f.nora.base}/ui/pypi?q=nothing-like-this")
    assert "Nothing found." in w.page.inner_text("main")
    assert not w.errors, "\n".join(w.errors)


def test_pages_work_with_javascript_off(filled, browser):  # noqa: F811
    f = filled
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    w = Watched(context)
    w.goto(f.nora.base + "/ui/search")
    w.page.fill("#q", "web")
    w.page.get_by_role("button", name="Apply").click()
    w.page.wait_for_url("**/ui/search?q=web*")
    names = w.page.locator("tbody a").all_inner_texts()
    assert {f.npm_name, f.pypi_name, f.crate_name, f.image} <= set(names), names
    w.goto(f"{f.nora.base}/ui/npm/{f.npm_name}")
    assert "npm install" in w.page.inner_text("main")
    w.shot("package-npm-nojs")
    context.close()


def test_login_tokens_csrf_and_privacy(private, browser):  # noqa: F811
    nora = private
    w = Watched(browser.new_context(viewport={"width": 1280, "height": 900}))
    # Anonymous: sent to the login form; the private file is not shown anywhere.
    w.goto(nora.base + "/ui/raw/secret/plan.txt")
    assert "/ui/login" in w.page.url
    assert_accessible(w.page, "/ui/login")
    w.page.set_viewport_size({"width": 375, "height": 800})
    w.shot("login-narrow")
    w.page.set_viewport_size({"width": 1280, "height": 900})
    assert "plan.txt" not in w.page.inner_text("body")
    assert nora.get("/api/packages?format=raw").status == 401
    assert "plan.txt" not in nora.get("/api/packages?format=raw").text
    # A wrong password: refused, no session.
    w.page.fill("#username", "admin")
    w.page.fill("#password", "wrong")
    w.page.get_by_role("button", name="Log in").click()
    assert "Wrong user name or password" in w.page.inner_text("main")
    # Chromium reports the 401 answer of the failed login as a resource error: that one is expected.
    assert all("401" in e for e in w.errors), w.errors
    w.errors.clear()
    w.page.fill("#username", "admin")
    w.page.fill("#password", "s3cret")
    w.page.get_by_role("button", name="Log in").click()
    w.page.wait_for_url("**/ui/raw/secret/plan.txt")
    assert "curl -fO" in w.page.inner_text("main")
    cookie = next(c for c in w.page.context.cookies() if c["name"] == "nora_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    # Tokens: create (secret shown once), then revoke.
    w.goto(nora.base + "/ui/tokens")
    w.page.fill("#token-name", "ci-from-ui")
    w.page.select_option("#token-role", "write")
    w.page.get_by_role("button", name="Create").click()
    secret = w.page.inner_text("#new-token").strip()
    assert secret.startswith("nora_")
    w.shot("tokens-created-wide")
    assert nora.get("/api/stats", bearer=secret).status == 200
    w.goto(nora.base + "/ui/tokens")
    assert secret not in w.page.content(), "the secret must not be shown again"
    w.page.get_by_role("button", name="Revoke ci-from-ui").click()
    w.page.wait_for_url("**/ui/tokens")
    assert "ci-from-ui" not in w.page.inner_text("main")
    assert nora.get("/api/stats", bearer=secret).status == 401
    # CSRF: the session cookie alone cannot change anything.
    session = f"nora_session={cookie['value']}"
    forged = nora.curl("POST", "/ui/tokens", headers={"Cookie": session, "Content-Type": "application/x-www-form-urlencoded"},
                       data="name=forged&role=admin")
    assert forged.status == 403
    assert "forged" not in nora.get("/api/tokens", user="admin:s3cret").text
    assert not w.errors, "\n".join(w.errors)
    # Log out ends the session.
    w.page.get_by_role("button", name="Log out").click()
    assert nora.get("/ui/tokens", headers={"Cookie": session}).status == 303
    # The audit file got the write actions as JSON lines (written about once a second).
    audit = nora.root.parent / "audit.jsonl"
    wanted = {"publish", "token_create", "token_revoke", "login_failure"}
    deadline = time.monotonic() + 30
    actions: set[str] = set()
    while time.monotonic() < deadline and not wanted <= actions:
        time.sleep(0.5)
        if audit.exists():
            actions = {json.loads(line)["action"] for line in audit.read_text().splitlines()}
    assert wanted <= actions, actions
