"""End-to-end fixtures (helpers live in nora_e2e.py).

`nora_factory(env)` starts the built binary (NORA_BIN, else .build/debug/nora) on a free
loopback port with a temporary data folder, HOME and working directory, and no inherited
NORA_* variable; at teardown every server still running gets SIGTERM and must exit 0.
"""

from __future__ import annotations

import pytest

import postgres_support
from nora_e2e import Nora, NoraFactory, make_htpasswd


@pytest.fixture
def nora_factory(tmp_path):
    """`nora_factory(env={...})` → a started `Nora`; all are SIGTERMed (and must exit 0) at teardown."""
    factory = NoraFactory(tmp_path)
    yield factory
    problems = factory.stop_all()
    assert not problems, "\n".join(problems)


@pytest.fixture
def nora(nora_factory) -> Nora:
    """A server with default settings (auth off)."""
    return nora_factory()


@pytest.fixture
def auth_nora(nora_factory, tmp_path):
    """`auth_nora(extra_env)`: auth on, htpasswd (bcrypt) users admin:s3cret and alice:wonderland."""
    def start(extra: dict[str, str] | None = None) -> Nora:
        htpasswd = make_htpasswd(tmp_path / "users.htpasswd", {"admin": "s3cret", "alice": "wonderland"})
        env = {"NORA_AUTH_ENABLED": "true", "NORA_AUTH_HTPASSWD_FILE": str(htpasswd)}
        env.update(extra or {})
        return nora_factory(env)
    return start


@pytest.fixture(scope="module")
def postgres(tmp_path_factory):
    """A throwaway PostgreSQL server for the tests of one module (its URL); tests that need a
    database of their own create it on this server."""
    folder = tmp_path_factory.mktemp("postgres")
    url = postgres_support.start(folder)
    yield url
    postgres_support.stop(folder)
