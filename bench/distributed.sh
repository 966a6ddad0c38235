#!/usr/bin/env bash
# Data-parallel training speed: 2 processes x 1 thread (c10d Gloo on loopback)
# against 1 process x 1 thread, same global batches, alternating runs.
#   bench/distributed.sh [--rounds N] [--steps N] [--preset small|base] [--swt PATH]
# Trains configs/bbe-asv.yaml (real data) for --steps steps per run, logging
# every 5 steps; the first window (warm-up) is dropped. Prints, per setting,
# the median tokens/s over all windows of all rounds, the ratio, and the median
# share of a 2-process step spent in the gradient all-reduce; --json prints one
# JSON object as well.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 steps=40 preset=small swt=build/swt json=0
while (($#)); do
  case $1 in
    --rounds) rounds=$2 && shift ;;
    --steps) steps=$2 && shift ;;
    --preset) preset=$2 && shift ;;
    --swt) swt=$2 && shift ;;
    --json) json=1 ;;
    *) echo "unknown option $1" >&2 && exit 1 ;;
  esac
  shift
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--config configs/bbe-asv.yaml --set model.preset="$preset" --set train.max_steps="$steps"
  --set train.max_minutes=0 --set train.log_every=5 --set train.valid_every=100000
  --set train.valid_sentences=20 --set train.threads=1)

for round in $(seq "$rounds"); do
  for nproc in 1 2; do
    "$swt" train "${common[@]}" --model-dir "$work/r$round-p$nproc" --nproc "$nproc" 2> /dev/null
    echo "round $round, $nproc process(es): done" >&2
  done
done

/usr/bin/python3 - "$work" "$rounds" "$preset" "$steps" "$json" << 'EOF'
import glob, json, statistics, sys
work, rounds, preset, steps, as_json = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5] == "1"

def windows(nproc):
    rates, shares, params = [], [], 0
    for r in range(1, rounds + 1):
        events = [json.loads(l) for l in open(f"{work}/r{r}-p{nproc}/train.log.jsonl")]
        params = next(e["parameters"] for e in events if e["event"] == "start")
        train = [e for e in events if e["event"] == "train"][1:]  # drop warm-up
        rates += [e["tokens_per_s"] for e in train]
        shares += [e["allreduce_share"] for e in train]
    return statistics.median(rates), statistics.median(shares), params

one, _, params = windows(1)
two, share, _ = windows(2)
print(f"preset {preset}, {params} parameters ({params * 4 / 2**20:.1f} MiB of fp32 gradients "
      f"all-reduced per step), {steps} steps x {rounds} rounds, medians of 5-step windows")
print(f"1 process  x 1 thread: {one:8.0f} tokens/s")
print(f"2 processes x 1 thread: {two:8.0f} tokens/s  ({two / one:.2f}x)")
print(f"gradient all-reduce: {100 * share:.1f}% of a 2-process step")
if as_json:
    print(json.dumps({"preset": preset, "parameters": params, "steps": int(steps), "rounds": rounds,
                      "tokens_per_s_1x1": one, "tokens_per_s_2x1": two, "speedup": two / one,
                      "allreduce_share": share}))
EOF
