#!/usr/bin/env bash
# Fuzzes every parser that reads client bytes with libFuzzer (docs/hardening.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     SECONDS per target (default 20: the CI mode)
#   scripts/fuzz.sh 3600 npm-publish           a long run of one target
#   .build/debug/nora-fuzz --list              the targets
#
# Builds nora-fuzz (NORA_FUZZ=1; reuses the debug build's modules, so run after
# `swift build`), then runs each target from its checked-in seeds (fuzz/corpus/<target>)
# plus the corpus grown by earlier runs (.build-fuzz/corpus/<target>). A crash, a leak, an
# input taking over 10 s or a run over 2 GiB is a finding: its input is kept in
# .build-fuzz/findings/ and the script fails. Turn every finding into a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
shift || true
NORA_FUZZ=1 swift build --product nora-fuzz 2>&1 | grep -v "warning: Cannot export local symbol" | tail -n 3
bin="$(NORA_FUZZ=1 swift build --show-bin-path)/nora-fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then mapfile -t targets < <("$bin" --list); fi

work=.build-fuzz
mkdir -p "$work/findings"
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target"
  log="$work/$target.log"
  started=$SECONDS
  # TOMLKit and ZIPFoundation leak a little on every call (scripts/lsan.supp): suppressed, each
  # leak still costs libFuzzer a full leak scan, so these targets run without leak checks.
  leaks=1
  case "$target" in toml-config|zip|go-zip) leaks=0 ;; esac
  # Swift's own crash reporter would race libFuzzer's.
  if SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0" \
     "$bin" "$target" "$work/corpus/$target" "fuzz/corpus/$target" -detect_leaks=$leaks \
       -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
       -artifact_prefix="$work/findings/$target-" -print_final_stats=1 >"$log" 2>&1; then
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    echo "fuzz $target: ok, ${runs:-?} inputs in $((SECONDS - started)) s"
  else
    echo "fuzz $target: FINDING (log: $log)"
    grep -E "ERROR|SUMMARY|Test unit written|Fatal error|precondition" "$log" | head -n 8 | sed 's/^/  /'
    failed+=("$target")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs in $work/findings/)"
  exit 1
fi
