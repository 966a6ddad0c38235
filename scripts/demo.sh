#!/usr/bin/env bash
# The main job, end to end: install, build, make the toy reverse data, train a
# tiny model for a few minutes, translate a few test sentences, print BLEU.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
swt=build/swt
$swt data toy --task reverse --out data/toy-reverse
$swt train --config configs/tiny.yaml --model-dir models/toy-reverse
# Translate, show a few sentences, print the score (also run by ctest: swt_demo_finish).
bash scripts/demo-finish.sh $swt models/toy-reverse data/toy-reverse
