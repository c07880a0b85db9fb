"""The pull-through proxy's settings at the binary: documented in `nora serve --help`, read
from config.toml (tables included) and refused with one line naming the key."""

from __future__ import annotations

from nora_e2e import StartupFailed, clean_env, run_nora

PROXY_VARIABLES = [
    "NORA_OFFLINE", "NORA_NPM_PROXY", "NORA_PYPI_PROXY", "NORA_PYPI_PROXIES", "NORA_MAVEN_PROXIES", "NORA_CARGO_PROXY",
    "NORA_GO_PROXY", "NORA_GO_PROXY_TIMEOUT_ZIP", "NORA_MAVEN_CHECKSUM_VERIFY", "NORA_DOCKER_PROXIES",
    "NORA_DOCKER_UPSTREAMS", "NORA_DOCKER_METADATA_TTL", "NORA_DOCKER_SERVE_STALE", "NORA_DOCKER_DEFAULT_ACTION",
    "NORA_DOCKER_PROXY_TIMEOUT", "NORA_DOCKER_READ_TIMEOUT", "NORA_CB_ENABLED", "NORA_<F>_PROXY_AUTH",
    "NORA_<F>_PROXY_TIMEOUT", "NORA_<F>_METADATA_TTL", "NORA_<F>_SERVE_STALE", "NORA_<F>_REVALIDATE",
]


def test_serve_help_lists_proxy_settings(tmp_path):
    (tmp_path / "home").mkdir()
    p = run_nora(["serve", "--help"], clean_env(tmp_path / "home"), tmp_path, timeout=15)
    assert p.returncode == 0, p.stderr
    missing = [v for v in PROXY_VARIABLES if v not in p.stdout]
    assert not missing, missing
    assert "[[docker.upstreams]]" in p.stdout


def test_proxy_settings_from_config_toml_and_bad_values(nora_factory, tmp_path):
    root = tmp_path / "toml"
    root.mkdir()
    (root / "config.toml").write_text(
        '[server]\noffline = true\n[npm]\nproxy = "http://127.0.0.1:9/npm"\nmetadata_ttl = -1\n'
        '[pypi]\nproxies = ["http://127.0.0.1:9/simple", { url = "http://127.0.0.1:9/other", auth = "u:p" }]\n'
        '[[docker.upstreams]]\nurl = "https://registry-1.docker.io"\nnamespace = "docker.io"\n'
        '[circuit_breaker]\nenabled = true\n')
    server = nora_factory({"NORA_OFFLINE": None}, root=root)
    # offline from config.toml: an unknown name is the format's 404 at once, no upstream asked
    r = server.get("/npm/not-cached-anywhere")
    assert r.status == 404 and "offline" in r.json()["error"], r
    server.terminate()

    try:
        nora_factory({"NORA_NPM_METADATA_TTL": "-5"})
        raise AssertionError("a bad TTL was accepted")
    except StartupFailed as failure:
        assert "NORA_NPM_METADATA_TTL" in failure.log and "-5" in failure.log
    try:
        nora_factory({"NORA_MAVEN_PROXIES": "repo.example.org/maven2"})
        raise AssertionError("a URL without scheme was accepted")
    except StartupFailed as failure:
        assert "NORA_MAVEN_PROXIES" in failure.log
