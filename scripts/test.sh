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

# --- fuzzing: every parser that reads client bytes, 20 s each (docs/hardening.md) --------
fuzz_started=$SECONDS
scripts/fuzz.sh "${NORA_FUZZ_SECONDS:-20}"
echo "fuzzing took $((SECONDS - fuzz_started)) s"

# --- the metadata and router suites again, on PostgreSQL ------------------------
# A throwaway server (scripts/install-postgres-clients.sh installed it); every test makes
# a database of its own on it (Tests: NoraMetadataTesting reads NORA_TEST_DATABASE_URL).
PG_DIR="$(mktemp -d)"
trap 'python3 tests/e2e/postgres_support.py stop "$PG_DIR/server" || true; rm -rf "$PG_DIR"' EXIT
PG_URL="$(python3 tests/e2e/postgres_support.py start "$PG_DIR/server")"  # a failed start stops the script
NORA_TEST_DATABASE_URL="$PG_URL" \
  swift test --skip-build --filter 'NoraMetadataTests|NoraAuthTests|NoraCargoTests|NoraServerTests'
python3 tests/e2e/postgres_support.py stop "$PG_DIR/server"

# --- the S3 client against a real S3-compatible server -------------------------------
# moto's server on loopback with its signature checks on (tests/e2e/s3_support.py).
trap '"$VENV/bin/python" tests/e2e/s3_support.py stop "$PG_DIR/s3" || true; python3 tests/e2e/postgres_support.py stop "$PG_DIR/server" || true; rm -rf "$PG_DIR"' EXIT
S3_ENV="$("$VENV/bin/python" tests/e2e/s3_support.py start "$PG_DIR/s3")"  # a failed start stops the script
(
  eval "$S3_ENV"
  swift test --skip-build --filter 'S3ClientTests|S3BlobStoreConformanceTests'
)
"$VENV/bin/python" tests/e2e/s3_support.py stop "$PG_DIR/s3"

# --- end-to-end tests against the built binary ------------------------------------
NORA_BIN="$(swift build --show-bin-path)/nora" "$VENV/bin/pytest" -q tests/e2e "$@"
