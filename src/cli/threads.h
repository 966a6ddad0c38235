// LibTorch starts with one intra-op thread here; every command that computes
// takes --threads (default: all cores) and applies it with this.
#pragma once

#include <torch/torch.h>

#include <thread>

namespace swt::cli {

inline void apply_threads(int64_t threads) {
  if (threads <= 0) threads = std::max(1u, std::thread::hardware_concurrency());
  torch::set_num_threads(static_cast<int>(threads));
}

}  // namespace swt::cli
