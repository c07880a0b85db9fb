#!/usr/bin/env bash
# Installs what the web UI / management API end-to-end tests drive (tests/e2e/test_web_*.py),
# idempotently: Debian's chromium (headless browser), and into the test venv Playwright for
# Python (driving that chromium through executable_path: Playwright cannot download its own
# browsers here), openapi-spec-validator and schemathesis.
# Usage: scripts/install-web-clients.sh   (from anywhere; VENV=... to use another venv)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${VENV:-.venv-test}"

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing: chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
need=()
"$VENV/bin/python" -c "import playwright" >/dev/null 2>&1 || need+=(playwright)
"$VENV/bin/python" -c "import openapi_spec_validator" >/dev/null 2>&1 || need+=(openapi-spec-validator)
[ -x "$VENV/bin/schemathesis" ] || need+=(schemathesis)
"$VENV/bin/python" -c "import requests" >/dev/null 2>&1 || need+=(requests)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]} into $VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check "${need[@]}"
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "chromium:   $(chromium --version 2>/dev/null | head -n1)"
  echo "playwright: $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("playwright"))')"
  echo "schemathesis: $("$VENV/bin/schemathesis" --version 2>/dev/null | head -n1)"
fi
