#!/bin/bash
# CTest fixture: a tiny BBE->ASV model trained for 3 steps, enough to have
# real (if useless) weights for the parity and invariance tests.
# Usage: make_quick_model.sh SWT SOURCE_DIR SHARED_DIR WORK_DIR [--set key=value]...
# (the extra settings choose the architecture, e.g. a MoE model).
set -euo pipefail
swt=$1 source_dir=$2 shared=$3 work=$4
shift 4
data=$shared/data/bible-style/BBEToASV

rm -rf "$work"
mkdir -p "$work"
"$swt" train --config "$source_dir/configs/bbe-asv.yaml" --model-dir "$work/model" \
  --set data.train_src="$data/Train.src" --set data.train_tgt="$data/Train.tgt" \
  --set data.dev_src="$data/Dev.src" --set data.dev_tgt="$data/Dev.tgt" \
  --set model.preset=tiny --set train.max_steps=3 --set train.valid_every=3 \
  --set train.valid_sentences=2 --set train.threads=2 "$@" >"$work/train.log" 2>&1 ||
  { cat "$work/train.log"; exit 1; }
head -n 50 "$data/Test.src" >"$work/test50.src"
head -n 50 "$data/Test.tgt" >"$work/test50.tgt"
head -n 100 "$data/Test.src" >"$work/test100.src"
echo "quick model in $work/model"
