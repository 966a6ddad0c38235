#!/bin/bash
# Parity: the PyTorch reference (bench/pytorch) reproduces swt's logits to 1e-4
# on 50 BBE->ASV test sentences. Both sides use the same thread count.
# Usage: parity_test.sh SWT SOURCE_DIR WORK_DIR  (WORK_DIR from make_quick_model.sh)
set -euo pipefail
swt=$1 source_dir=$2 work=$3
threads=2

"$swt" export --model "$work/model" --out "$work/export.safetensors"
"$swt" score --model "$work/model" --src "$work/test50.src" --tgt "$work/test50.tgt" \
  --out "$work/scores.safetensors" --threads $threads
/usr/bin/python3 "$source_dir/bench/pytorch/parity.py" --model "$work/export.safetensors" \
  --scores "$work/scores.safetensors" --threads $threads
