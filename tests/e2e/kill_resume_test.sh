#!/usr/bin/env bash
# kill -9 at any moment is safe: `swt train` is killed again and again at random
# moments (checkpoint and model writes happen every few steps, so some kills land
# inside them) and resumed each time. After every kill the model directory must
# load (when it holds a model yet), and the finished run's weights must equal,
# byte for byte, those of a run that was never interrupted.
#   kill_resume_test.sh SWT WORK_DIR [KILLS]
set -euo pipefail
swt=$1
work=$2
kills=${3:-12}
rm -rf "$work"
mkdir -p "$work"
data=$work/data
"$swt" data toy --task reverse --out "$data" --train-size 3000 --dev-size 20 --test-size 5 \
  > /dev/null

# A 1+1-layer model; a checkpoint and (often) a new best model every 4 steps.
cat > "$work/config.yaml" << EOF
data:
  train_src: $data/train.src
  train_tgt: $data/train.tgt
  dev_src: $data/dev.src
  dev_tgt: $data/dev.tgt
  shared_vocab: true
model:
  preset: tiny
  d_model: 32
  d_ff: 64
  heads: 2
  encoder_layers: 1
  decoder_layers: 1
  dropout: 0.1
train:
  batch_tokens: 512
  max_steps: 320
  max_minutes: 0
  valid_every: 4
  log_every: 4
  valid_sentences: 10
  patience: 0
  threads: 1
EOF
train=("$swt" train --config "$work/config.yaml")

now() { date +%s.%N; }

start=$(now)
"${train[@]}" --model-dir "$work/reference" 2> "$work/reference.log"
# Kill moments are drawn over the uninterrupted run's duration.
duration=$(echo "$(now) - $start" | bc)
echo "uninterrupted run: ${duration}s"

# The model directory must be a loadable model, or not a model yet.
check_loadable() {
  local dir=$1
  if [[ ! -e $dir/config.json && ! -e $dir/config.json.next ]]; then return 0; fi
  if ! "$swt" translate --model "$dir" --input "$data/test.src" --output "$work/check.hyp" \
    2> "$work/check.log"; then
    echo "FAIL: model directory not loadable after a kill:" >&2
    cat "$work/check.log" >&2
    ls -la "$dir" >&2
    exit 1
  fi
}

killed=$work/killed
# True while the run is writing its checkpoint or model set.
writing() {
  compgen -G "$killed/checkpoint.tmp" > /dev/null || compgen -G "$killed/*.next" > /dev/null ||
    compgen -G "$killed/*.tmp.*" > /dev/null || compgen -G "$killed/checkpoint.old" > /dev/null
}

RANDOM=${KILL_SEED:-7}
done_kills=0
for ((i = 1; i <= kills; i++)); do
  "${train[@]}" --model-dir "$killed" --resume 2>> "$work/killed.log" &
  pid=$!
  if ((i % 2)); then
    # A random moment in the first eighth of a run's length, from start-up on:
    # the uninterrupted run is timed while other tests may load the machine,
    # so later runs can be faster; short delays keep them from finishing early.
    delay=$(echo "scale=3; $duration * $((RANDOM % 1000 + 1)) / 8000" | bc)
    sleep "$delay"
    moment="after ${delay}s"
  else
    # The moment a checkpoint or model write is under way (after 1 s to let one start).
    sleep 1
    until writing || ! kill -0 "$pid" 2> /dev/null; do sleep 0.001; done
    moment="during a write ($(ls "$killed" | tr '\n' ' '))"
  fi
  if kill -9 "$pid" 2> /dev/null; then
    wait "$pid" 2> /dev/null || true
    echo "kill $i $moment"
    done_kills=$((done_kills + 1))
  else
    wait "$pid" # finished before the kill
    echo "run $i finished before its kill"
  fi
  check_loadable "$killed"
  if grep -q '"event":"end"' "$killed/train.log.jsonl" 2> /dev/null; then break; fi
done
"${train[@]}" --model-dir "$killed" --resume 2>> "$work/killed.log"
check_loadable "$killed"

for f in model.safetensors checkpoint/model.safetensors src.vocab tgt.vocab config.json; do
  if ! cmp -s "$work/reference/$f" "$killed/$f"; then
    echo "FAIL: $f differs between the uninterrupted and the killed-and-resumed run" >&2
    exit 1
  fi
done
if ((done_kills < 6)); then
  echo "FAIL: only $done_kills of $kills runs were killed before they finished" >&2
  exit 1
fi
echo "OK: $done_kills kills, final weights identical to the uninterrupted run"
