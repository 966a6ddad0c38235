#!/bin/bash
# The main job's finishing steps, as scripts/demo.sh runs them
# (scripts/demo-finish.sh itself, not a copy), on the swt_toy_model fixture,
# several times: each run must exit 0 and print five sample lines and the
# test-set score. Repeated because a pipe that breaks early (paste | head under
# pipefail) fails only in some runs.
# Usage: demo_finish_test.sh SWT SOURCE_DIR WORK_DIR [RUNS]  (WORK_DIR from make_toy_model.sh)
set -euo pipefail
swt=$1 source_dir=$2 work=$3 runs=${4:-3}
status=0

# The demo must run this script, or this test would check something else.
if ! grep -q 'scripts/demo-finish.sh' "$source_dir/scripts/demo.sh"; then
  echo "scripts/demo.sh does not run scripts/demo-finish.sh"
  exit 1
fi

for run in $(seq "$runs"); do
  out=$work/demo_finish.$run.out
  rc=0
  bash "$source_dir/scripts/demo-finish.sh" "$swt" "$work/model" "$work/data/toy-reverse" \
    >"$out" 2>&1 || rc=$?
  problems=()
  [ "$rc" -eq 0 ] || problems+=("exit status $rc")
  samples=$(grep -c '  =>  ' "$out" || true)
  [ "$samples" -eq 5 ] || problems+=("$samples sample lines instead of 5")
  # The score block: the header, then the BLEU and chrF lines of swt eval.
  # (awk reads the whole file: no pipe into a reader that stops early.)
  awk '/^--- test set score$/ { s = 1 } s && /^BLEU = [0-9]/ { f = 1 } END { exit !f }' "$out" ||
    problems+=("no BLEU line after '--- test set score'")
  grep -q '^chrF2 = [0-9]' "$out" || problems+=("no chrF2 line")
  if [ ${#problems[@]} -eq 0 ]; then
    echo "run $run: ok ($(grep '^BLEU = ' "$out"))"
  else
    echo "run $run: FAILED: ${problems[*]}; output:"
    cat "$out"
    status=1
  fi
done
exit $status
