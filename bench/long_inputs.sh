#!/usr/bin/env bash
# Long inputs (issue 15 item 5, BENCHMARKS.md section 11): switch against vanilla
# attention on whole Bible chapters (Spanish -> English) and on passage summaries.
#
#   bench/long_inputs.sh MINUTES WORK_DIR [SWT] [BASE_MODEL]
#
# MINUTES     wall-clock of each chapter-level training (the two run side by side,
#             one thread each); the summaries fine-tunes get MINUTES * 2 / 5, the
#             whole-chapter throughput runs MINUTES / 8 (override: SUMM_MINUTES,
#             TPUT_MINUTES; fractions are fine).
# WORK_DIR    everything goes here (data, models, hypotheses, results/).
# SWT         the binary (default build/swt).
# BASE_MODEL  an English -> English model for the summaries' train.init_from
#             (default: a BBE -> ASV `small` model, as configs/bbe-asv.yaml trains).
#
# Environment:
#   STAGES="data chapters throughput decode summaries plots"   stages to run
#   TINY=N      smoke test: N training lines of each corpus, N test lines, 3 steps
#   SVG_DIR     where the plots go (default: WORK_DIR/results)
# Needs the Debian SWORD modules of `swt data bible` / `swt data summaries`
# and /usr/bin/python3 (standard library only). Results: WORK_DIR/results/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
minutes=${1:?minutes}
work=${2:?work dir}
swt=$(realpath "${3:-$root/build/swt}")
base=${4:-}
stages=${STAGES:-data chapters throughput decode summaries plots}
tiny=${TINY:-0}
summ_minutes=${SUMM_MINUTES:-$(python3 -c "print($minutes*2/5)")}
tput_minutes=${TPUT_MINUTES:-$(python3 -c "print($minutes/8)")}
py=/usr/bin/python3
helper="$here/long_inputs.py"
mkdir -p "$work/results"
work=$(realpath "$work")
res=$work/results
svg_dir=${SVG_DIR:-$res}
cd "$work"
has() { [[ " $stages " == *" $1 "* ]]; }
timed() {  # timed NAME CMD...: runs CMD, GNU time's report in results/NAME.time
  /usr/bin/time -v -o "$res/$1.time" "${@:2}"
}
extra=()
len_opts=(--max-length-a 2 --max-length-b 10)   # a whole chapter (target/source tokens <= 1.3 here)
if [ "$tiny" -gt 0 ]; then
  extra=(--set train.max_steps=3 --set train.log_every=1 --set train.valid_sentences=1)
  len_opts=(--max-length-a 0 --max-length-b 20)
fi

# ---------------------------------------------------------------- data
if has data; then
  "$swt" data bible --out data/win --unit window       # windows of 1..64 verses; dev/test whole chapters
  "$swt" data bible --out data/verse --unit window --max-window 1  # verses of training chapters only
  "$swt" data bible --out data/chap --unit chapter     # whole chapters
  "$swt" data summaries --out data/summ
  mkdir -p data/mix
  # windows + verses; no verse of a dev/test chapter (docs/data.md, Units)
  if [ "$tiny" -gt 0 ]; then
    { head -n "$tiny" data/win/train.src; head -n "$tiny" data/verse/train.src; } > data/mix/train.src
    { head -n "$tiny" data/win/train.tgt; head -n "$tiny" data/verse/train.tgt; } > data/mix/train.tgt
    for s in src tgt; do head -n "$tiny" data/chap/train.$s > data/chap/train.small.$s
      head -n "$tiny" data/summ/train.$s > data/summ/train.small.$s; done
  else
    cat data/win/train.src data/verse/train.src > data/mix/train.src
    cat data/win/train.tgt data/verse/train.tgt > data/mix/train.tgt
  fi
  # validation: 4 whole dev chapters of 200-500 words (greedy decoding of long
  # inputs is the expensive part of a validation)
  if [ "$tiny" -gt 0 ]; then
    for s in src tgt; do head -n 2 data/verse/dev.$s > data/mix/dev.$s; done
  else
    $py "$helper" pick-dev data/win/dev data/mix/dev 4 200 500
  fi
  # a two-verse dev set for the throughput runs (their validation is not measured)
  for s in src tgt; do head -n 2 data/verse/dev.$s > data/chap/dev2.$s; done
  # test chapters by source length (tokens): <512, 512-767, 768-1023, >=1024
  ntest=40; [ "$tiny" -gt 0 ] && ntest=$tiny
  for s in src tgt; do head -n "$ntest" data/win/test.$s > data/mix/test.$s; done
  "$swt" tokenize < data/mix/test.src > data/mix/test.tok.src
  $py "$helper" buckets data/mix/test data/mix/test.tok.src 512,768,1024
  nsum=113; [ "$tiny" -gt 0 ] && nsum=$tiny
  for s in src tgt; do head -n "$nsum" data/summ/test.$s > data/summ/test.used.$s; done
fi

common_chap=(--config "$root/configs/es-en.yaml" --set train.threads=1
  --set data.train_src=data/mix/train.src --set data.train_tgt=data/mix/train.tgt
  --set data.dev_src=data/mix/dev.src --set data.dev_tgt=data/mix/dev.tgt
  --set data.max_length=3000 --set train.valid_sentences=4 --set train.valid_every=250
  --set train.patience=0 --set train.log_every=25)

# ---------------------------------------------------------------- (a) chapters
if has chapters; then
  for att in vanilla switch; do
    rm -rf "models/chap-$att"
    timed "train-chap-$att" "$swt" train "${common_chap[@]}" --model-dir "models/chap-$att" \
      --set model.attention=$att --set train.max_minutes="$minutes" "${extra[@]}" \
      > "$res/train-chap-$att.log" 2>&1 &
  done
  wait
  # greedy test decoding, one bucket at a time (timed), both models side by side
  mkdir -p hyp
  for att in vanilla switch; do
    (
      for b in data/mix/test.b*.src; do
        name=$(basename "$b" .src)
        timed "translate-$att-$name" "$swt" translate -m "models/chap-$att" -i "$b" \
          -o "hyp/chap-$att.$name" --beam 1 --batch-size 8 --threads 1 \
          --max-input-tokens 0 "${len_opts[@]}" 2> /dev/null
      done
    ) &
  done
  wait
  for att in vanilla switch; do
    $py "$helper" unbucket data/mix/test "hyp/chap-$att" > "hyp/chap-$att.test"
    "$swt" eval --hyp "hyp/chap-$att.test" --ref data/mix/test.tgt --json > "$res/eval-chap-$att.json"
    for b in data/mix/test.b*.src; do
      name=$(basename "$b" .src)
      "$swt" eval --hyp "hyp/chap-$att.$name" --ref "data/mix/$name.tgt" --json \
        > "$res/eval-chap-$att.$name.json"
    done
  done
  $py "$helper" chapters-report "$res" data/mix "$swt" > "$res/chapters.md"
  cat "$res/chapters.md"
fi

# ---------------------------------------------------------------- (b) throughput
if has throughput; then
  train_chap=data/chap/train; [ "$tiny" -gt 0 ] && train_chap=data/chap/train.small
  for att in vanilla switch; do
    rm -rf "models/tput-$att"
    timed "tput-$att" "$swt" train --config "$root/configs/es-en.yaml" --set train.threads=1 \
      --set data.train_src=$train_chap.src --set data.train_tgt=$train_chap.tgt \
      --set data.dev_src=data/chap/dev2.src --set data.dev_tgt=data/chap/dev2.tgt \
      --set data.max_length=3000 --set train.valid_every=1000000 --set train.valid_sentences=2 \
      --set train.log_every=5 --set train.max_minutes="$tput_minutes" \
      --set model.attention=$att --model-dir "models/tput-$att" "${extra[@]}" \
      > "$res/tput-$att.log" 2>&1 &
  done
  wait
  $py "$helper" tput-report "$res" models > "$res/throughput.md"
  cat "$res/throughput.md"
fi

# ---------------------------------------------------------------- (c) decoding cost
if has decode; then
  lengths=64,128,256,512,1024,2048,4096; steps=64
  [ "$tiny" -gt 0 ] && { lengths=64,256; steps=4; }
  "$swt" bench decode-attention --lengths $lengths --steps $steps --beams 4 --threads 1 --json \
    > "$res/decode-attention.json"
  cat "$res/decode-attention.json"
  # forward + backward time and peak tensor memory of attention and of one layer
  alens=256,512,1024,2048,4096; [ "$tiny" -gt 0 ] && alens=64,128
  "$swt" bench attention --lengths $alens --repeats 1 --threads 1 --json > "$res/attention.json"
  cat "$res/attention.json"
fi

# ---------------------------------------------------------------- (d) summaries
if has summaries; then
  if [ -z "$base" ]; then
    # no English -> English model given: train a BBE -> ASV one (configs/bbe-asv.yaml)
    base=models/bbe-asv
    "$swt" train --config "$root/configs/bbe-asv.yaml" --model-dir "$base" --set train.threads=2 \
      --set train.max_minutes="$minutes" "${extra[@]}"
  fi
  train_summ=data/summ/train; [ "$tiny" -gt 0 ] && train_summ=data/summ/train.small
  for att in vanilla switch; do
    rm -rf "models/summ-$att"
    timed "train-summ-$att" "$swt" train --config "$root/configs/bbe-asv.yaml" \
      --set train.init_from="$base" --set train.threads=1 --set model.attention=$att \
      --set data.train_src=$train_summ.src --set data.train_tgt=$train_summ.tgt \
      --set data.dev_src=data/summ/dev.src --set data.dev_tgt=data/summ/dev.tgt \
      --set data.max_length=3000 --set train.lr=0.0005 --set train.warmup_steps=100 \
      --set train.valid_every=150 --set train.valid_sentences=116 --set train.patience=0 \
      --set train.log_every=25 --set train.max_minutes="$summ_minutes" \
      --model-dir "models/summ-$att" "${extra[@]}" > "$res/train-summ-$att.log" 2>&1 &
  done
  wait
  mkdir -p hyp
  # the model directory keeps the best dev-BLEU model (BLEU of 5-word outlines is
  # noise at this stage); MODEL-last is the last step's weights (checkpoint/)
  for att in vanilla switch; do
    rm -rf "models/summ-$att-last"; mkdir -p "models/summ-$att-last"
    cp models/summ-$att/{config.json,src.vocab,tgt.vocab} "models/summ-$att-last/"
    cp models/summ-$att/checkpoint/model.safetensors "models/summ-$att-last/"
  done
  for m in summ-vanilla summ-switch summ-vanilla-last summ-switch-last; do
    timed "translate-$m" "$swt" translate -m "models/$m" -i data/summ/test.used.src \
      -o "hyp/$m.test" --beam 5 --batch-size 16 --threads 1 --max-input-tokens 0 \
      --max-length-a 0 --max-length-b 80 2> /dev/null &
    [ "$m" = summ-switch ] && wait
  done
  wait
  # baselines: the first N words (N = median training summary length), the longest verse
  "$swt" data bible --out data/verse-all --unit verse   # every aligned KJV verse, to cut passages
  $py "$helper" summ-baselines data/summ data/verse-all hyp > "$res/summ-baselines.txt"
  for sys in summ-vanilla summ-switch summ-vanilla-last summ-switch-last lead longest-verse; do
    for stem in "" --rouge-stem; do
      "$swt" eval --hyp "hyp/$sys.test" --ref data/summ/test.used.tgt --metrics rouge $stem --json \
        > "$res/eval-$sys${stem:+-stem}.json"
    done
  done
  $py "$helper" unk-rate "$swt" "$base" data/summ > "$res/summ-unk.txt"
  $py "$helper" summ-report "$res" > "$res/summaries.md"
  cat "$res/summ-baselines.txt" "$res/summ-unk.txt" "$res/summaries.md"
fi

# ---------------------------------------------------------------- (e) plots
if has plots; then
  $py "$helper" plot "$res" "$svg_dir"
fi
