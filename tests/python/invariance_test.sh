#!/bin/bash
# Output invariance (issue 6 item 6): translations are identical with
# --batch-size 1 and --batch-size 64, greedy and beam 5.
# Usage: invariance_test.sh SWT MODEL_DIR INPUT WORK_DIR [extra swt translate args]
# e.g. on a trained model and the whole test set:
#   tests/python/invariance_test.sh build/swt models/bbe-asv \
#     ../shared/data/bible-style/BBEToASV/Test.src /tmp/invariance
set -euo pipefail
swt=$1 model=$2 input=$3 work=$4
shift 4
mkdir -p "$work"
status=0

for beam in 1 5; do
  for batch in 1 64; do
    "$swt" translate --model "$model" --input "$input" --beam $beam --batch-size $batch \
      --threads 2 "$@" >"$work/beam$beam.batch$batch.txt"
  done
  if cmp -s "$work/beam$beam.batch1.txt" "$work/beam$beam.batch64.txt"; then
    echo "beam $beam: batch 1 and batch 64 identical ($(wc -l <"$work/beam$beam.batch1.txt") lines)"
  else
    echo "beam $beam: batch 1 and batch 64 DIFFER (< batch 1, > batch 64):"
    diff "$work/beam$beam.batch1.txt" "$work/beam$beam.batch64.txt" | head -n 20
    status=1
  fi
done
exit $status
