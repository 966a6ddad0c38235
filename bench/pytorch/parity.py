#!/usr/bin/python3
"""Parity check: the PyTorch reference model reproduces swt's logits.

    swt export --model DIR --out model.safetensors
    swt score --model DIR --src S --tgt T --out scores.safetensors --threads 2
    bench/pytorch/parity.py --model model.safetensors --scores scores.safetensors --threads 2

Runs bench/pytorch/swt_reference.py on the token ids in the `swt score` dump
and compares its logits with swt's. Prints the largest absolute difference;
exits 1 if it exceeds --tolerance (default 1e-4).
"""

import argparse
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from swt_reference import PAD_ID, load_exported, read_safetensors  # noqa: E402


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="file written by `swt export`")
    p.add_argument("--scores", required=True, help="file written by `swt score`")
    p.add_argument("--tolerance", type=float, default=1e-4, help="max |logit difference|")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0 = all cores, as swt)")
    p.add_argument("--batch-size", type=int, default=32, help="sentences per forward pass")
    return p.parse_args()


def reference_logits(model, src, tgt_in, batch_size):
    with torch.inference_mode():
        parts = [
            model(src[i : i + batch_size], tgt_in[i : i + batch_size])
            for i in range(0, src.size(0), batch_size)
        ]
    return torch.cat(parts)


def mean_nll(logits, tgt_out):
    nll = F.cross_entropy(
        logits.reshape(-1, logits.size(-1)).double(),
        tgt_out.reshape(-1),
        ignore_index=PAD_ID,
        reduction="sum",
    )
    return nll.item() / int((tgt_out != PAD_ID).sum())


def main():
    args = parse_args()
    torch.set_num_threads(args.threads if args.threads > 0 else os.cpu_count())
    model = load_exported(args.model)
    dump, meta = read_safetensors(args.scores)
    ours = reference_logits(model, dump["src"], dump["tgt_in"], args.batch_size)
    theirs = dump["logits"]
    if ours.shape != theirs.shape:
        print(f"parity: FAIL: shapes differ: reference {tuple(ours.shape)}, swt {tuple(theirs.shape)}")
        return 1
    diff = (ours - theirs).abs()
    real = (dump["tgt_in"] != PAD_ID).unsqueeze(-1)  # positions fed a real token
    worst = diff.max().item()
    worst_real = diff.masked_select(real).max().item()
    n, t, v = theirs.shape
    print(f"parity: {n} sentences, {t} target positions, vocabulary {v}, "
          f"{torch.get_num_threads()} threads")
    print(f"parity: max |logit difference| = {worst:.3e} "
          f"(real positions {worst_real:.3e}, tolerance {args.tolerance:g}; "
          f"max |logit| {theirs.abs().max().item():.3g})")
    print(f"parity: mean NLL per token: reference {mean_nll(ours, dump['tgt_out']):.6f}, "
          f"swt {meta.get('mean_nll', '?')}")
    if not worst <= args.tolerance:  # also catches NaN
        print("parity: FAIL")
        return 1
    print("parity: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
