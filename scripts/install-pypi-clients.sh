#!/usr/bin/env bash
# Installs the real PyPI clients the end-to-end tests drive (tests/e2e/test_pypi_*.py),
# idempotently: twine, uv and build into the test venv (.venv-test, made by scripts/test.sh).
# pip itself comes with the venv. The machine may inject a local wheel folder through
# PIP_FIND_LINKS and a pip.conf: both are ignored here so the real index is used.
# Usage: scripts/install-pypi-clients.sh   (from anywhere; VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
need=()
[ -x "$VENV/bin/twine" ] || need+=(twine)
[ -x "$VENV/bin/uv" ] || need+=(uv)
"$VENV/bin/python" -c "import build" >/dev/null 2>&1 || need+=(build)
# The tests build with `python -m build --no-isolation` (no index needed at build time).
"$VENV/bin/python" -c "import setuptools" >/dev/null 2>&1 || need+=(setuptools)
"$VENV/bin/python" -c "import wheel" >/dev/null 2>&1 || need+=(wheel)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]} into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check "${need[@]}"
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "twine:  $("$VENV/bin/twine" --version 2>/dev/null | head -n1)"
  echo "uv:     $("$VENV/bin/uv" --version)"
  echo "build:  $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("build"))')"
  echo "pip:    $("$VENV/bin/pip" --version | cut -d' ' -f1-2)"
fi
