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
$swt translate --model models/toy-reverse --input data/toy-reverse/test.src \
  --output models/toy-reverse/test.hyp --beam 4
echo "--- a few test sentences (source => translation)"
paste -d '\t' data/toy-reverse/test.src models/toy-reverse/test.hyp | head -5 |
  sed 's/\t/  =>  /'
echo "--- test set score"
$swt eval --hyp models/toy-reverse/test.hyp --ref data/toy-reverse/test.tgt --metrics bleu,chrf
