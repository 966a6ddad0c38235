#!/bin/bash
# Load benchmark of `swt serve` (issue 11; BENCHMARKS.md section 8): client
# threads (Python standard library) send one sentence per request at 1, 8 and
# 64 concurrent clients; sentences/s, p50/p99 latency, errors and the server's
# RSS per level, beside `swt translate`'s offline throughput on the same
# sentences in the same run.
#
#   bench/serve.sh [--model DIR] [--input FILE] [--swt PATH] [more: bench/serve.py --help]
#
# --input defaults to the BBE->ASV test set (../shared/data/bible-style/BBEToASV/
# Test.src; the model's own preprocess strips the "<ASV> " tag, as in swt
# translate). Without --model, a quick model is trained first (configs/bbe-asv.yaml,
# preset tiny, 300 steps: 11.6 minutes on 2 cores beside a build) into $SWT_BENCH_DIR
# (default /tmp/swt-serve-bench), and the script says so.
# Exit status 1 if any request failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
swt=$root/build/swt
model=
input=$root/../shared/data/bible-style/BBEToASV/Test.src
rest=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --model) model=$2; shift 2 ;;
    --input) input=$2; shift 2 ;;
    --swt) swt=$2; shift 2 ;;
    *) rest+=("$1"); shift ;;
  esac
done
[[ -x $swt ]] || { echo "error: $swt not found (build first: scripts/build.sh)" >&2; exit 1; }

if [[ -z $model ]]; then
  work=${SWT_BENCH_DIR:-/tmp/swt-serve-bench}
  model=$work/model
  echo "no --model: training a quick one (configs/bbe-asv.yaml, preset tiny, 300 steps) into $model"
  mkdir -p "$work"
  start=$(date +%s)
  (cd "$root" && "$swt" train --config configs/bbe-asv.yaml --model-dir "$model" \
     --set model.preset=tiny --set train.max_steps=300 --set train.max_minutes=0 \
     >"$work/train.log" 2>&1) || { tail -20 "$work/train.log"; exit 1; }
  echo "trained in $(( $(date +%s) - start )) s"
fi

echo "swt: $swt; model: $model; input: $input ($(wc -l <"$input") sentences); $(nproc) cores"
exec /usr/bin/python3 "$root/bench/serve.py" --swt "$swt" --model "$model" --input "$input" \
  "${rest[@]}"
