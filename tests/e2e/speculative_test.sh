#!/usr/bin/env bash
# Self-speculative decoding gives greedy decoding's output, byte for byte, on
# a model trained on BBE -> ASV (a small multi-exit model, about two minutes
# of training): over the whole Bible test set at batch 32 (rows accept
# different numbers of drafts), and over its first 300 sentences at batch 1
# (one sentence at a time is slow), with the default drafts and with drafts
# that are never cut short (confidence 0, up to 15 tokens: many rejections).
#   speculative_test.sh SWT SOURCE_DIR SHARED_DIR WORK_DIR
set -euo pipefail
swt=$1
root=$2
shared=$3
work=$4
rm -rf "$work"
mkdir -p "$work"
data=$shared/data/bible-style/BBEToASV
test_src=$data/Test.src
cd "$root"
"$swt" train --config configs/bbe-asv.yaml --model-dir "$work/model" \
  --set data.vocab_max_size=2000 --set model.preset=tiny --set model.d_model=64 \
  --set model.d_ff=128 --set model.heads=2 --set model.encoder_layers=1 \
  --set model.decoder_layers=3 --set model.adaptive_depth=true --set train.halting_steps=0 \
  --set train.max_steps=400 --set train.warmup_steps=100 --set train.lr=0.002 \
  --set train.max_minutes=0 --set train.valid_every=1000 \
  --set train.threads=2 > "$work/train.log" 2>&1 || { tail -5 "$work/train.log"; exit 1; }

head -300 "$test_src" > "$work/first300.src"
translate() { # INPUT OUTPUT [OPTIONS...]
  local in=$1 out=$2
  shift 2
  "$swt" translate -m "$work/model" -i "$in" -o "$work/$out" --beam 1 --threads 2 "$@" \
    2> "$work/$out.err"
}
same() { # A B
  if ! cmp -s "$work/$1" "$work/$2"; then
    echo "FAIL: $2 differs from $1:"
    diff "$work/$1" "$work/$2" | head -5
    exit 1
  fi
  echo "ok: $2 = $1 ($(wc -l < "$work/$2") lines)"
}
translate "$test_src" greedy32 --batch-size 32
translate "$test_src" spec32 --batch-size 32 --speculative --stats
translate "$test_src" spec32-long --batch-size 32 --speculative --draft-tokens 15 --draft-confidence 0 \
  --draft-layers 2
same greedy32 spec32
same greedy32 spec32-long
grep -qE "^speculative: .* acceptance .*, draft step [0-9.]+ ms, verification pass [0-9.]+ ms" "$work/spec32.err" || {
  echo "FAIL: --stats printed no acceptance and timing line"
  exit 1
}
grep "^speculative:" "$work/spec32.err"
first300=$work/first300.src
translate "$first300" greedy1 --batch-size 1
translate "$first300" spec1 --batch-size 1 --speculative
translate "$first300" spec1-long --batch-size 1 --speculative --draft-tokens 15 --draft-confidence 0
same greedy1 spec1
same greedy1 spec1-long
# A speculative option that does not fit: one line, exit 1.
if "$swt" translate -m "$work/model" -i "$test_src" --speculative --beam 4 > /dev/null \
  2> "$work/bad.err"; then
  echo "FAIL: --speculative --beam 4 was accepted"
  exit 1
fi
[[ $(wc -l < "$work/bad.err") -eq 1 ]] && grep -q "beam 1" "$work/bad.err"
echo "speculative decoding: identical to greedy"
