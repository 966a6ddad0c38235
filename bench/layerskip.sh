#!/usr/bin/env bash
# Does training for acceptance pay? (BENCHMARKS.md section 9, issue 14 item 4.)
# Two multi-exit BBE->ASV models that differ only in their training (for
# example without and with train.layer_dropout), and a static "deep encoder,
# shallow decoder" baseline, measured in one run:
#   1. acceptance and tokens per verification pass of each draft depth, on the
#      whole test set (batch 32, 2 threads: acceptance does not depend on
#      either; draft confidence 0.2);
#   2. batch 1 on the first 150 test sentences (median of 3 passes, one
#      thread): full depth, speculative L = 1..3 at draft confidence 0.05 and
#      0.2, and the halting policies of each model, with the baseline in the
#      same run as MODEL_B (and the plot).
#   bench/layerskip.sh MODEL_A MODEL_B BASELINE [SVG] [SWT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
a=$1 b=$2 baseline=$3
svg=${4:-$root/docs/speculative-bbe-asv.svg}
swt=${5:-$root/build/swt}
data=$root/../shared/data/bible-style/BBEToASV
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
head -150 "$data/Test.src" > "$work/t150.src"
head -150 "$data/Test.tgt" > "$work/t150.tgt"

echo "== acceptance on the whole test set (batch 32, draft confidence 0.2, 4 drafts, vocabulary 2000)"
for model in "$a" "$b"; do
  for l in 1 2 3; do
    "$swt" translate -m "$model" -i "$data/Test.src" -o "$work/out" --threads 2 --batch-size 32 \
      --beam 1 --speculative --draft-layers "$l" --stats 2> "$work/err"
    echo "$model L=$l $(grep speculative: "$work/err")"
  done
  # Speculative output is greedy output: its test BLEU is the model's.
  echo "$model greedy test BLEU (none): $("$swt" eval --hyp "$work/out" --ref "$data/Test.tgt" --tokenize none)"
done
"$swt" translate -m "$baseline" -i "$data/Test.src" -o "$work/out" --threads 2 --batch-size 32 --beam 1
echo "$baseline greedy test BLEU (none): $("$swt" eval --hyp "$work/out" --ref "$data/Test.tgt" --tokenize none)"

common=(--tokenize none --threads 1 --thresholds 0.5,0.9 --draft-tokens 4 --draft-confidence 0.05,0.2
  --batch-size 1 --repeats 3 --draft-layers 1,2,3 --draft-vocabulary 2000)
echo "== batch 1, first 150 test sentences, 3 repeats: $a"
"$swt" bench depth -m "$a" -i "$work/t150.src" -r "$work/t150.tgt" "${common[@]}"
echo "== batch 1, first 150 test sentences, 3 repeats: $b, baseline $baseline"
"$swt" bench depth -m "$b" -i "$work/t150.src" -r "$work/t150.tgt" "${common[@]}" \
  --baseline-model "$baseline" --svg "$svg"
