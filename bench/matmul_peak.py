#!/usr/bin/python3
"""Matrix-product peaks of this machine through LibTorch (Debian python3-torch):
fp32 (OpenBLAS) and bf16 (oneDNN where the CPU has native bf16, emulated
elsewhere), at 1 and 2 threads, median GFLOP/s of a few repeats.

    /usr/bin/python3 bench/matmul_peak.py [--sizes 2048x2048x2048,4096x256x1024] [--json]
"""

import argparse
import json
import statistics
import time

import torch


def gflops(m, k, n, dtype, threads, repeats):
    torch.set_num_threads(threads)
    a = torch.randn(m, k).to(dtype)
    b = torch.randn(k, n).to(dtype)
    torch.mm(a, b)  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    return 2.0 * m * k * n / statistics.median(times) / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="2048x2048x2048,4096x256x1024,4096x256x10000")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    flags = open("/proc/cpuinfo").read()
    native_bf16 = "avx512_bf16" in flags or "amx_bf16" in flags
    print(f"native bf16 (avx512_bf16 or amx_bf16): {native_bf16}")
    results = {}
    for size in args.sizes.split(","):
        m, k, n = (int(x) for x in size.split("x"))
        for threads in (1, 2):
            for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
                # bf16 without native support is ~50x slower: fewer repeats.
                repeats = args.repeats if name == "fp32" or native_bf16 else 1
                g = gflops(m, k, n, dtype, threads, repeats)
                results[f"{name}.{size}.t{threads}"] = round(g, 1)
                print(f"{size:>16} {name} threads {threads}: {g:8.1f} GFLOP/s", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
