#!/usr/bin/env bash
# Data-parallel training over c10d Gloo, on loopback:
#  1. equivalence: with dropout 0, 2 processes with half of every batch give the
#     loss of 1 process with the whole batch at every step (1e-4 relative, 20
#     steps) and the same final weights (float tolerance);
#  2. --resume of a 2-process run continues its data order (same final weights);
#  3. faults: a worker killed with -9 makes the others exit with a clear error
#     (launched by --nproc, and launched by hand as torchrun would); a wrong
#     master address fails with a clear error;
#  4. expert parallelism (model.ffn: moe, experts split between 2 processes):
#     the same losses and weights as 2 processes holding every expert (with
#     capacity drops and the auxiliary losses), and as 1 process (no drops, no
#     auxiliary losses: their batch statistics are per process); --resume on 2
#     processes and on 1; experts not a multiple of the processes is a
#     one-line error; the trained model translates, also with --int8.
#   distributed_test.sh SWT WORK_DIR
set -euo pipefail
swt=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work"
"$swt" data toy --task reverse --out data --train-size 3000 --dev-size 20 --test-size 5 > /dev/null

config() { # MAX_STEPS
  cat << EOF
data: {train_src: data/train.src, train_tgt: data/train.tgt, dev_src: data/dev.src,
       dev_tgt: data/dev.tgt, shared_vocab: true}
model: {preset: tiny, d_model: 32, d_ff: 64, heads: 2, encoder_layers: 1, decoder_layers: 1,
        dropout: 0.0, attention_dropout: 0.0}
train: {batch_tokens: 1024, max_steps: $1, max_minutes: 0, valid_every: 10, log_every: 1,
        valid_sentences: 10, patience: 0, threads: 1}
EOF
}
config 20 > steps20.yaml
config 10 > steps10.yaml
config 100000 > long.yaml

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Per-step losses (1e-4 relative) and final weights (float tolerance) agree.
compare_runs() { # DIR_A DIR_B
  /usr/bin/python3 - "$1" "$2" << 'EOF'
import json, struct, sys
import numpy as np

def losses(d):
    return [r["loss"] for r in map(json.loads, open(d + "/train.log.jsonl")) if r["event"] == "train"]

def weights(d):
    raw = open(d + "/checkpoint/model.safetensors", "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    return {k: np.frombuffer(data[v["data_offsets"][0]:v["data_offsets"][1]], np.float32)
            for k, v in header.items() if k != "__metadata__"}

a, b = sys.argv[1], sys.argv[2]
la, lb = losses(a), losses(b)
assert len(la) == len(lb) == 20, (len(la), len(lb))
worst = max(abs(x - y) / abs(x) for x, y in zip(la, lb))
assert worst < 1e-4, f"losses differ by {worst:.2e} relative"
wa, wb = weights(a), weights(b)
assert wa.keys() == wb.keys()
for k in wa:
    assert np.allclose(wa[k], wb[k], rtol=1e-3, atol=1e-5), f"tensor {k} differs"
print(f"  {len(la)} steps: losses within {worst:.1e} relative, {len(wa)} tensors allclose")
EOF
}

echo "1. equivalence: 1 process x whole batch vs 2 processes x half"
"$swt" train --config steps20.yaml --model-dir one 2> one.log
"$swt" train --config steps20.yaml --model-dir two --nproc 2 2> two.log
grep -q "processes 2" two.log || fail "the 2-process run did not report 2 processes"
compare_runs one two

echo "2. --resume of a 2-process run"
"$swt" train --config steps10.yaml --model-dir resumed --nproc 2 2> resumed.log
"$swt" train --config steps20.yaml --model-dir resumed --nproc 2 --resume 2>> resumed.log
grep -q "resumed from step 10" resumed.log || fail "the run did not resume from step 10"
cmp -s two/checkpoint/model.safetensors resumed/checkpoint/model.safetensors ||
  fail "the resumed 2-process run ended with other weights than the uninterrupted one"
echo "  same final weights as the uninterrupted run"

# Waits (at most $2 s) for process $1 to exit; its status goes to $status.
wait_exit() {
  local pid=$1 limit=$2 waited=0
  while kill -0 "$pid" 2> /dev/null; do
    sleep 0.1
    waited=$((waited + 1))
    if ((waited > limit * 10)); then
      kill -9 "$pid"
      fail "process $pid still running after ${limit}s"
    fi
  done
  status=0
  wait "$pid" || status=$?
}

# Waits until a run has logged a training step.
wait_training() {
  for _ in $(seq 300); do
    if grep -q '"event":"train"' "$1/train.log.jsonl" 2> /dev/null; then return 0; fi
    sleep 0.1
  done
  fail "$1 did not start training"
}

echo "3a. kill -9 of a worker started by --nproc"
"$swt" train --config long.yaml --model-dir killed --nproc 2 2> killed.log &
launcher=$!
wait_training killed
worker=$(pgrep -P "$launcher" | tail -1)
kill -9 "$worker"
wait_exit "$launcher" 60
[[ $status == 1 ]] || fail "launcher exited with $status, expected 1"
grep -q "^error: worker [01] of 2 was killed by signal 9; the other workers were stopped$" \
  killed.log || fail "no clear error from the launcher: $(tail -2 killed.log)"
pgrep -P "$launcher" > /dev/null && fail "workers left running"
echo "  $(tail -1 killed.log)"

echo "3b. kill -9 of a worker started by hand (torchrun variables)"
export WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=$((20000 + RANDOM % 20000))
RANK=0 "$swt" train --config long.yaml --model-dir byhand --dist-timeout 30 2> rank0.log &
rank0=$!
RANK=1 "$swt" train --config long.yaml --model-dir byhand --dist-timeout 30 2> rank1.log &
rank1=$!
unset WORLD_SIZE MASTER_ADDR MASTER_PORT
wait_training byhand
kill -9 "$rank1"
wait "$rank1" 2> /dev/null || true
wait_exit "$rank0" 60
[[ $status == 1 ]] || fail "rank 0 exited with $status, expected 1"
last=$(tail -1 rank0.log)
[[ $last == "error: distributed "*"failed (another worker died or is unreachable?)"* ]] ||
  fail "no clear error from rank 0: $last"
echo "  $last"

echo "3c. wrong master address"
set +e
out=$(timeout 60 "$swt" train --config long.yaml --model-dir nowhere --world-size 2 --rank 1 \
  --master 127.0.0.1:1 --dist-timeout 5 2>&1)
status=$?
set -e
[[ $status == 1 ]] || fail "exit status $status, expected 1: $out"
[[ $out == "error: cannot join the distributed job at 127.0.0.1:1 as rank 1 of 2: "* &&
  $(wc -l <<< "$out") == 1 ]] || fail "no clear one-line error: $out"
[[ ! -e nowhere ]] || fail "a failed join wrote the model directory"
echo "  $out"
echo "4. expert parallelism"
# 4 experts in every layer; capacity factor 1.0 drops tokens; clipping at 0.5
# takes the global gradient norm over the split experts.
config 20 | sed -e 's/attention_dropout: 0.0}/attention_dropout: 0.0, ffn: moe, experts: 4,\n        moe_every: 1, router_jitter: 0.0, capacity_factor: 1.0}/' \
  -e 's/threads: 1}/threads: 1, clip_norm: 0.5}/' > moe20.yaml
"$swt" train --config moe20.yaml --model-dir ep --nproc 2 2> ep.log
grep -q "expert parallel (2 of 4 experts per process)" ep.log ||
  fail "the 2-process MoE run did not split its experts: $(head -1 ep.log)"
grep -q 'dropped [1-9]' ep.log || fail "no token was dropped: the drop path went untested"
"$swt" train --config moe20.yaml --model-dir dp --nproc 2 --set train.expert_parallel=false 2> dp.log
compare_runs ep dp
no_drops=(--set model.capacity_factor=4 --set model.moe_aux_loss=0 --set model.moe_z_loss=0)
"$swt" train --config moe20.yaml --model-dir ep_one "${no_drops[@]}" 2> ep_one.log
"$swt" train --config moe20.yaml --model-dir ep_two --nproc 2 "${no_drops[@]}" 2> ep_two.log
compare_runs ep_one ep_two
"$swt" train --config moe20.yaml --model-dir ep_resumed --nproc 2 --set train.max_steps=10 2> r.log
"$swt" train --config moe20.yaml --model-dir ep_resumed --nproc 2 --resume 2>> r.log
cmp -s ep/checkpoint/model.safetensors ep_resumed/checkpoint/model.safetensors ||
  fail "the resumed expert-parallel run ended with other weights than the uninterrupted one"
"$swt" train --config moe20.yaml --model-dir ep_to_one --nproc 2 "${no_drops[@]}" \
  --set train.max_steps=10 2> r1.log
"$swt" train --config moe20.yaml --model-dir ep_to_one "${no_drops[@]}" --resume 2>> r1.log
compare_runs ep_one ep_to_one
echo "  resumed on 2 processes: same weights; on 1 process: same as 1 process throughout"
set +e
out=$("$swt" train --config moe20.yaml --model-dir three --nproc 2 --set model.experts=3 2>&1)
status=$?
set -e
[[ $status == 1 && $out == "error: expert parallelism: model.experts (3) must be a multiple of the number of processes (2)"* &&
  $(wc -l <<< "$out") == 1 ]] || fail "no clear one-line error for 3 experts on 2 processes: $out"
[[ ! -e three ]] || fail "a refused run wrote the model directory"
echo "  $out"
head -3 data/test.src > three.src
for int8 in "" --int8; do
  "$swt" translate --model ep --input three.src $int8 > three.hyp
  [[ $(wc -l < three.hyp) == 3 ]] || fail "translate $int8 of the expert-parallel model: $(cat three.hyp)"
done
echo "OK"
