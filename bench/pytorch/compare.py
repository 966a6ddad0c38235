#!/usr/bin/python3
"""swt versus an idiomatic PyTorch baseline, side by side in one run (bench/compare.sh).

See bench/README.md for what is measured and how.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline as bl  # noqa: E402
from swt_reference import Transformer, load_exported, read_safetensors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PREFIX = "<ASV> "

# Pinned sizes. steps = warm-up window + measured windows of log_every steps each.
FULL = {
    "small": {"log_every": 5, "steps": 30},
    "base": {"log_every": 2, "steps": 12},
    "decode_sentences": {1: 30, 64: 128},
    "repeats": 3,
}
QUICK = {
    "small": {"log_every": 2, "steps": 6},
    "base": {"log_every": 1, "steps": 3},
    "decode_sentences": {1: 8, 64: 64},
    "repeats": 1,
}


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few steps and sentences (minutes)")
    p.add_argument("--json", action="store_true", help="end with one JSON line of ratios")
    p.add_argument("--swt", default=os.path.join(ROOT, "build", "swt"))
    p.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "bible-style",
                                                  "BBEToASV"))
    p.add_argument("--work", default="",
                   help="work directory, kept (default: a temporary one, removed at the end)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--configs", default="small,base", help="training configurations")
    p.add_argument("--decode-config", default="base", help="configuration decoded (or none)")
    p.add_argument("--decode-model", default="",
                   help="decode this trained swt model directory instead of the freshly "
                        "trained few-step one")
    p.add_argument("--steps", type=int, default=0, help="override training steps (all configs)")
    p.add_argument("--log-every", type=int, default=0, help="override the window length")
    p.add_argument("--sentences", type=int, default=0,
                   help="override the number of test sentences decoded (all settings)")
    p.add_argument("--batch-tokens", type=int, default=4096)
    p.add_argument("--max-length-a", type=int, default=1,
                   help="decoding length cap a * source length + b, on both sides")
    p.add_argument("--max-length-b", type=int, default=0)
    return p.parse_args()


def swt_config(args, name, steps, log_every, dev_src, dev_tgt):
    d = args.data
    return f"""# written by bench/pytorch/compare.py
data:
  train_src: {d}/Train.src
  train_tgt: {d}/Train.tgt
  dev_src: {dev_src}
  dev_tgt: {dev_tgt}
  strip_src_prefix: "{PREFIX}"
  shared_vocab: true
  vocab_min_count: 1
  vocab_max_size: 16000
  max_length: 100
model:
  preset: {name}
  share_embeddings: true
  tie_output: true
  dropout: 0.1
  attention_dropout: 0.1
train:
  batch_tokens: {args.batch_tokens}
  lr: 0.0007
  warmup_steps: 4000
  label_smoothing: 0.1
  clip_norm: 1
  max_steps: {steps}
  log_every: {log_every}
  valid_every: 1000000000
  valid_sentences: 2
  patience: 0
  seed: 1
  threads: {args.threads}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def swt_train(args, work, name, steps, log_every, dev):
    model_dir = os.path.join(work, f"swt-{name}")
    shutil.rmtree(model_dir, ignore_errors=True)
    cfg = os.path.join(work, f"{name}.yaml")
    with open(cfg, "w") as f:
        f.write(swt_config(args, name, steps, log_every, *dev))
    log(f"swt train {name}: {steps} steps")
    with open(os.path.join(work, f"swt-train-{name}.log"), "w") as err:
        run([args.swt, "train", "--config", cfg, "--model-dir", model_dir], stderr=err,
            stdout=err)
    rates = []
    with open(os.path.join(model_dir, "train.log.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") == "train":
                rates.append(e["tokens_per_s"])
    return model_dir, rates


def window_flops_per_token(c, src, tgt, batches, log_every):
    """Per log window: analytic training FLOPs / counted tokens of its batches."""
    out = []
    for k in range(0, len(batches) - log_every + 1, log_every):
        w = batches[k : k + log_every]
        flops = sum(bl.train_flops(c, src, tgt, b) for b in w)
        tokens = sum(bl.batch_tokens_counted(src, tgt, b) for b in w)
        out.append(flops / tokens)
    return out


def check_ids(args, work, model_dir, vocab):
    """Our token ids of a few training and test pairs == the ids `swt score` dumps."""
    pairs = read_pairs(args.data, "Train")[:4] + read_pairs(args.data, "Test")[:4]
    ps = write(os.path.join(work, "ids.src"), [s for s, _ in pairs])
    pt = write(os.path.join(work, "ids.tgt"), [t for _, t in pairs])
    ours_s, ours_t = bl.encode_corpus(args.swt, ps, pt, vocab, PREFIX, 0)
    out = os.path.join(work, "ids.safetensors")
    run([args.swt, "score", "--model", model_dir, "--src", ps, "--tgt", pt, "--out", out,
         "--threads", str(args.threads)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    dump, _ = read_safetensors(out)
    theirs_s = [[x for x in row if x != 0] for row in dump["src"].tolist()]
    theirs_t = [[x for x in row if x != 0] for row in dump["tgt_out"].tolist()]
    return (theirs_s == [s + [bl.EOS_ID] for s in ours_s]
            and theirs_t == [t + [bl.EOS_ID] for t in ours_t])


def read_pairs(data, split):
    return list(zip(bl.read_lines(os.path.join(data, f"{split}.src")),
                    bl.read_lines(os.path.join(data, f"{split}.tgt"))))


def write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(l + "\n" for l in lines))
    return path


def time_swt_translate(args, model_dir, src_file, out_file, beam, batch_size, startup,
                       extra=()):
    cmd = [args.swt, "translate", "--model", model_dir, "--input", src_file, "--output",
           out_file, "--beam", str(beam), "--batch-size", str(batch_size),
           "--max-length-a", str(args.max_length_a), "--max-length-b", str(args.max_length_b),
           "--no-unk-replace", "--threads", str(args.threads), *extra]
    t0 = time.perf_counter()
    run(cmd, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0 - startup


def swt_detokenize(swt, token_lists):
    out = subprocess.run([swt, "tokenize", "--detokenize"],
                         input="".join(" ".join(t) + "\n" for t in token_lists),
                         capture_output=True, text=True, encoding="utf-8", check=True).stdout
    return out.split("\n")[: len(token_lists)]


def swt_startup(args, model_dir, work):
    """Median wall time of swt translate on an empty input (process start, model load)."""
    empty = write(os.path.join(work, "empty.txt"), [])
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        run([args.swt, "translate", "--model", model_dir, "--input", empty, "--output",
             os.path.join(work, "empty.out"), "--threads", str(args.threads)],
            stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def decode_bench(args, plan, work, model_dir, results):
    export = os.path.join(work, "decode.safetensors")
    run([args.swt, "export", "--model", model_dir, "--out", export], stdout=subprocess.DEVNULL)
    model = load_exported(export)
    vocab, _ = bl.read_vocab(os.path.join(model_dir, "src.vocab"))
    _, tgt_tokens = bl.read_vocab(os.path.join(model_dir, "tgt.vocab"))
    prefix = json.load(open(os.path.join(model_dir, "config.json")))["preprocess"][
        "strip_src_prefix"]
    test = bl.read_lines(os.path.join(args.data, "Test.src"))
    startup = swt_startup(args, model_dir, work)
    results["swt_translate_startup_s"] = startup
    log(f"swt translate startup (subtracted): {startup:.3f} s")
    for beam in (1, 5):
        for bs in (1, 64):
            n = args.sentences or plan["decode_sentences"][bs]
            lines = [l for l in test if l.strip()][:n]
            src_file = write(os.path.join(work, f"test{n}.src"), lines)
            src_ids = [[vocab.get(w, bl.UNK_ID) for w in toks]
                       for toks in bl.swt_tokenize(args.swt, bl.strip_prefix(lines, prefix))]
            key = f"beam{beam}_batch{bs}"
            swt_t, py_t, int8_t = [], [], []
            for _ in range(plan["repeats"]):
                out_file = os.path.join(work, f"swt-{key}.out")
                swt_t.append(time_swt_translate(args, model_dir, src_file, out_file, beam, bs,
                                                startup))
                if bs == 1:  # int8 weights: the batch-1 route (reading weights dominates)
                    int8_t.append(time_swt_translate(args, model_dir, src_file,
                                                     out_file + ".int8", beam, bs, startup,
                                                     ["--int8"]))
                t0 = time.perf_counter()
                hyps = bl.translate(model, src_ids, beam, bs, args.max_length_a,
                                    args.max_length_b)
                py_t.append(time.perf_counter() - t0)
            # Compared as text (our tokens through swt's detokenizer); tokens counted by
            # re-tokenizing both texts.
            swt_text = bl.read_lines(out_file)
            py_text = swt_detokenize(args.swt, [[tgt_tokens[i] for i in h] for h in hyps])
            same = sum(a == b for a, b in zip(swt_text, py_text))
            swt_hyps = bl.swt_tokenize(args.swt, swt_text)
            py_hyps = bl.swt_tokenize(args.swt, py_text)
            r = {
                "sentences": n,
                "swt_sent_per_s": n / statistics.median(swt_t),
                "py_sent_per_s": n / statistics.median(py_t),
                "swt_out_tokens": sum(len(h) for h in swt_hyps),
                "py_out_tokens": sum(len(h) for h in py_hyps),
                "identical_outputs": same,
                "swt_seconds": swt_t,
                "py_seconds": py_t,
            }
            if int8_t:
                r["swt_int8_sent_per_s"] = n / statistics.median(int8_t)
                r["swt_int8_seconds"] = int8_t
                r["int8_same_as_fp32"] = sum(
                    a == b for a, b in zip(swt_text, bl.read_lines(out_file + ".int8")))
            results["decode"][key] = r
            log(f"decode {key}: swt {r['swt_sent_per_s']:.2f} sent/s, PyTorch "
                f"{r['py_sent_per_s']:.2f} sent/s, output tokens {r['swt_out_tokens']}/"
                f"{r['py_out_tokens']}, identical {same}/{n}")


def main():
    args = parse_args()
    if not os.access(args.swt, os.X_OK):
        sys.exit(f"compare: no swt binary at {args.swt} (build it first, or pass --swt PATH)")
    if not os.path.isfile(os.path.join(args.data, "Train.src")):
        sys.exit(f"compare: no BBE->ASV data in {args.data} (pass --data DIR)")
    plan = QUICK if args.quick else FULL
    bl.set_threads(args.threads)
    torch.manual_seed(1)
    work = args.work or tempfile.mkdtemp(prefix="swt-compare-")
    os.makedirs(work, exist_ok=True)
    log(f"work directory {work}, {args.threads} threads, {'quick' if args.quick else 'full'}")
    results = {"threads": args.threads, "train": {}, "decode": {}}

    peaks = [bl.sgemm_peak(args.threads)]
    log(f"sgemm peak {peaks[0] / 1e9:.1f} GFLOP/s")

    dev = [write(os.path.join(work, "dev.src"), bl.read_lines(os.path.join(args.data, "Dev.src"))[:2]),
           write(os.path.join(work, "dev.tgt"), bl.read_lines(os.path.join(args.data, "Dev.tgt"))[:2])]
    corpus = None
    model_dirs = {}
    for name in [c for c in args.configs.split(",") if c]:
        p = dict(plan[name])
        if args.steps:
            p["steps"] = args.steps
        if args.log_every:
            p["log_every"] = args.log_every
        steps, every = p["steps"], p["log_every"]
        model_dir, swt_rates = swt_train(args, work, name, steps, every, dev)
        model_dirs[name] = model_dir
        if corpus is None:
            vocab, _ = bl.read_vocab(os.path.join(model_dir, "src.vocab"))
            corpus = bl.encode_corpus(args.swt, os.path.join(args.data, "Train.src"),
                                      os.path.join(args.data, "Train.tgt"), vocab, PREFIX, 100)
            results["ids_match_swt_score"] = check_ids(args, work, model_dir, vocab)
            log(f"token ids identical to swt score's: {results['ids_match_swt_score']}")
        src, tgt = corpus
        c = json.load(open(os.path.join(model_dir, "config.json")))["model"]
        batches = bl.training_batches(src, tgt, args.batch_tokens, 1, steps)
        fpt = window_flops_per_token(c, src, tgt, batches, every)
        log(f"PyTorch train {name}: {steps} steps")
        torch.manual_seed(1)
        model = Transformer(c)
        py_rates, _ = bl.train_throughput(model, src, tgt, batches, every)
        del model
        swt_flops = [r * f for r, f in zip(swt_rates[1:], fpt[1:])]
        py_flops = [r * f for r, f in zip(py_rates[1:], fpt[1:])]
        results["train"][name] = {
            "steps": steps,
            "log_every": every,
            "batches_sentences": sum(len(b) for b in batches),
            "counted_tokens": sum(bl.batch_tokens_counted(src, tgt, b) for b in batches),
            "swt_tokens_per_s": bl.median(swt_rates[1:]),
            "py_tokens_per_s": bl.median(py_rates[1:]),
            "swt_windows": swt_rates,
            "py_windows": py_rates,
            "flops_per_token": bl.median(fpt[1:]),
            "swt_flops_per_s": bl.median(swt_flops),
            "py_flops_per_s": bl.median(py_flops),
        }
        r = results["train"][name]
        log(f"train {name}: swt {r['swt_tokens_per_s']:.0f} tok/s, PyTorch "
            f"{r['py_tokens_per_s']:.0f} tok/s (windows swt {[round(x) for x in swt_rates]}, "
            f"PyTorch {[round(x) for x in py_rates]})")

    dc = args.decode_config
    if dc and dc != "none":
        model_dir = args.decode_model or model_dirs.get(dc)
        if model_dir is None:
            sys.exit(f"no model for decoding: train config {dc!r} or pass --decode-model")
        results["decode_model"] = model_dir
        decode_bench(args, plan, work, model_dir, results)

    peaks.append(bl.sgemm_peak(args.threads))
    results["sgemm_peak_flops_per_s"] = max(peaks)
    results["sgemm_peaks"] = peaks
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)  # models and checkpoints: hundreds of MB
    report(results, args)


def ratio(a, b):
    return a / b if b else float("nan")


def report(res, args):
    peak = res["sgemm_peak_flops_per_s"]
    print(f"swt vs PyTorch {torch.__version__} (eager), {res['threads']} threads; sgemm peak "
          f"(torch.mm 2048^3 fp32, best of 5, start/end) "
          f"{' / '.join(f'{p / 1e9:.1f}' for p in res['sgemm_peaks'])} GFLOP/s")
    print(f"{'measure':<34}{'swt':>12}{'PyTorch':>12}{'swt/PyTorch':>13}")
    rows = []
    for name, r in res["train"].items():
        rows.append((f"train {name} tokens/s", r["swt_tokens_per_s"], r["py_tokens_per_s"]))
        rows.append((f"train {name} GFLOP/s", r["swt_flops_per_s"] / 1e9,
                     r["py_flops_per_s"] / 1e9))
        rows.append((f"train {name} % of sgemm peak", 100 * r["swt_flops_per_s"] / peak,
                     100 * r["py_flops_per_s"] / peak))
    for key, r in res["decode"].items():
        beam, bs = key.replace("beam", "").split("_batch")
        label = f"{'greedy' if beam == '1' else 'beam-' + beam} batch {bs} sent/s"
        rows.append((label, r["swt_sent_per_s"], r["py_sent_per_s"]))
        if "swt_int8_sent_per_s" in r:
            rows.append((label.replace(" sent/s", " int8 sent/s"), r["swt_int8_sent_per_s"],
                         r["py_sent_per_s"]))
    for label, a, b in rows:
        print(f"{label:<34}{a:>12.2f}{b:>12.2f}{ratio(a, b):>13.2f}")
    for name, r in res["train"].items():
        print(f"train {name}: {r['steps']} steps ({r['log_every']} a window, first window = "
              f"warm-up), {r['flops_per_token'] / 1e6:.1f} MFLOP per counted token")
    if res["decode"]:
        print(f"decoding: model {res['decode_model']}, output length capped at "
              f"{args.max_length_a} x source length + {args.max_length_b} on both sides")
        for key, r in res["decode"].items():
            print(f"  {key}: {r['sentences']} sentences, output tokens swt {r['swt_out_tokens']} "
                  f"PyTorch {r['py_out_tokens']}, identical outputs {r['identical_outputs']}/"
                  f"{r['sentences']}" + (f", int8 same as fp32 {r['int8_same_as_fp32']}/"
                                         f"{r['sentences']}" if "int8_same_as_fp32" in r else ""))
    print(f"token ids identical to swt's: {res.get('ids_match_swt_score')}")
    if args.json:
        tr, de = res["train"], res["decode"]

        def tr_ratio(name):
            return ratio(tr[name]["swt_tokens_per_s"], tr[name]["py_tokens_per_s"]) \
                if name in tr else None

        def de_ratio(key, swt_key="swt_sent_per_s"):
            return ratio(de[key][swt_key], de[key]["py_sent_per_s"]) \
                if key in de and swt_key in de[key] else None

        out = {
            "train_tokens_per_s_ratio": tr_ratio("small"),
            "train_tokens_per_s_ratio_base": tr_ratio("base"),
            "decode_greedy_batch1_ratio": de_ratio("beam1_batch1"),
            "decode_beam5_batch1_ratio": de_ratio("beam5_batch1"),
            "decode_beam5_batch64_ratio": de_ratio("beam5_batch64"),
            "train_mfu_base": tr["base"]["swt_flops_per_s"] / peak if "base" in tr else None,
            # swt --int8 (weights only, one scale per row) against PyTorch fp32:
            "decode_greedy_batch1_ratio_int8": de_ratio("beam1_batch1", "swt_int8_sent_per_s"),
            "decode_beam5_batch1_ratio_int8": de_ratio("beam5_batch1", "swt_int8_sent_per_s"),
        }
        print(json.dumps({k: (round(v, 4) if v is not None else None) for k, v in out.items()}))


if __name__ == "__main__":
    main()
