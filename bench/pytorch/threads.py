#!/usr/bin/python3
"""swt and PyTorch at 1 and 2 threads, on an idle machine and with one core busy
(bench/threads.sh).

Every workload -- training tokens/s of `small`, decoding sentences/s (greedy and
beam 5, batch 1 and 64) -- runs at --threads 1 and 2, idle and with a fixed
background load spinning on one core, on both sides; the table gives the medians
over the repeats and the ratios t2/t1 (per side) and swt/PyTorch (per cell).
The measurements themselves are bench/pytorch/compare.py's (swt's side) and
bench/pytorch/baseline.py's (PyTorch's side); PyTorch runs in a fresh worker
process per measurement, so that its thread setting is clean.
See bench/README.md, section "Threads".
"""

import argparse
import ctypes
import json
import os
import pickle
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import baseline as bl  # noqa: E402
import compare as cmp  # noqa: E402

THREADS = (1, 2)
STATES = ("idle", "busy")
DECODE = [(1, 1), (1, 64), (5, 1), (5, 64)]  # (beam, batch size)

# Decoding sentences as compare.py's. Training: fewer steps than compare.py's `small`
# (30, windows of 5), as every cell runs 2 x repeats times: a `small` step takes
# 3-6 s on 2 cores; 10 steps = a warm-up window + 4 measured windows of 2 steps.
FULL = {"steps": 10, "log_every": 2, "decode_sentences": cmp.FULL["decode_sentences"],
        "repeats": 3}
QUICK = {"steps": 4, "log_every": 2, "decode_sentences": cmp.QUICK["decode_sentences"],
         "repeats": 1}
SETUP_STEPS = 1  # the untimed run that makes the vocabulary and the decoding model

log = cmp.log


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true",
                   help="a few steps and sentences, one repeat (about 6 minutes on 2 idle cores)")
    p.add_argument("--json", action="store_true",
                   help="end stdout with one JSON line of every cell and ratio")
    p.add_argument("--swt", default=os.path.join(cmp.ROOT, "build", "swt"))
    p.add_argument("--data", default=os.path.join(cmp.ROOT, "..", "shared", "data",
                                                  "bible-style", "BBEToASV"))
    p.add_argument("--work", default="",
                   help="work directory, kept (default: a temporary one, removed at the end)")
    p.add_argument("--repeats", type=int, default=0,
                   help="repeats of every cell (default 3, 1 with --quick); medians reported")
    p.add_argument("--steps", type=int, default=0,
                   help="training steps per run (default 10, 4 with --quick)")
    p.add_argument("--log-every", type=int, default=0,
                   help="training window in steps (default 2); the first "
                        "window is warm-up")
    p.add_argument("--sentences", type=int, default=0,
                   help="test sentences decoded, all settings (default 30 at batch 1 and 128 "
                        "at batch 64; 8 and 64 with --quick)")
    p.add_argument("--decode-config", default="small", choices=["small", "base"],
                   help="configuration of the (few-step) model decoded")
    p.add_argument("--batch-tokens", type=int, default=4096)
    p.add_argument("--max-length-a", type=int, default=1,
                   help="decoding length cap a * source length + b, on both sides")
    p.add_argument("--max-length-b", type=int, default=0)
    p.add_argument("--worker", default="", help=argparse.SUPPRESS)
    return p.parse_args(argv)


# --- The background load --------------------------------------------------------


def _die_with_parent():
    """In the child, before exec: SIGKILL when the parent dies (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


class BusyCore:
    """One shell spinning on `while :; do :; done` (one core's worth of load, not
    pinned) while the block runs; killed on the way out, whatever happens. Its pid
    goes to $SWT_THREADS_BUSY_PIDFILE (bench/threads.sh kills it from a trap too),
    and it dies with this process (PR_SET_PDEATHSIG)."""

    def __init__(self, busy):
        self.busy = busy
        self.proc = None
        self.pidfile = os.environ.get("SWT_THREADS_BUSY_PIDFILE", "")

    def _pidfile(self, text):
        if self.pidfile:
            with open(self.pidfile, "w") as f:
                f.write(text)

    def __enter__(self):
        if self.busy:
            self.proc = subprocess.Popen(["sh", "-c", "while :; do :; done"],
                                         stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
            self._pidfile(f"{self.proc.pid}\n")
            time.sleep(0.5)  # let it get going
            if self.proc.poll() is not None:
                raise RuntimeError("the background load exited")
        return self

    def __exit__(self, *exc):
        stop_busy(self)
        return False


def stop_busy(b):
    if b.proc is not None:
        if b.proc.poll() is None:
            b.proc.kill()
        b.proc.wait()
        b.proc = None
        b._pidfile("")


# --- The PyTorch side: one worker process per measurement -------------------------


def worker(job_path):
    """Runs one PyTorch measurement (the job file says which) and writes its result."""
    with open(job_path) as f:
        job = json.load(f)
    bl.set_threads(job["threads"])  # before any torch work: torch and OpenBLAS threads
    import torch
    from swt_reference import Transformer, load_exported

    torch.manual_seed(1)
    if job["kind"] == "train":
        with open(job["corpus"], "rb") as f:
            corpus = pickle.load(f)
        model = Transformer(job["model_config"])
        rates, losses = bl.train_throughput(model, corpus["src"], corpus["tgt"],
                                            corpus["batches"], job["log_every"])
        result = {"rates": rates, "losses": losses}
    else:
        model = load_exported(job["export"])
        src_ids, beam, bs = job["src_ids"], job["beam"], job["batch_size"]
        a, b = job["max_length_a"], job["max_length_b"]
        # One untimed sentence first, as compare.py's repeats after the first one run warm.
        bl.translate(model, src_ids[:1], beam, 1, a, b)
        t0 = time.perf_counter()
        hyps = bl.translate(model, src_ids, beam, bs, a, b)
        result = {"seconds": time.perf_counter() - t0, "hyps": hyps,
                  "torch_threads": torch.get_num_threads()}
    with open(job["result"], "w") as f:
        json.dump(result, f)


def run_worker(work, job):
    job_path = os.path.join(work, "job.json")
    job["result"] = os.path.join(work, "job.result.json")
    if os.path.exists(job["result"]):
        os.remove(job["result"])
    with open(job_path, "w") as f:
        json.dump(job, f)
    with open(os.path.join(work, "pytorch-worker.log"), "a") as err:
        subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", job_path],
                       check=True, stdout=err, stderr=err, stdin=subprocess.DEVNULL,
                       preexec_fn=_die_with_parent)
    with open(job["result"]) as f:
        return json.load(f)


# --- Cells ---------------------------------------------------------------------


def with_threads(args, n):
    ns = argparse.Namespace(**vars(args))
    ns.threads = n
    return ns


def swt_train_cell(args, ctx, n):
    _, rates = cmp.swt_train(with_threads(args, n), ctx["train_work"], "small", ctx["steps"],
                             ctx["log_every"], ctx["dev"])
    return bl.median(rates[1:]), {"windows": rates}


def py_train_cell(args, ctx, n):
    r = run_worker(ctx["work"], {"kind": "train", "threads": n, "corpus": ctx["corpus"],
                                 "model_config": ctx["small_config"],
                                 "log_every": ctx["log_every"]})
    return bl.median(r["rates"][1:]), {"windows": r["rates"]}


def swt_decode_cell(args, ctx, n, beam, bs):
    a = with_threads(args, n)
    d = ctx["decode"][bs]
    startup = cmp.swt_startup(a, ctx["decode_model"], ctx["work"])
    out = os.path.join(ctx["work"], f"swt-beam{beam}-batch{bs}-t{n}.out")
    seconds = cmp.time_swt_translate(a, ctx["decode_model"], d["src_file"], out, beam, bs,
                                     startup)
    return d["n"] / seconds, {"seconds": seconds, "startup_s": startup, "out": out}


def py_decode_cell(args, ctx, n, beam, bs):
    d = ctx["decode"][bs]
    r = run_worker(ctx["work"], {"kind": "decode", "threads": n, "export": ctx["export"],
                                 "src_ids": d["src_ids"], "beam": beam, "batch_size": bs,
                                 "max_length_a": args.max_length_a,
                                 "max_length_b": args.max_length_b})
    if r["torch_threads"] != n:
        raise RuntimeError(f"PyTorch worker ran {r['torch_threads']} threads, not {n}")
    return d["n"] / r["seconds"], {"seconds": r["seconds"], "hyps": r["hyps"]}


def identical_outputs(args, ctx, swt_out, hyps):
    """How many swt outputs equal PyTorch's, as text (compare.py's check)."""
    tgt_tokens = ctx["tgt_tokens"]
    swt_text = bl.read_lines(swt_out)
    py_text = cmp.swt_detokenize(args.swt, [[tgt_tokens[i] for i in h] for h in hyps])
    return sum(a == b for a, b in zip(swt_text, py_text))


def workloads(args):
    w = [("train_small", "tokens/s", swt_train_cell, py_train_cell, None)]
    for beam, bs in DECODE:
        w.append((f"decode_{args.decode_config}_beam{beam}_batch{bs}", "sent/s",
                  lambda a, c, n, beam=beam, bs=bs: swt_decode_cell(a, c, n, beam, bs),
                  lambda a, c, n, beam=beam, bs=bs: py_decode_cell(a, c, n, beam, bs),
                  (beam, bs)))
    return w


# --- Set-up ----------------------------------------------------------------------


def setup(args, plan, work):
    ctx = {"work": work, "steps": args.steps or plan["steps"],
           "log_every": args.log_every or plan["log_every"]}
    if ctx["steps"] < 2 * ctx["log_every"]:
        sys.exit("threads: --steps must cover at least two windows (the first is warm-up)")
    ctx["train_work"] = os.path.join(work, "train")
    os.makedirs(ctx["train_work"], exist_ok=True)
    ctx["dev"] = [
        cmp.write(os.path.join(work, "dev.src"),
                  bl.read_lines(os.path.join(args.data, "Dev.src"))[:2]),
        cmp.write(os.path.join(work, "dev.tgt"),
                  bl.read_lines(os.path.join(args.data, "Dev.tgt"))[:2])]

    # Untimed few-step runs: `small` (vocabulary, model configuration) and the model
    # decoded (`small` itself, or `base`).
    models = {}
    for name in dict.fromkeys(["small", args.decode_config]):
        d = os.path.join(work, f"setup-{name}")
        os.makedirs(d, exist_ok=True)
        models[name], _ = cmp.swt_train(with_threads(args, 2), d, name, SETUP_STEPS, 1,
                                        ctx["dev"])
    ctx["small_config"] = json.load(open(os.path.join(models["small"], "config.json")))["model"]

    vocab, _ = bl.read_vocab(os.path.join(models["small"], "src.vocab"))
    src, tgt = bl.encode_corpus(args.swt, os.path.join(args.data, "Train.src"),
                                os.path.join(args.data, "Train.tgt"), vocab, cmp.PREFIX, 100)
    batches = bl.training_batches(src, tgt, args.batch_tokens, 1, ctx["steps"])
    ctx["corpus"] = os.path.join(work, "corpus.pickle")
    with open(ctx["corpus"], "wb") as f:
        pickle.dump({"src": src, "tgt": tgt, "batches": batches}, f)
    ctx["train_tokens"] = sum(bl.batch_tokens_counted(src, tgt, b) for b in batches)
    log(f"training: {ctx['steps']} steps of `small` ({ctx['log_every']} a window), "
        f"{ctx['train_tokens']} counted tokens")

    # Decoding: the model, its export for PyTorch, the test verses (as compare.py).
    md = models[args.decode_config]
    ctx["decode_model"] = md
    ctx["export"] = os.path.join(work, "decode.safetensors")
    cmp.run([args.swt, "export", "--model", md, "--out", ctx["export"]],
            stdout=subprocess.DEVNULL)
    dvocab, _ = bl.read_vocab(os.path.join(md, "src.vocab"))
    _, ctx["tgt_tokens"] = bl.read_vocab(os.path.join(md, "tgt.vocab"))
    prefix = json.load(open(os.path.join(md, "config.json")))["preprocess"]["strip_src_prefix"]
    test = [l for l in bl.read_lines(os.path.join(args.data, "Test.src")) if l.strip()]
    ctx["decode"] = {}
    for bs in sorted({bs for _, bs in DECODE}):
        n = args.sentences or plan["decode_sentences"][bs]
        lines = test[:n]
        ctx["decode"][bs] = {
            "n": len(lines),
            "src_file": cmp.write(os.path.join(work, f"test{len(lines)}.src"), lines),
            "src_ids": [[dvocab.get(w, bl.UNK_ID) for w in toks]
                        for toks in bl.swt_tokenize(args.swt, bl.strip_prefix(lines, prefix))],
        }
    steps = f"{SETUP_STEPS} step{'s' if SETUP_STEPS != 1 else ''}"
    log(f"decoding: `{args.decode_config}` model ({steps}), "
        + ", ".join(f"{d['n']} sentences at batch {bs}" for bs, d in ctx["decode"].items())
        + f", output capped at {args.max_length_a} x source length + {args.max_length_b}")
    return ctx


# --- The run ---------------------------------------------------------------------


def measure(args, plan, ctx):
    repeats = args.repeats or plan["repeats"]
    wl = workloads(args)
    raw = {}  # (workload, state, threads, side) -> [values]
    detail = {}
    identical = {}  # (workload, state, threads) -> identical outputs of the last repeat
    cells = len(wl) * len(STATES) * len(THREADS)
    for rep in range(repeats):
        k = 0
        for name, unit, swt_fn, py_fn, dec in wl:
            for state in STATES:
                for n in THREADS:
                    k += 1
                    sides = [("swt", swt_fn), ("pytorch", py_fn)]
                    if rep % 2:
                        sides.reverse()  # alternate which side goes first
                    got = {}
                    with BusyCore(state == "busy"):
                        for side, fn in sides:
                            value, info = fn(args, ctx, n)
                            got[side] = info
                            raw.setdefault((name, state, n, side), []).append(value)
                            detail.setdefault(f"{side}.{name}.{state}.t{n}", []).append(
                                {k2: v for k2, v in info.items() if k2 != "hyps"} |
                                {"value": value})
                    if dec is not None:
                        identical[(name, state, n)] = (identical_outputs(
                            args, ctx, got["swt"]["out"], got["pytorch"]["hyps"]),
                            ctx["decode"][dec[1]]["n"])
                    s, p = raw[(name, state, n, "swt")][-1], raw[(name, state, n, "pytorch")][-1]
                    extra = ""
                    if dec is None:
                        extra = (f" (windows swt {[round(x) for x in got['swt']['windows']]}, "
                                 f"PyTorch {[round(x) for x in got['pytorch']['windows']]})")
                    else:
                        same, total = identical[(name, state, n)]
                        extra = (f" (swt start-up {got['swt']['startup_s']:.2f} s subtracted; "
                                 f"identical outputs {same}/{total})")
                    log(f"repeat {rep + 1}/{repeats} cell {k}/{cells}: {name} {state} t{n}: "
                        f"swt {s:.2f} {unit}, PyTorch {p:.2f} {unit}{extra}")
    return repeats, wl, raw, detail, identical


def ratio(a, b):
    return a / b if b else float("nan")


def summarize(wl, raw):
    """Flat dict: cells (medians) and ratios, keyed as documented in bench/README.md."""
    out, spread = {}, {}
    for name, *_ in wl:
        for state in STATES:
            for n in THREADS:
                for side in ("swt", "pytorch"):
                    xs = raw[(name, state, n, side)]
                    m = statistics.median(xs)
                    out[f"{side}.{name}.{state}.t{n}"] = m
                    spread[f"{side}.{name}.{state}.t{n}"] = (max(xs) - min(xs)) / 2 / m if m else 0
    for name, *_ in wl:
        for state in STATES:
            for side in ("swt", "pytorch"):
                out[f"ratio.{side}.{name}.{state}.t2_over_t1"] = ratio(
                    out[f"{side}.{name}.{state}.t2"], out[f"{side}.{name}.{state}.t1"])
            for n in THREADS:
                out[f"ratio.swt_over_pytorch.{name}.{state}.t{n}"] = ratio(
                    out[f"swt.{name}.{state}.t{n}"], out[f"pytorch.{name}.{state}.t{n}"])
    return out, spread


def report(args, ctx, repeats, wl, summary, spread, identical, elapsed):
    import torch

    print(f"swt vs PyTorch {torch.__version__} (eager) at 1 and 2 threads; idle, and busy = "
          f"one core spinning (sh 'while :; do :; done'); median of {repeats} repeat(s); "
          f"{os.cpu_count()} CPUs")
    W = max(len(f"{name} {unit}") for name, unit, *_ in wl) + 2

    def pct(key):
        return f"{100 * spread[key]:>5.0f}" if repeats > 1 else f"{'-':>5}"

    print(f"{'workload':<{W}}{'state':<6}{'thr':>5}{'swt':>11}{'±%':>5}{'PyTorch':>11}{'±%':>5}"
          f"{'swt/PyTorch':>13}")
    for name, unit, *_ in wl:
        label = f"{name} {unit}"
        for state in STATES:
            for n in THREADS:
                c = f"{name}.{state}.t{n}"
                print(f"{label:<{W}}{state:<6}{n:>5}{summary['swt.' + c]:>11.2f}"
                      f"{pct('swt.' + c)}{summary['pytorch.' + c]:>11.2f}{pct('pytorch.' + c)}"
                      f"{summary['ratio.swt_over_pytorch.' + c]:>13.2f}")
            print(f"{label:<{W}}{state:<6}{'t2/t1':>5}"
                  f"{summary[f'ratio.swt.{name}.{state}.t2_over_t1']:>11.2f}{'':>5}"
                  f"{summary[f'ratio.pytorch.{name}.{state}.t2_over_t1']:>11.2f}")
    print("±%: half the range over the repeats, in % of the median. Ratios > 1: 2 threads "
          "faster (t2/t1), swt faster (swt/PyTorch).")
    print(f"training: `small`, {ctx['steps']} steps ({ctx['log_every']} a window, first window "
          f"= warm-up), {ctx['train_tokens']} counted tokens; decoding: `{args.decode_config}` "
          f"model ({SETUP_STEPS} step{'s' if SETUP_STEPS != 1 else ''}), "
          + ", ".join(f"{d['n']} sentences at batch {bs}" for bs, d in ctx["decode"].items()))
    if identical:
        worst = min(identical, key=lambda k: identical[k][0] / identical[k][1])
        same, total = identical[worst]
        print(f"identical outputs swt vs PyTorch (last repeat): lowest {same}/{total} "
              f"({worst[0]} {worst[1]} t{worst[2]}), "
              f"{sum(s == t for s, t in identical.values())}/{len(identical)} cells all identical")
    print(f"wall time of the run: {elapsed / 60:.1f} min; load average (1 min) just before "
          f"it: {ctx['loadavg']:.2f} (near 0 on an otherwise idle machine)")
    if args.json:
        out = {k: round(v, 4) for k, v in summary.items()}
        print(json.dumps(out))


def main():
    args = parse_args()
    if args.worker:
        worker(args.worker)
        return
    if not os.access(args.swt, os.X_OK):
        sys.exit(f"threads: no swt binary at {args.swt} (build it first, or pass --swt PATH)")
    if not os.path.isfile(os.path.join(args.data, "Train.src")):
        sys.exit(f"threads: no BBE->ASV data in {args.data} (pass --data DIR)")
    # SIGTERM (e.g. from bench/threads.sh's trap) unwinds like Ctrl-C: the finally
    # blocks kill the background load and the running child.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    plan = QUICK if args.quick else FULL
    work = args.work or tempfile.mkdtemp(prefix="swt-threads-")
    os.makedirs(work, exist_ok=True)
    t_start = time.perf_counter()
    ok = False
    load_start = os.getloadavg()[0]
    try:
        log(f"work directory {work}, {'quick' if args.quick else 'full'}, swt {args.swt}")
        ctx = setup(args, plan, work)
        repeats, wl, raw, detail, identical = measure(args, plan, ctx)
        summary, spread = summarize(wl, raw)
        ctx["loadavg"] = load_start
        with open(os.path.join(work, "results.json"), "w") as f:
            json.dump({"summary": summary, "spread": spread, "runs": detail,
                       "identical_outputs": {f"{w}.{s}.t{n}": list(v)
                                             for (w, s, n), v in identical.items()},
                       "steps": ctx["steps"], "log_every": ctx["log_every"],
                       "decode_config": args.decode_config,
                       "decode_sentences": {bs: d["n"] for bs, d in ctx["decode"].items()},
                       "repeats": repeats, "loadavg_before": load_start}, f, indent=1)
        ok = True
    except (KeyboardInterrupt, SystemExit):
        ok = None  # interrupted: clean up the temporary directory all the same
        raise
    finally:
        if not args.work:
            if ok is False:
                log(f"failed: the temporary work directory {work} is kept (logs, models)")
            else:
                shutil.rmtree(work, ignore_errors=True)
    report(args, ctx, repeats, wl, summary, spread, identical, time.perf_counter() - t_start)


if __name__ == "__main__":
    main()
