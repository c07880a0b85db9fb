#!/usr/bin/env bash
# Checks for the real cargo the end-to-end tests drive (tests/e2e/test_cargo_*.py), and
# installs Debian's cargo only when none is present (idempotent: nothing to do on machines
# with rustup's cargo, which the tests prefer: tests/e2e/cargo_support.py resolves the real
# toolchain binaries with `rustup which cargo` and runs them with a temporary CARGO_HOME).
# Usage: scripts/install-cargo-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."

find_cargo() {
  if command -v rustup >/dev/null 2>&1 && rustup which cargo >/dev/null 2>&1; then
    rustup which cargo
  elif [ -x "$HOME/.cargo/bin/rustup" ] && "$HOME/.cargo/bin/rustup" which cargo >/dev/null 2>&1; then
    "$HOME/.cargo/bin/rustup" which cargo
  elif command -v cargo >/dev/null 2>&1; then
    command -v cargo
  fi
}

CARGO="$(find_cargo || true)"
if [ -z "$CARGO" ]; then
  echo "installing: cargo (Debian package)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq cargo >/dev/null
  CARGO="$(find_cargo)"
fi

if [ "${QUIET:-}" != "1" ]; then
  echo "cargo:  $("$CARGO" --version)"
fi
