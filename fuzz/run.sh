#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the
# other, single process, on the nightly toolchain.
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# New corpus entries go to fuzz/corpus/<target>/ (git-ignored); the
# committed seeds in fuzz/corpus/seed-<target>/ are read too. Each run's
# libFuzzer output is kept in fuzz/logs/<target>-<time>.log and one line of
# final statistics per run is appended to fuzz/logs/summary.tsv. Exits
# non-zero if any target crashed, leaked, timed out or went past the memory
# limits; the input is then in fuzz/artifacts/<target>/.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds="$1"
shift
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

mkdir -p logs
summary="logs/summary.tsv"
[ -f "$summary" ] || printf 'when\ttarget\tseconds\tstatus\texecs\texecs_per_s\tcov\tft\tcorpus\tpeak_rss_mb\n' >"$summary"

# Overflow checks and debug assertions on: arithmetic on parsed numbers
# must be checked, and this is where it would show.
build=(cargo +nightly fuzz build --debug-assertions)
echo "== ${build[*]}"
"${build[@]}" || exit 1

# Per-target input length: decode_any must reach past the 8 KiB token cap.
max_len_for() {
  case "$1" in
    decode_any) echo 20000 ;;
    *) echo 4096 ;;
  esac
}

failed=()
for t in "${targets[@]}"; do
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  log="logs/$t-$stamp.log"
  mkdir -p "corpus/$t" "corpus/seed-$t" "artifacts/$t"
  echo "== $t for ${seconds}s -> fuzz/$log"
  cargo +nightly fuzz run --debug-assertions "$t" "corpus/$t" "corpus/seed-$t" -- \
    -max_total_time="$seconds" \
    -timeout=10 \
    -rss_limit_mb=1024 \
    -malloc_limit_mb=64 \
    -max_len="$(max_len_for "$t")" \
    -dict="$here/token.dict" \
    -print_final_stats=1 \
    >"$log" 2>&1
  rc=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
  last="$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$last")"
  status=ok
  [ "$rc" -eq 0 ] || status="FAIL($rc)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$stamp" "$t" "$seconds" "$status" \
    "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" >>"$summary"
  echo "   $status execs=${execs:-?} exec/s=${rate:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} rss=${rss:-?}MB"
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    grep -E 'panicked|ERROR|SUMMARY|Test unit written' "$log" | head -20
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "all targets ran ${seconds}s without a finding"
