#!/usr/bin/env bash
# Benchmarks nora against its peers on loopback (issue 9) and writes BENCHMARKS.md.
#
#   bench/run.sh                       quick sizes (~ a few minutes)
#   BENCH_FULL=1 bench/run.sh          the issue's sizes (1 GB blobs, 5 GB upload, 100,000 repositories, …)
#   NORA_BIN=/path/to/nora bench/run.sh   use this binary instead of building a release one
#
# 1. installs what it needs, idempotently: docker-registry (CNCF distribution), nginx, wrk,
#    and curl from Debian; pypiserver (+ gunicorn, gevent, watchdog) in bench/.venv;
# 2. builds `swift build -c release --product nora` unless NORA_BIN is given;
# 3.–5. bench/bench.py starts every server on 127.0.0.1 with fresh data in a temp folder,
#    drives the workloads, prints the markdown table and writes BENCHMARKS.md at the repo root
#    (raw figures in bench/results/latest.json). Everything it started is stopped at the end.
# Other knobs (env): BENCH_RUNS, BENCH_WRK_SECONDS, BENCH_BIG_BLOB_MB, BENCH_RSS_UPLOAD_MB,
# BENCH_CATALOG_REPOS, BENCH_GROWTH=10,100,1000, BENCH_WORKLOADS=1,2,6, BENCH_ACCESS_LOG=1, …
# (all listed at the top of bench/bench.py). BENCH_OUT=path writes the report elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/bench/.venv"

# ---- 1. tools
need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v nginx >/dev/null || need+=(nginx)
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v stress-ng >/dev/null || need+=(stress-ng)  # workload 17: a CPU hog beside the readers
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # Debian's policy-rc.d in containers keeps the packaged services from starting; we run our own.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import pypiserver, gunicorn, gevent, watchdog" >/dev/null 2>&1; then
  echo "installing pypiserver, gunicorn, gevent, watchdog into $VENV"
  # the machine injects a local wheel folder through PIP_FIND_LINKS and a pip.conf: ignore both
  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check \
    pypiserver gunicorn gevent watchdog
fi

# workloads 14 and 15 (issues 14, 15): moto's S3 server and boto3 in the same venv, and a
# throwaway PostgreSQL (Debian's server, started by tests/e2e/postgres_support.py)
case ",${BENCH_WORKLOADS:-}," in
  *,14,*|*,15,*)
    if ! "$VENV/bin/python" -c "import moto, boto3" >/dev/null 2>&1 || [ ! -x "$VENV/bin/moto_server" ]; then
      echo "installing moto[server] and boto3 into $VENV"
      env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$VENV/bin/pip" install -q --disable-pip-version-check \
        'moto[server]' boto3
    fi
    QUIET=1 "$ROOT/scripts/install-postgres-clients.sh"
    ;;
esac

# ---- 2. nora
if [ -z "${NORA_BIN:-}" ]; then
  echo "building nora (release)"
  swift build -c release --product nora
  NORA_BIN="$(swift build -c release --show-bin-path)/nora"
fi
[ -x "$NORA_BIN" ] || { echo "no nora binary at $NORA_BIN" >&2; exit 1; }

# ---- 3.–5. run; whatever happens, nothing we started outlives us
PIDFILE="$(mktemp -t nora-bench-pids.XXXXXX)"
cleanup() {
  # bench.py stops its servers itself; this only catches what a hard kill of it left behind.
  if [ -n "${BENCH_PY_PID:-}" ] && kill -0 "$BENCH_PY_PID" 2>/dev/null; then
    kill -TERM "$BENCH_PY_PID" 2>/dev/null || true
    wait "$BENCH_PY_PID" 2>/dev/null || true
  fi
  while read -r pid; do
    # each server leads its own process group; kill that group only if it is still ours
    if [ -n "$pid" ] && kill -0 -- "-$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
    fi
  done <"$PIDFILE"
  rm -f "$PIDFILE"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

shown="bench/run.sh"
for v in BENCH_FULL NORA_BIN $(env | sed -n 's/^\(BENCH_[A-Z_]*\)=.*/\1/p' | grep -v '^BENCH_FULL$' | sort); do
  [ -n "${!v:-}" ] && shown="$v=${!v} $shown"
done
BENCH_PIDFILE="$PIDFILE" "$VENV/bin/python" "$ROOT/bench/bench.py" \
  --nora "$NORA_BIN" --out "${BENCH_OUT:-$ROOT/BENCHMARKS.md}" --json "$ROOT/bench/results/latest.json" \
  --command "$shown" &
BENCH_PY_PID=$!
wait "$BENCH_PY_PID"
