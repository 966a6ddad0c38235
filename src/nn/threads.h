// LibTorch starts with one intra-op thread here; every command that computes
// takes --threads (default: all cores) and applies it with this.
#pragma once

#include <dlfcn.h>
#include <torch/torch.h>

#include <thread>

namespace swt::nn {

// LibTorch's set_num_threads does not reach OpenBLAS (the BLAS Debian's
// libtorch uses), whose pthread build otherwise runs one busy worker per core
// inside every GEMM: with `--threads 1` two jobs would fight over the cores.
// Looked up at run time because other BLAS builds lack the function.
inline void set_blas_threads(int threads) {
  using SetThreads = void (*)(int);
  if (auto* f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
    f(threads);
}

inline void apply_threads(int64_t threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(static_cast<int>(threads));
  set_blas_threads(static_cast<int>(threads));
}

}  // namespace swt::nn
