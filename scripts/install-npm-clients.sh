#!/usr/bin/env bash
# Makes sure the real npm CLI (and node) that tests/e2e/test_npm_*.py drive are present,
# idempotently: an existing npm is left alone; otherwise Debian's `npm` package is installed.
# Usage: scripts/install-npm-clients.sh   (from anywhere)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "installing: npm (Debian package, with nodejs)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq npm >/dev/null
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "npm:    $(npm --version)"
  echo "node:   $(node --version)"
fi
