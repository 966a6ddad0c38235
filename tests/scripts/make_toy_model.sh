#!/bin/bash
# CTest fixture swt_toy_model: the demo's toy reverse task (configs/tiny.yaml)
# with a smaller model trained for 200 steps, about 15 s on 2 cores. Its
# translations end (it emits </s>), unlike the 3-step swt_quick_model.
# Usage: make_toy_model.sh SWT SOURCE_DIR WORK_DIR
#   WORK_DIR/data/toy-reverse/{train,dev,test}.{src,tgt}, WORK_DIR/model
set -euo pipefail
swt=$(realpath "$1") source_dir=$(realpath "$2") work=$3

rm -rf "$work"
mkdir -p "$work"
cd "$work"
# 2000 test sentences: enough output (about 80 KB through the demo's pipe) that
# a reader stopping early would reliably break the writer (swt_demo_finish).
"$swt" data toy --task reverse --out data/toy-reverse --train-size 3000 --dev-size 50 \
  --test-size 2000 --max-len 8 >/dev/null
"$swt" train --config "$source_dir/configs/tiny.yaml" --model-dir model \
  --set model.d_model=64 --set model.d_ff=128 --set model.heads=2 \
  --set model.encoder_layers=1 --set model.decoder_layers=1 \
  --set train.max_steps=200 --set train.valid_every=200 --set train.valid_sentences=20 \
  --set train.warmup_steps=50 --set train.lr=0.003 --set train.batch_tokens=1024 \
  --set train.log_every=50 --set train.threads=2 >train.log 2>&1 ||
  { cat train.log; exit 1; }
echo "toy model in $work/model"
