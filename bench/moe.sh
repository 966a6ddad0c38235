#!/usr/bin/env bash
# Switch-MoE `small` against dense `small` on BBE->ASV for the same training
# wall-clock budget (BENCHMARKS.md section 10, issue 13).
#   bench/moe.sh [--minutes M] [--work DIR] [--swt PATH] [--experts N] [--moe-every K]
#                [--valid-every N] [--valid-sentences N] [--log-every N] [--lines N]
#                [--batch1-lines N] [--rounds N] [--skip-train] [--summary-only]
# 1. Trains configs/bbe-asv.yaml twice, side by side, one thread each, for
#    --minutes each: WORK/dense, and WORK/moe (model.ffn=moe, --experts experts in
#    every --moe-every-th layer, the other MoE options at their defaults), each under
#    /usr/bin/time -v (peak RSS) when it exists. --skip-train reuses WORK/{dense,moe}.
# 2. Translates Dev and Test (beam 5, batch 32, 2 threads; the "<ASV> " tag is
#    stripped by the model's own strip_src_prefix) and scores BLEU (--tokenize none,
#    as the paper, and 13a) and chrF with swt eval.
# 3. Times greedy decoding at --threads 1: batch 32 on Test, batch 1 on its first
#    --batch1-lines sentences, the two models alternated, --rounds rounds; the
#    median sentences/s (wall time of the whole swt translate run, model loading
#    included), and the output words per second (the two models write outputs of
#    different lengths, and greedy decoding runs until every sentence has ended).
# --lines N uses only the first N lines of Dev and Test in steps 2 and 3 (0 = all).
# --summary-only prints the summary of an earlier run in WORK without running anything.
# Prints a human-readable summary (stderr), then one JSON line (stdout). Run from
# anywhere; paths given as arguments are relative to the current directory.
# WORK's dense/ and moe/ are deleted first unless --skip-train or --summary-only.
set -euo pipefail
minutes=35 work=/tmp/swt-moe-bench swt='' experts=8 moe_every=2 valid_every=300 valid_sentences=300
log_every=50 lines=0 batch1_lines=300 rounds=3 skip_train=0 summary_only=0
while (($#)); do
  case $1 in
    --minutes) minutes=$2 && shift ;;
    --work) work=$2 && shift ;;
    --swt) swt=$2 && shift ;;
    --experts) experts=$2 && shift ;;
    --moe-every) moe_every=$2 && shift ;;
    --valid-every) valid_every=$2 && shift ;;
    --valid-sentences) valid_sentences=$2 && shift ;;
    --log-every) log_every=$2 && shift ;;
    --lines) lines=$2 && shift ;;
    --batch1-lines) batch1_lines=$2 && shift ;;
    --rounds) rounds=$2 && shift ;;
    --skip-train) skip_train=1 ;;
    --summary-only) summary_only=1 ;;
    -h | --help) sed -n '2,23p' "$0" && exit 0 ;;
    *) echo "unknown option $1" >&2 && exit 1 ;;
  esac
  shift
done
root=$(cd "$(dirname "$0")/.." && pwd)
swt=$(realpath "${swt:-$root/build/swt}")
mkdir -p "$work"
work=$(realpath "$work")
data=$root/../shared/data/bible-style/BBEToASV
[[ -x $swt ]] || { echo "no swt binary at $swt" >&2 && exit 1; }
cd "$root" # the config's data paths are relative to the repository root

training() { # 1. both models side by side, one thread each
  rm -rf "$work/dense" "$work/moe"
  common=(--config configs/bbe-asv.yaml --set train.threads=1 --set train.max_minutes="$minutes"
    --set train.valid_every="$valid_every" --set train.valid_sentences="$valid_sentences"
    --set train.log_every="$log_every")
  timer=()
  if [[ -x /usr/bin/time ]]; then timer=(/usr/bin/time -v -o); fi
  train() { # NAME [--set ...]
    local name=$1 && shift
    if ((${#timer[@]})); then
      "${timer[@]}" "$work/$name.time" "$swt" train "${common[@]}" --model-dir "$work/$name" "$@"
    else
      "$swt" train "${common[@]}" --model-dir "$work/$name" "$@"
    fi > "$work/$name.log" 2>&1
  }
  echo "training dense and moe side by side, $minutes minutes each (logs: $work/{dense,moe}.log)" >&2
  train dense &
  local pid_dense=$!
  train moe --set model.ffn=moe --set model.experts="$experts" --set model.moe_every="$moe_every" &
  local pid_moe=$! status=0
  wait "$pid_dense" || status=$?
  wait "$pid_moe" || status=$?
  if ((status != 0)); then echo "a training run failed (see $work/{dense,moe}.log)" >&2 && exit 1; fi
}

quality() { # 2. beam 5, batch 32, 2 threads; BLEU (none, 13a) and chrF
  local split name hyp start tok
  for split in Dev Test; do
    if ((lines > 0)); then
      head -n "$lines" "$data/$split.src" > "$work/$split.src"
      head -n "$lines" "$data/$split.tgt" > "$work/$split.tgt"
    else
      cp "$data/$split.src" "$data/$split.tgt" "$work/"
    fi
  done
  for name in dense moe; do
    for split in Dev Test; do
      hyp=$work/$name.$split.hyp
      start=$(date +%s.%N)
      "$swt" translate --model "$work/$name" --input "$work/$split.src" --output "$hyp" \
        --beam 5 --batch-size 32 --threads 2 2> /dev/null
      awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }' > "$work/$name.$split.beam_s"
      for tok in none 13a; do
        "$swt" eval --hyp "$hyp" --ref "$work/$split.tgt" --tokenize "$tok" --metrics bleu,chrf --json \
          > "$work/$name.$split.$tok.json"
      done
      echo "$name $split: $(cat "$work/$name.$split.none.json") (none)," \
        "$(cat "$work/$name.$split.13a.json") (13a)" >&2
    done
  done
}

timing() { # 3. greedy decoding, 1 thread, the two models alternated
  local round name batch input n start secs words
  head -n "$batch1_lines" "$work/Test.src" > "$work/Test.b1.src"
  : > "$work/timing.tsv"
  for round in $(seq "$rounds"); do
    for name in dense moe; do
      for batch in 32 1; do
        input=$work/Test.src
        if ((batch == 1)); then input=$work/Test.b1.src; fi
        n=$(wc -l < "$input")
        start=$(date +%s.%N)
        "$swt" translate --model "$work/$name" --input "$input" --output "$work/$name.greedy.b$batch.hyp" \
          --beam 1 --batch-size "$batch" --threads 1 2> /dev/null
        secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
        words=$(wc -w < "$work/$name.greedy.b$batch.hyp")
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$batch" "$n" "$secs" "$words" >> "$work/timing.tsv"
        echo "round $round $name greedy batch $batch: $n sentences ($words words) in $secs s" >&2
      done
    done
  done
}

if ((summary_only == 0)); then
  if ((skip_train == 0)); then training; fi
  quality
  timing
fi

# ---- summary
/usr/bin/python3 - "$work" << 'EOF'
import json, re, statistics, sys
work = sys.argv[1]

def train_stats(name):
    events = [json.loads(l) for l in open(f"{work}/{name}/train.log.jsonl")]
    start = next(e for e in events if e["event"] == "start")
    train = [e for e in events if e["event"] == "train"]
    valid = [e for e in events if e["event"] == "valid"]
    end = [e for e in events if e["event"] == "end"]
    s = {"parameters": start["parameters"],
         "steps": max(e["step"] for e in events if "step" in e),
         "epochs": train[-1]["epoch"] if train else None,
         "train_minutes": round(max(e.get("elapsed_s", 0) for e in events) / 60, 1),
         "tokens_per_s": round(statistics.median(e["tokens_per_s"] for e in train)) if train else None,
         "tokens_per_s_run": round(end[-1]["tokens_per_s"]) if end else None,
         "stop_reason": end[-1].get("stop_reason") if end else None,
         "valid": [{k: v for k, v in e.items() if k in ("step", "bleu", "loss", "dev_bleu", "dev_loss")}
                   for e in valid]}
    if train and "moe" in train[-1]:
        m = train[-1]["moe"]
        s["moe"] = {"step": train[-1]["step"], "balance": m["balance"], "z_loss": m["z_loss"], "dropped": m["dropped"],
                    "entropy": m["entropy"],
                    "load": [[round(x, 3) for x in layer["load"]] for layer in m["layers"]]}
    try:
        rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(f"{work}/{name}.time").read())
        s["peak_rss_mib"] = round(int(rss.group(1)) / 1024)
    except (OSError, AttributeError):
        s["peak_rss_mib"] = None
    return s

out = {}
for name in ("dense", "moe"):
    s = train_stats(name)
    for split in ("Dev", "Test"):
        for tok in ("none", "13a"):
            r = json.load(open(f"{work}/{name}.{split}.{tok}.json"))
            s[f"{split.lower()}_bleu_{tok}"] = r["bleu"]
            s[f"{split.lower()}_chrf"] = r["chrf"]
        s[f"{split.lower()}_beam5_s"] = round(float(open(f"{work}/{name}.{split}.beam_s").read()), 1)
    for batch in ("32", "1"):
        runs = [(int(n) / float(t), int(w) / float(t)) for r, m, b, n, t, w in
                (l.split("\t") for l in open(f"{work}/timing.tsv").read().splitlines())
                if m == name and b == batch]
        s[f"greedy_b{batch}_sent_s"] = round(statistics.median(x for x, _ in runs), 2)
        s[f"greedy_b{batch}_sent_s_all"] = [round(x, 2) for x, _ in runs]
        s[f"greedy_b{batch}_words_s"] = round(statistics.median(w for _, w in runs), 1)
    out[name] = s
for batch in ("32", "1"):
    for unit in ("sent", "words"):
        out[f"ratio_greedy_b{batch}_{unit}"] = round(out["moe"][f"greedy_b{batch}_{unit}_s"]
                                                     / out["dense"][f"greedy_b{batch}_{unit}_s"], 3)
for name in ("dense", "moe"):
    s = out[name]
    print(f"{name}: {s['parameters']} parameters, {s['steps']} steps, {s['tokens_per_s']} tokens/s, "
          f"test BLEU {s['test_bleu_none']} (none) {s['test_bleu_13a']} (13a), chrF {s['test_chrf']}, "
          f"dev BLEU {s['dev_bleu_none']}, greedy {s['greedy_b1_sent_s']} / {s['greedy_b32_sent_s']} sent/s "
          f"(batch 1 / 32), peak RSS {s['peak_rss_mib']} MiB", file=sys.stderr)
print(json.dumps(out))
EOF
