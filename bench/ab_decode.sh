#!/bin/bash
# A/B of two swt binaries on decoding speed, alternating runs on one thread:
#   bench/ab_decode.sh OLD_SWT NEW_SWT WORK [BEAM] [BATCH] [ROUNDS]
# WORK is a bench/compare.sh --work directory: its base model and the first 64
# of its test verses. Prints wall seconds per run (start-up included) and
# whether both binaries wrote the same translations.
set -euo pipefail
old=$1 new=$2 work=$3 beam=${4:-5} batch=${5:-64} rounds=${6:-3}
input=$(mktemp)
head -64 "$work/test128.src" > "$input"
for _ in $(seq "$rounds"); do
  for side in old new; do
    bin=$old
    [ "$side" = new ] && bin=$new
    start=$(date +%s.%N)
    "$bin" translate --model "$work/swt-base" --input "$input" --output "$input.$side" \
      --beam "$beam" --batch-size "$batch" --max-length-a 1 --max-length-b 0 \
      --no-unk-replace --threads 1 2> /dev/null
    echo "$bin $(echo "$(date +%s.%N) - $start" | bc) s"
  done
done
cmp -s "$input.old" "$input.new" && echo "translations identical" || echo "translations DIFFER"
rm -f "$input" "$input.old" "$input.new"
