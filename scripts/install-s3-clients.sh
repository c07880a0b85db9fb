#!/usr/bin/env bash
# Installs the S3-compatible server the S3 tests start on loopback (moto's server, from
# PyPI, into the test venv), idempotently. scripts/test.sh starts and stops it.
# Usage: scripts/install-s3-clients.sh   (VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/moto_server" ]; then
  echo "installing: moto[server] into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check 'moto[server]'
fi
if [ "${QUIET:-}" != "1" ]; then
  echo "moto:   $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))')"
fi
