#!/usr/bin/env bash
# Installs what the PostgreSQL tests need, idempotently: Debian's PostgreSQL server
# (initdb, pg_ctl; the tests start their own throwaway server, see
# tests/e2e/postgres_support.py) and the psql client.
# Usage: scripts/install-postgres-clients.sh
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
  echo "installing: postgresql postgresql-client"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql postgresql-client >/dev/null
fi
# Debian's package starts a cluster of its own on 5432 when a service manager is present;
# the tests never use it (they pick a free port).
if [ "${QUIET:-}" != "1" ]; then
  echo "postgres: $(ls -d /usr/lib/postgresql/*/bin | tail -n1) ($(psql --version))"
fi
