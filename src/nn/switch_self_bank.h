// Switch self-attention while decoding (causal, a few new positions a step):
// the keys and values of every position, and the mean-pooled keys and values
// of every completed block of 2^l positions (l = 1 .. levels - 1), in one
// store that grows as positions arrive. Causal queries read only completed
// blocks (nn/switch_layout.cpp), so a step writes its own positions and the
// blocks they complete, and reads a bounded number of slots: the prefix is
// neither repacked nor re-pooled (rebuilding the bank made every step
// O(length)). Pooling sums a block's positions in order, as pool_bank does,
// so the bank holds the same values as a rebuilt one.
#pragma once

#include <torch/torch.h>

#include "nn/attention.h"
#include "nn/switch_layout.h"

namespace swt::nn {

class SwitchSelfBank : public AttentionCacheExtra {
 public:
  explicit SwitchSelfBank(const SwitchGeometry& geometry) : levels_(geometry.levels()) {}

  // Catches up with `cache`: every row holds cache.length() real positions.
  void update(const AttentionCache& cache);
  void select(const torch::Tensor& index) override;
  void truncate(int64_t length) override;
  int64_t length() const { return length_; }

  // As switch attention reads a bank: [H, rows, d] (views of the store), and
  // where each sequence's tokens and pooled levels start.
  torch::Tensor k() const { return flat(k_); }
  torch::Tensor v() const { return flat(v_); }
  PoolPlan plan() const;

 private:
  // Rows of level `level` start here within a sequence's stretch of the store.
  int64_t level_start(int64_t level, int64_t capacity) const;
  int64_t stride(int64_t capacity) const { return level_start(levels_, capacity); }
  void reserve(int64_t positions);
  // Pools the blocks that positions [from, to) complete, at every level.
  void pool_blocks(int64_t from, int64_t to);
  static torch::Tensor flat(const torch::Tensor& store);

  int64_t levels_;
  int64_t length_ = 0, capacity_ = 0;
  torch::Tensor k_, v_;  // [H, B, stride(capacity_), d]
};

}  // namespace swt::nn
