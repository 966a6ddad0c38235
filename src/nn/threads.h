// LibTorch starts with one intra-op thread here; every command that computes
// takes --threads (default: all cores) and applies it with this.
#pragma once

#include <dlfcn.h>
#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#include "kernels/parallel.h"

namespace swt::nn {

// One pool for all parallel work: ours (kernels/parallel.h), which runs the
// GEMMs and the fused kernels. LibTorch's OpenMP pool and OpenBLAS's pthread
// pool are both kept at one thread. With several pools on two cores the
// pools' workers busy-waited against each other, and LibTorch's fixed
// per-thread shares waited for whichever thread the OS had descheduled:
// `--threads 2` decoded up to 5x slower than `--threads 1` (BENCHMARKS.md,
// "Threads"). OpenBLAS is looked up at run time: other BLAS builds lack it.
inline void keep_blas_single_threaded() {
  using SetThreads = void (*)(int);
  if (auto* f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(1);
}

// The largest --threads / train.threads accepted (0 = all cores).
inline constexpr int64_t kMaxThreads = 4096;

inline void apply_threads(int64_t threads) {
  if (threads < 0 || threads > kMaxThreads)
    throw std::invalid_argument("threads must be between 0 (all cores) and " +
                                std::to_string(kMaxThreads) + ", got " + std::to_string(threads));
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(1);
  keep_blas_single_threaded();
  kernels::set_parallel_threads(static_cast<int>(threads));
}

}  // namespace swt::nn
