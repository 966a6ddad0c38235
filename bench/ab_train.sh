#!/bin/bash
# A/B of two swt binaries on training speed, alternating runs on one thread:
#   bench/ab_train.sh OLD_SWT NEW_SWT WORK [ROUNDS]
# WORK is a bench/compare.sh --work directory (its small.yaml is reused with
# 16 steps, log every 4, one thread). Prints each run's tokens/s per window
# (the first window, warm-up, dropped) and the losses, so both can be compared.
set -euo pipefail
old=$1 new=$2 work=$3 rounds=${4:-2}
cfg=$(mktemp --suffix .yaml)
sed -e 's/max_steps: .*/max_steps: 16/' -e 's/threads: .*/threads: 1/' \
  -e 's/log_every: .*/log_every: 4/' "$work/small.yaml" > "$cfg"
model=$(mktemp -d)
for _ in $(seq "$rounds"); do
  for bin in "$old" "$new"; do
    rm -rf "$model"
    "$bin" train --config "$cfg" --model-dir "$model" > /dev/null 2>&1
    /usr/bin/python3 - "$bin" "$model/train.log.jsonl" <<'PY'
import json, statistics, sys
events = [json.loads(line) for line in open(sys.argv[2])]
train = [e for e in events if e.get("event") == "train"]
rates = [round(e["tokens_per_s"]) for e in train][1:]
print(sys.argv[1], "tokens/s", rates, "median", statistics.median(rates),
      "losses", [round(e["loss"], 3) for e in train])
PY
  done
done
rm -rf "$model" "$cfg"
