#!/usr/bin/env bash
# Runs the Swift unit tests under a sanitizer (docs/hardening.md), in a build folder of its own:
#
#   scripts/sanitize.sh address [swift test options, e.g. --filter NoraCoreTests]
#   scripts/sanitize.sh thread
#
# Not part of scripts/test.sh: the first build compiles every dependency again with the
# sanitizer (about 50 minutes on 2 busy cores). Later runs are incremental.
# Leak reports: dependencies' and the test harness's own leaks are listed in
# scripts/lsan.supp; any other leak fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizer="${1:?usage: scripts/sanitize.sh address|thread [swift test options]}"
shift
scratch=".build-${sanitizer:0:1}san"   # .build-asan, .build-tsan
swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=1"
swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" "$@"
