#!/bin/bash
# Output invariance (issue 6 item 6): translations are identical with
# --batch-size 1 and --batch-size 64, greedy and beam 5. The model's outputs
# must end (</s> before the length limit) in at least 90% of the lines, or the
# test would not exercise finished sentences leaving the batch; the check counts
# whitespace-separated words, exact for whitespace-tokenized text (toy data).
# Usage: invariance_test.sh SWT MODEL_DIR INPUT WORK_DIR [extra swt translate args]
# e.g. on a trained model and the whole test set:
#   tests/python/invariance_test.sh build/swt models/bbe-asv \
#     ../shared/data/bible-style/BBEToASV/Test.src /tmp/invariance
set -euo pipefail
swt=$1 model=$2 input=$3 work=$4
shift 4
mkdir -p "$work"
status=0

# The output length limit, a * source tokens (+ </s>) + b, as swt translate applies it.
a=2 b=10
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; i++)); do
  case ${args[i]} in
    --max-length-a) a=${args[i + 1]} ;;
    --max-length-b) b=${args[i + 1]} ;;
  esac
done

for beam in 1 5; do
  for batch in 1 64; do
    "$swt" translate --model "$model" --input "$input" --beam $beam --batch-size $batch \
      --threads 2 "$@" >"$work/beam$beam.batch$batch.txt"
  done
  if cmp -s "$work/beam$beam.batch1.txt" "$work/beam$beam.batch64.txt"; then
    echo "beam $beam: batch 1 and batch 64 identical ($(wc -l <"$work/beam$beam.batch1.txt") lines)"
  else
    echo "beam $beam: batch 1 and batch 64 DIFFER (< batch 1, > batch 64):"
    # sed -n reads all of diff's output (head would stop early and, under
    # pipefail, turn diff's SIGPIPE into the script's status); diff exits 1.
    diff "$work/beam$beam.batch1.txt" "$work/beam$beam.batch64.txt" | sed -n '1,20p' || true
    status=1
  fi
  # An output cut at the limit has limit - 1 tokens; one that ended has fewer.
  read -r ended total < <(awk -v a="$a" -v b="$b" \
    'NR == FNR { words[FNR] = NF; next }
     words[FNR] > 0 { total++; if (NF < a * (words[FNR] + 1) + b - 1) ended++ }
     END { print ended + 0, total + 0 }' "$input" "$work/beam$beam.batch1.txt")
  echo "beam $beam: $ended of $total outputs end before the length limit"
  if [ $((ended * 10)) -lt $((total * 9)) ]; then
    echo "beam $beam: too few outputs end (the model does not emit </s>): use a model whose outputs end"
    status=1
  fi
done
exit $status
