#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang, ASan + UBSan) into build-fuzz/ and
# runs each for SECONDS (default 60) on a scratch copy of its seed corpus.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (TARGET: tokenizer vocab ...)
# Prints per target: executions, exec/s, coverage, features, crashes. Exits 1
# if any target crashed; the crashing inputs are in build-fuzz/artifacts/.
# See docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(ls fuzz/*_fuzz.cpp | sed 's|fuzz/||; s|_fuzz.cpp||'))
fi

export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
mkdir -p build-fuzz
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSWT_FUZZ=ON > build-fuzz/cmake.log
ninja -C build-fuzz $(printf '%s_fuzz ' "${targets[@]}")

# Leaks are bugs too, but LibTorch's registries are not ours (see
# scripts/sanitizers/lsan.supp).
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

# The targets' scratch files (fuzz/fuzz_util.h), removed at the end.
scratch_base=/tmp
[ -w /dev/shm ] && scratch_base=/dev/shm
export SWT_FUZZ_TMP="$(mktemp -d "$scratch_base/swt-fuzz.XXXXXX")"
trap 'rm -rf "$SWT_FUZZ_TMP"' EXIT

status=0
summary=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  artifacts=build-fuzz/artifacts/$t
  log=build-fuzz/logs/$t.log
  mkdir -p "$corpus" "$artifacts" build-fuzz/logs
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  echo "== $t: ${seconds}s" >&2
  dict=()
  [ -f fuzz/$t.dict ] && dict=(-dict=fuzz/$t.dict)
  rc=0
  build-fuzz/fuzz/${t}_fuzz "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" > "$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  crashes=0
  if [ "$rc" -ne 0 ]; then
    crashes=1
    status=1
    echo "!! $t failed (exit $rc): $(grep -m1 -E 'ERROR|SUMMARY|SWT_FUZZ_CHECK|terminate called|runtime error' "$log" || true)" >&2
    grep -E '^artifact_prefix|Test unit written' "$log" >&2 || true
  fi
  summary+=("$(printf '%-14s %6ss  execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-6s crashes %s' \
    "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes")")
done
echo
printf '%s\n' "${summary[@]}"
exit $status
