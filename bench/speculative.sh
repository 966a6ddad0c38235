#!/usr/bin/env bash
# Self-speculative decoding figures (BENCHMARKS.md section 9) for a trained
# multi-exit BBE->ASV model: batch 1 on the first 150 test sentences (median of
# 3 passes, draft layers 1-3, with and without the draft vocabulary shortlist),
# then batch 8 and 32 on the whole test set. Run on a quiet machine.
#   bench/speculative.sh MODEL_DIR [SWT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
model=$1
swt=${2:-$root/build/swt}
data=$root/../shared/data/bible-style/BBEToASV
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -150 "$data/Test.src" > "$work/t150.src"
head -150 "$data/Test.tgt" > "$work/t150.tgt"
common=(--tokenize none --threads 1 --thresholds 0.9 --draft-tokens 4 --draft-confidence 0.2)
echo "== batch 1, first 150 test sentences, 3 repeats, draft vocabulary 2000"
"$swt" bench depth -m "$model" -i "$work/t150.src" -r "$work/t150.tgt" "${common[@]}" \
  --batch-size 1 --repeats 3 --draft-layers 1,2,3 --draft-vocabulary 2000 \
  --svg "$root/docs/speculative-bbe-asv.svg"
echo "== batch 1, the same, whole vocabulary in the draft"
"$swt" bench depth -m "$model" -i "$work/t150.src" -r "$work/t150.tgt" "${common[@]}" \
  --batch-size 1 --repeats 3 --draft-layers 2 --draft-vocabulary 0
for b in 8 32; do
  echo "== batch $b, whole test set"
  "$swt" bench depth -m "$model" -i "$data/Test.src" -r "$data/Test.tgt" "${common[@]}" \
    --batch-size "$b" --draft-layers 2 --draft-vocabulary 2000
done
