#!/usr/bin/env bash
# The main job's finishing steps (scripts/demo.sh): translate the test set,
# show a few sentences, print the test-set score. CI runs this same script on a
# tiny model (ctest swt_demo_finish, tests/scripts/demo_finish_test.sh).
# Usage: demo-finish.sh SWT MODEL_DIR DATA_DIR
#   writes MODEL_DIR/test.hyp from DATA_DIR/test.src, scores it against DATA_DIR/test.tgt
set -euo pipefail
swt=$1 model=$2 data=$3
"$swt" translate --model "$model" --input "$data/test.src" --output "$model/test.hyp" --beam 4
echo "--- a few test sentences (source => translation)"
# Under pipefail a reader that stops early (head -5, grep -q, sed 5q) must not
# follow a writer that still has output: the writer dies of SIGPIPE and the
# script of status 141. sed -n reads all its input and prints the first five.
paste -d '\t' "$data/test.src" "$model/test.hyp" | sed -n '1,5{s/\t/  =>  /;p}'
echo "--- test set score"
"$swt" eval --hyp "$model/test.hyp" --ref "$data/test.tgt" --metrics bleu,chrf
