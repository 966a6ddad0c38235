#!/usr/bin/python3
"""Helpers of bench/long_inputs.sh (BENCHMARKS.md section 11): data picking, length
buckets, the summaries' baselines, reports and the SVG plots. Standard library only.

  long_inputs.py pick-dev PREFIX OUT N MIN_WORDS MAX_WORDS
  long_inputs.py buckets PREFIX TOKENIZED_SRC EDGES        (PREFIX.b<i>.{src,tgt,idx})
  long_inputs.py unbucket PREFIX HYP_PREFIX                 (hypotheses in test order)
  long_inputs.py chapters-report RESULTS DATA_PREFIX_DIR SWT
  long_inputs.py tput-report RESULTS MODELS_DIR
  long_inputs.py summ-baselines SUMM_DIR VERSE_DIR HYP_DIR
  long_inputs.py unk-rate SWT BASE_MODEL SUMM_DIR
  long_inputs.py summ-report RESULTS
  long_inputs.py plot RESULTS SVG_DIR
"""
import glob
import json
import os
import re
import statistics
import subprocess
import sys


def lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n")[:-1]


def write_lines(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(r + "\n")


def pick_dev(prefix, out, n, lo, hi):
    src, tgt = lines(prefix + ".src"), lines(prefix + ".tgt")
    keep = [i for i, s in enumerate(src) if int(lo) <= len(s.split()) <= int(hi)][: int(n)]
    write_lines(out + ".src", [src[i] for i in keep])
    write_lines(out + ".tgt", [tgt[i] for i in keep])


def bucket_files(prefix):
    return sorted(glob.glob(prefix + ".b*.idx"))


def buckets(prefix, tok_src, edges):
    edges = [int(e) for e in edges.split(",")]
    src, tgt = lines(prefix + ".src"), lines(prefix + ".tgt")
    ntok = [len(t.split()) for t in lines(tok_src)]
    for f in glob.glob(prefix + ".b*.*"):
        os.remove(f)
    bounds = [0] + edges + [None]
    info = []
    for b in range(len(bounds) - 1):
        lo, hi = bounds[b], bounds[b + 1]
        idx = [i for i, n in enumerate(ntok) if n >= lo and (hi is None or n < hi)]
        label = f"{lo}-{hi - 1}" if hi is not None else f">={lo}"
        if not idx:
            continue
        base = f"{prefix}.b{b}"
        write_lines(base + ".src", [src[i] for i in idx])
        write_lines(base + ".tgt", [tgt[i] for i in idx])
        write_lines(base + ".idx", [str(i) for i in idx])
        info.append({"bucket": f"b{b}", "label": label, "lines": len(idx),
                     "mean_src_tokens": sum(ntok[i] for i in idx) / len(idx),
                     "src_tokens": sum(ntok[i] for i in idx)})
    with open(prefix + ".buckets.json", "w") as f:
        json.dump(info, f, indent=1)


def unbucket(prefix, hyp_prefix):
    out = {}
    for idx_file in bucket_files(prefix):
        b = idx_file[len(prefix) + 1: -len(".idx")]
        hyps = lines(f"{hyp_prefix}.{os.path.basename(prefix)}.{b}")
        for i, h in zip(lines(idx_file), hyps):
            out[int(i)] = h
    for i in range(len(out)):
        print(out[i])


def gnu_time(path):
    """Wall seconds and peak RSS (MB) from a /usr/bin/time -v report."""
    wall, rss = None, None
    if not os.path.exists(path):
        return wall, rss
    for line in open(path):
        line = line.strip()
        if line.startswith("Maximum resident set size"):
            rss = int(line.split(":")[-1]) / 1024
        elif line.startswith("Elapsed (wall clock) time"):
            t = line.split("): ")[-1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
    return wall, rss


def train_log(model_dir):
    rows = [json.loads(l) for l in open(os.path.join(model_dir, "train.log.jsonl"))]
    train = [r for r in rows if r.get("event") == "train"]
    valid = [r for r in rows if r.get("event") == "valid"]
    end = next((r for r in rows if r.get("event") == "end"), {})
    return train, valid, end


def tokens(swt, path):
    with open(path, "rb") as f:
        out = subprocess.run([swt, "tokenize"], stdin=f, capture_output=True, check=True).stdout
    return [len(l.split()) for l in out.decode("utf-8").split("\n")[:-1]]


def load_json(path):
    return json.load(open(path)) if os.path.exists(path) else {}


def chapters_report(res, data, swt):
    info = json.load(open(os.path.join(data, "test.buckets.json")))
    out = {"buckets": info, "models": {}}
    print("| attention | steps | epochs | train tokens/s | median tokens/s (log windows) | "
          "best dev BLEU | peak RSS train MB | test BLEU | test chrF2 | decode s (40 chapters) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for att in ("vanilla", "switch"):
        train, valid, end = train_log(f"models/chap-{att}")
        _, rss = gnu_time(os.path.join(res, f"train-chap-{att}.time"))
        ev = load_json(os.path.join(res, f"eval-chap-{att}.json"))
        m = {"steps": end.get("steps"), "epochs": train[-1]["epoch"] if train else None,
             "tokens_per_s": end.get("tokens_per_s"),
             "median_tokens_per_s": statistics.median(r["tokens_per_s"] for r in train[1:])
             if len(train) > 1 else None,
             "best_dev_bleu": end.get("best_dev_bleu"),
             "dev": [(r.get("step"), r.get("dev_bleu"), r.get("dev_loss")) for r in valid],
             "train_peak_rss_mb": rss, "bleu": ev.get("bleu"), "chrf": ev.get("chrf"),
             "buckets": []}
        total = 0.0
        for b in info:
            name = f"test.{b['bucket']}"
            wall, trss = gnu_time(os.path.join(res, f"translate-{att}-{name}.time"))
            bev = load_json(os.path.join(res, f"eval-chap-{att}.{name}.json"))
            hyp = f"hyp/chap-{att}.{name}"
            out_tok = sum(tokens(swt, hyp)) if os.path.exists(hyp) else 0
            total += wall or 0
            m["buckets"].append({"bucket": b["bucket"], "label": b["label"], "lines": b["lines"],
                                 "mean_src_tokens": b["mean_src_tokens"],
                                 "bleu": bev.get("bleu"), "chrf": bev.get("chrf"),
                                 "decode_s": wall, "decode_rss_mb": trss,
                                 "out_tokens": out_tok,
                                 "ms_per_out_token": 1000 * wall / out_tok if wall and out_tok
                                 else None})
        m["decode_s"] = total
        out["models"][att] = m
        f = lambda x, d=2: "-" if x is None else f"{x:.{d}f}"
        print(f"| {att} | {m['steps']} | {m['epochs']} | {f(m['tokens_per_s'], 0)} | "
              f"{f(m['median_tokens_per_s'], 0)} | {f(m['best_dev_bleu'])} | "
              f"{f(rss, 0)} | {f(m['bleu'])} | {f(m['chrf'])} | {f(total, 0)} |")
    print()
    print("| source tokens | chapters | mean source tokens | attention | BLEU | chrF2 | "
          "decode s | output tokens | ms per output token (batch 8) | peak RSS MB |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    f = lambda x, d=2: "-" if x is None else f"{x:.{d}f}"
    for i, b in enumerate(info):
        for att in ("vanilla", "switch"):
            r = out["models"][att]["buckets"][i]
            print(f"| {b['label']} | {b['lines']} | {b['mean_src_tokens']:.0f} | {att} | "
                  f"{f(r['bleu'])} | {f(r['chrf'])} | {f(r['decode_s'], 1)} | {r['out_tokens']} | "
                  f"{f(r['ms_per_out_token'])} | {f(r['decode_rss_mb'], 0)} |")
    for att in ("vanilla", "switch"):
        print(f"\n{att} dev (step, BLEU, loss): {out['models'][att]['dev']}")
    json.dump(out, open(os.path.join(res, "chapters.json"), "w"), indent=1)


def tput_report(res, models):
    out = {}
    print("| attention | steps | log windows used | median tokens/s | min-max | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for att in ("vanilla", "switch"):
        train, _, end = train_log(os.path.join(models, f"tput-{att}"))
        rates = [r["tokens_per_s"] for r in train[1:]]  # the first window includes start-up
        _, rss = gnu_time(os.path.join(res, f"tput-{att}.time"))
        med = statistics.median(rates) if rates else None
        out[att] = {"steps": end.get("steps"), "windows": len(rates), "median": med,
                    "min": min(rates) if rates else None, "max": max(rates) if rates else None,
                    "peak_rss_mb": rss}
        print(f"| {att} | {end.get('steps')} | {len(rates)} | {med if med is None else round(med)} | "
              f"{round(min(rates)) if rates else '-'}-{round(max(rates)) if rates else '-'} | "
              f"{rss if rss is None else round(rss)} |")
    if out["vanilla"]["median"] and out["switch"]["median"]:
        out["ratio"] = out["switch"]["median"] / out["vanilla"]["median"]
        print(f"\nswitch / vanilla tokens/s: {out['ratio']:.2f}x")
    json.dump(out, open(os.path.join(res, "throughput.json"), "w"), indent=1)


def segment(passage, index, lengths):
    """Cut a passage into known verses (depth-first, longest first); None if impossible."""
    words = passage.split(" ")
    memo = {}

    def go(i):
        if i == len(words):
            return []
        if i in memo:
            return memo[i]
        memo[i] = None
        for k in lengths:
            for v in index.get(tuple(words[i:i + k]), ()):
                if words[i:i + len(v)] == v:
                    rest = go(i + len(v))
                    if rest is not None:
                        memo[i] = [" ".join(v)] + rest
                        return memo[i]
        return None

    return go(0)


def summ_baselines(summ, verses, hyp_dir):
    train_tgt = lines(os.path.join(summ, "train.tgt"))
    n = int(statistics.median(len(t.split()) for t in train_tgt))
    src = lines(os.path.join(summ, "test.used.src"))
    write_lines(os.path.join(hyp_dir, "lead.test"), [" ".join(s.split()[:n]) for s in src])
    index, K = {}, 5
    for split in ("train", "dev", "test"):
        for v in lines(os.path.join(verses, split + ".tgt")):
            w = v.split(" ")
            index.setdefault(tuple(w[:K]), []).append(w)
    lengths = list(range(K, 0, -1))
    out, cut, fallback = [], 0, 0
    for s in src:
        seg = segment(s, index, lengths)
        if seg is None:  # a verse the aligned verse files lack: longest sentence instead
            fallback += 1
            seg = [x for x in re.split(r"(?<=[.;:?!])\s+", s) if x]
        else:
            cut += 1
        out.append(max(seg, key=lambda x: len(x.split())))
    write_lines(os.path.join(hyp_dir, "longest-verse.test"), out)
    print(f"lead: first N = {n} words (median words of {len(train_tgt)} training summaries)")
    print(f"longest verse: {cut} of {len(src)} test passages cut into verses of "
          f"`swt data bible --unit verse`; {fallback} fell back to the longest sentence")


def unk_rate(swt, base, summ):
    vocab = set(l.split("\t")[0] for l in lines(os.path.join(base, "src.vocab")))
    for split in ("train", "test"):
        for side in ("src", "tgt"):
            path = os.path.join(summ, f"{split}.{side}")
            with open(path, "rb") as f:
                toks = subprocess.run([swt, "tokenize"], stdin=f, capture_output=True,
                                      check=True).stdout.decode("utf-8").split()
            unk = sum(1 for t in toks if t not in vocab)
            print(f"{path}: {len(toks)} tokens, {unk} not in {base}/src.vocab "
                  f"({100 * unk / max(1, len(toks)):.2f}% <unk>)")


def summ_report(res):
    out = {}
    print("| system | ROUGE-1 | ROUGE-2 | ROUGE-L | ROUGE-1 stem | ROUGE-2 stem | ROUGE-L stem | "
          "steps trained | best dev BLEU | train peak RSS MB | test decode s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for sys_ in ("lead", "longest-verse", "summ-vanilla", "summ-switch", "summ-vanilla-last",
                 "summ-switch-last"):
        a = load_json(os.path.join(res, f"eval-{sys_}.json"))
        b = load_json(os.path.join(res, f"eval-{sys_}-stem.json"))
        steps = bleu = rss = dec = "-"
        if sys_.startswith("summ-"):
            _, _, end = train_log(os.path.join("models", sys_.replace("-last", "")))
            steps, bleu = end.get("steps"), round(end.get("best_dev_bleu", 0), 2)
            rss = round(gnu_time(os.path.join(res, f"train-{sys_.replace('-last', '')}.time"))[1] or 0)
            dec = round(gnu_time(os.path.join(res, f"translate-{sys_}.time"))[0] or 0, 1)
        out[sys_] = {"plain": a, "stem": b}
        print(f"| {sys_} | {a.get('rouge1')} | {a.get('rouge2')} | {a.get('rougeL')} | "
              f"{b.get('rouge1')} | {b.get('rouge2')} | {b.get('rougeL')} | {steps} | {bleu} | "
              f"{rss} | {dec} |")
    json.dump(out, open(os.path.join(res, "summaries.json"), "w"), indent=1)


# ------------------------------------------------------------------ SVG plots

COLORS = {"vanilla": "#d62728", "switch": "#1f77b4", "dense": "#d62728",
          "switch-rebuild": "#7f7f7f"}


def svg_plot(path, title, xlabel, ylabel, series, logx=False, logy=False, xticks=None):
    """series: list of (name, color, [(x, y), ...], dashed). A plain line chart."""
    import math
    W, H, L, R, T, B = 640, 400, 70, 150, 40, 55
    pts = [(x, y) for _, _, p, _ in series for x, y in p if y is not None]
    if not pts:
        return
    fx = (lambda v: math.log2(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    xs, ys = [fx(x) for x, _ in pts], [fy(y) for _, y in pts]
    x0, x1 = min(xs), max(xs)
    y0, y1 = (min(ys), max(ys)) if logy else (0, max(ys) * 1.1 or 1)
    if logy:
        y0, y1 = math.floor(y0), math.ceil(y1)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y1 = y0 + 1
    px = lambda v: L + (fx(v) - x0) / (x1 - x0) * (W - L - R)
    py = lambda v: H - B - (fy(v) - y0) / (y1 - y0) * (H - T - B)
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
         f'<text x="{(L + W - R) / 2}" y="{H - 15}" text-anchor="middle">{xlabel}</text>',
         f'<text x="18" y="{(T + H - B) / 2}" text-anchor="middle" '
         f'transform="rotate(-90 18 {(T + H - B) / 2})">{ylabel}</text>']
    for x in (xticks or sorted(set(x for x, _ in pts))):
        o.append(f'<line x1="{px(x):.1f}" y1="{H - B}" x2="{px(x):.1f}" y2="{H - B + 5}" '
                 f'stroke="black"/><text x="{px(x):.1f}" y="{H - B + 18}" '
                 f'text-anchor="middle">{x:g}</text>')
    if logy:
        yt = [10 ** e for e in range(int(y0), int(y1) + 1)]
    else:
        step = 10 ** math.floor(math.log10((y1 - y0) / 5 or 1))
        for m in (1, 2, 5, 10):
            if (y1 - y0) / (step * m) <= 6:
                step *= m
                break
        yt = [step * i for i in range(int(y1 / step) + 1)]
    for y in yt:
        o.append(f'<line x1="{L - 5}" y1="{py(y):.1f}" x2="{W - R}" y2="{py(y):.1f}" '
                 f'stroke="#dddddd"/><text x="{L - 8}" y="{py(y) + 4:.1f}" '
                 f'text-anchor="end">{y:g}</text>')
    for k, (name, color, p, dashed) in enumerate(series):
        p = [(x, y) for x, y in p if y is not None]
        d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in p)
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        o.append(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for x, y in p:
            o.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3.5" fill="{color}"/>')
        ly = T + 10 + 20 * k
        o.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 35}" y2="{ly}" '
                 f'stroke="{color}" stroke-width="2"{dash}/>'
                 f'<text x="{W - R + 40}" y="{ly + 4}">{name}</text>')
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
    print("wrote", path)


def plot(res, svg_dir):
    os.makedirs(svg_dir, exist_ok=True)
    ch = load_json(os.path.join(res, "chapters.json"))
    if ch:
        series = []
        for att in ("vanilla", "switch"):
            bs = ch["models"][att]["buckets"]
            series.append((f"{att} chrF2", COLORS[att],
                           [(round(b["mean_src_tokens"]), b["chrf"]) for b in bs], False))
            series.append((f"{att} BLEU", COLORS[att],
                           [(round(b["mean_src_tokens"]), b["bleu"]) for b in bs], True))
        svg_plot(os.path.join(svg_dir, "long-inputs-quality.svg"),
                 "Test chapters (es-en, greedy): quality by source length",
                 "mean source tokens of the length bucket", "score", series)
    da = load_json(os.path.join(res, "decode-attention.json"))
    if da:
        series = []
        for impl in ("dense", "switch", "switch-rebuild"):
            p = [(r["n"], r["ms_per_token"]) for r in da["results"] if r["impl"] == impl]
            if p:
                series.append((impl, COLORS[impl], p, impl == "switch-rebuild"))
        svg_plot(os.path.join(svg_dir, "long-inputs-decode.svg"),
                 "Decoding: one cross-attention layer, ms per generated token",
                 "source length (tokens)", "ms per token (log)", series, logx=True, logy=True)
    if ch:
        series = []
        for att in ("vanilla", "switch"):
            bs = ch["models"][att]["buckets"]
            series.append((att, COLORS[att], [(round(b["mean_src_tokens"]),
                                               b["ms_per_out_token"]) for b in bs], False))
        svg_plot(os.path.join(svg_dir, "long-inputs-decode-chapters.svg"),
                 "Greedy decoding of test chapters (whole model, batch 8, 1 thread)",
                 "mean source tokens of the length bucket", "ms per output token", series)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"pick-dev": pick_dev, "buckets": buckets, "unbucket": unbucket,
     "chapters-report": chapters_report, "tput-report": tput_report,
     "summ-baselines": summ_baselines, "unk-rate": unk_rate, "summ-report": summ_report,
     "plot": plot}[cmd](*args)


if __name__ == "__main__":
    main()
