#!/bin/bash
# CTest fixture swt_serve_adaptive_model: a small adaptive-depth model
# (model.adaptive_depth, 2 encoder and 3 decoder layers, halting units trained)
# on the toy-reverse data of fixture swt_toy_model, about 10 s. Its tokens exit
# the decoder at different layers under --exit-threshold, which the depth and
# page tests of swt serve look at.
# Usage: make_adaptive_model.sh SWT SOURCE_DIR TOY_DATA_DIR OUT_DIR
set -euo pipefail
swt=$(realpath "$1") source_dir=$(realpath "$2") data=$(realpath "$3") out=$4

rm -rf "$out"
mkdir -p "$out"
"$swt" train --config "$source_dir/configs/tiny.yaml" --model-dir "$out/model" \
  --set data.train_src="$data/train.src" --set data.train_tgt="$data/train.tgt" \
  --set data.dev_src="$data/dev.src" --set data.dev_tgt="$data/dev.tgt" \
  --set model.d_model=32 --set model.d_ff=64 --set model.heads=2 \
  --set model.encoder_layers=2 --set model.decoder_layers=3 --set model.adaptive_depth=true \
  --set train.max_steps=120 --set train.halting_steps=40 --set train.valid_every=120 \
  --set train.valid_sentences=20 --set train.warmup_steps=30 --set train.lr=0.003 \
  --set train.batch_tokens=1024 --set train.log_every=40 --set train.threads=2 \
  >"$out/train.log" 2>&1 || { cat "$out/train.log"; exit 1; }
echo "adaptive model in $out/model"
