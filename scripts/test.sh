#!/usr/bin/env bash
# The one test command (README "Test"): installs what the tests need (idempotently),
# builds nora in debug, runs the Swift unit/router/conformance tests, then the
# end-to-end tests that drive the built binary with real clients.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- tools the end-to-end tests drive ---------------------------------------
missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

VENV=.venv-test
if [ ! -x "$VENV/bin/pytest" ] || ! "$VENV/bin/python" -c "import requests" >/dev/null 2>&1; then
  python3 -m venv "$VENV"
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check pytest requests
fi
# Real clients of each format (scripts/install-<format>-clients.sh; each is idempotent).
for installer in scripts/install-*-clients.sh; do
  VENV="$VENV" "$installer"
done

# --- build and Swift tests ----------------------------------------------------
swift build --build-tests
swift test --skip-build

# --- the metadata and router suites again, on PostgreSQL ------------------------
# A throwaway server (scripts/install-postgres-clients.sh installed it); every test makes
# a database of its own on it (Tests: NoraMetadataTesting reads NORA_TEST_DATABASE_URL).
PG_DIR="$(mktemp -d)"
trap 'python3 tests/e2e/postgres_support.py stop "$PG_DIR/server" || true; rm -rf "$PG_DIR"' EXIT
NORA_TEST_DATABASE_URL="$(python3 tests/e2e/postgres_support.py start "$PG_DIR/server")" \
  swift test --skip-build --filter 'NoraMetadataTests|NoraAuthTests|NoraCargoTests|NoraServerTests'
python3 tests/e2e/postgres_support.py stop "$PG_DIR/server"

# --- the S3 client against a real S3-compatible server (moto, on loopback) ----------
S3_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" >"$PG_DIR/moto.log" 2>&1 &
S3_PID=$!
trap 'kill "$S3_PID" 2>/dev/null || true; python3 tests/e2e/postgres_support.py stop "$PG_DIR/server" || true; rm -rf "$PG_DIR"' EXIT
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1 && break; sleep 0.5; done
NORA_TEST_S3_URL="http://127.0.0.1:$S3_PORT" swift test --skip-build --filter 'S3ClientTests'
kill "$S3_PID" 2>/dev/null || true

# --- end-to-end tests against the built binary ------------------------------------
NORA_BIN="$(swift build --show-bin-path)/nora" "$VENV/bin/pytest" -q tests/e2e "$@"
