#!/usr/bin/env bash
# Installs what the pull-through proxy tests (tests/e2e/test_proxy_*.py) need besides the
# formats' own clients, idempotently: pypiserver (a second, independent PyPI upstream).
# Usage: scripts/install-proxy-clients.sh   (from anywhere; VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/pypi-server" ]; then
  echo "installing: pypiserver into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check "pypiserver==2.4.2"
fi
if [ "${QUIET:-}" != "1" ]; then
  echo "pypiserver: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pypiserver"))')"
fi
