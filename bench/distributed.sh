#!/usr/bin/env bash
# Multi-process training speed: 2 processes x 1 thread (c10d Gloo on loopback)
# against 1 process x 1 thread, same global batches, alternating runs.
#   bench/distributed.sh [--rounds N] [--steps N] [--preset small|base] [--moe EXPERTS]
#                        [--swt PATH] [--json]
# Trains configs/bbe-asv.yaml (real data) for --steps steps per run, logging
# every 5 steps; the first window (warm-up) is dropped. Prints, per setting,
# the median tokens/s over all windows of all rounds, the ratio to 1 process,
# the median share of a step spent in the gradient all-reduce and the peak
# resident memory of the largest process; --json prints one JSON object too.
# --moe E: a Switch-MoE model (E experts in every other layer), and a third
# setting: 2 processes with the experts divided between them
# (train.expert_parallel), against 2 processes holding every expert.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3 steps=40 preset=small swt=build/swt json=0 experts=0
while (($#)); do
  case $1 in
    --rounds) rounds=$2 && shift ;;
    --steps) steps=$2 && shift ;;
    --preset) preset=$2 && shift ;;
    --moe) experts=$2 && shift ;;
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
# name:processes:train.expert_parallel
settings=(1x1:1:false 2x1:2:false)
if ((experts > 0)); then
  common+=(--set model.ffn=moe --set model.experts="$experts")
  settings+=(2x1-expert-parallel:2:true)
fi

for round in $(seq "$rounds"); do
  for setting in "${settings[@]}"; do
    IFS=: read -r name nproc split <<< "$setting"
    dir=$work/r$round-$name
    /usr/bin/time -f %M -o "$dir.rss" "$swt" train "${common[@]}" --model-dir "$dir" \
      --nproc "$nproc" --set train.expert_parallel="$split" 2> /dev/null
    echo "round $round, $name: done" >&2
  done
done

names=()
for setting in "${settings[@]}"; do names+=("${setting%%:*}"); done
/usr/bin/python3 - "$work" "$rounds" "$preset" "$steps" "$json" "$experts" "${names[@]}" << 'EOF2'
import json, statistics, sys
work, rounds, preset, steps, as_json, experts = sys.argv[1:7]
rounds, experts, names = int(rounds), int(experts), sys.argv[7:]

def measure(name):
    rates, shares, rss, params = [], [], [], 0
    for r in range(1, rounds + 1):
        events = [json.loads(l) for l in open(f"{work}/r{r}-{name}/train.log.jsonl")]
        params = next(e["parameters"] for e in events if e["event"] == "start")
        train = [e for e in events if e["event"] == "train"][1:]  # drop warm-up
        rates += [e["tokens_per_s"] for e in train]
        shares += [e["allreduce_share"] for e in train]
        rss.append(int(open(f"{work}/r{r}-{name}.rss").read().split()[-1]) / 1024)
    return {"tokens_per_s": statistics.median(rates), "allreduce_share": statistics.median(shares),
            "peak_rss_mib": statistics.median(rss), "parameters": params}

results = {name: measure(name) for name in names}
base = results["1x1"]["tokens_per_s"]
params = results["1x1"]["parameters"]
model = f"preset {preset}" + (f" + MoE ({experts} experts every other layer)" if experts else "")
print(f"{model}, {params} parameters, {steps} steps x {rounds} rounds, medians of 5-step windows")
for name, r in results.items():
    print(f"{name:22s} {r['tokens_per_s']:8.0f} tokens/s ({r['tokens_per_s'] / base:.2f}x)"
          f"  all-reduce {100 * r['allreduce_share']:4.1f}%  peak RSS {r['peak_rss_mib']:.0f} MiB")
if as_json:
    print(json.dumps({"preset": preset, "experts": experts, "parameters": params,
                      "steps": int(steps), "rounds": rounds,
                      "settings": {n: {**r, "speedup": r["tokens_per_s"] / base}
                                   for n, r in results.items()}}))
EOF2
