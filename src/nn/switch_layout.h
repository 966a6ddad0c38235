// Which keys each query of switch attention visits (SPEC section 4,
// docs/switch-attention.md): segment size r(n), the pooled memory banks and,
// per head and query, a short list of key slots. The kernels only follow
// these lists, so everything about *which* keys lives here.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace swt::nn {

enum class SwitchMode { kBidirectional, kCausal, kCross };

struct SwitchGeometry {
  int64_t memory_slots = 64;
  int64_t max_segment = 256;
  int64_t zoom = 4;
  int64_t window = 16;
  int64_t top_k = 4;
  int64_t rel_clip = 16;

  // r(n): smallest power of two with ceil(n / r) <= memory_slots, clamped to [1, max_segment].
  int64_t segment_size(int64_t n) const;
  // Medium sub-slot size max(1, r / zoom).
  int64_t sub_size(int64_t r) const { return std::max<int64_t>(1, r / zoom); }
  // Pool sizes are 1 (tokens), 2, 4, ..., max_segment: one bias row per level.
  int64_t levels() const;
  int64_t bias_width() const { return 2 * rel_clip + 1; }
  // Column of the relative-bias table for a key at `level` at distance `dist` (in its units).
  int64_t bias_column(int64_t level, int64_t dist) const;
  // Fine heads of cross-attention have no local window; they spend its budget
  // on more selected segments (`sub_slots` = medium sub-slots per segment).
  int64_t cross_top_k(int64_t sub_slots) const { return top_k + (2 * window + 1) / sub_slots; }
};

int64_t log2_exact(int64_t power_of_two);

// Packed, padding-free key sequences: sequence b owns tokens [offset[b], offset[b] + length[b]).
// The bank holds the tokens first, then for every sequence and level l = 1..log2(r(n_b))
// the mean-pooled slots of 2^l consecutive tokens (the last one may be shorter).
struct PoolPlan {
  std::vector<int64_t> length, offset;
  std::vector<std::vector<int64_t>> base;    // base[b][l]: bank row of slot 0 at level l
  int64_t tokens = 0;                        // rows [0, tokens) are tokens
  int64_t rows = 0;                          // total bank rows
  std::vector<int64_t> row_start, row_size;  // token range of every bank row
  // Per level l >= 1: destination row (relative to the level block) of each token,
  // `level_rows[l]` for tokens of sequences too short to have that level.
  std::vector<torch::Tensor> level_dest, level_count;
  std::vector<int64_t> level_rows, level_first;
};

PoolPlan make_pool_plan(const std::vector<int64_t>& lengths, const SwitchGeometry& g);

// x: [tokens, F] packed token features -> [rows, F] bank (differentiable mean pooling).
torch::Tensor pool_bank(const torch::Tensor& x, const PoolPlan& plan);

// Packed queries: sequence and position among that sequence's keys (self-attention).
struct QueryInfo {
  std::vector<int64_t> seq, pos;
};

struct SwitchLayout {
  torch::Tensor slot;   // [H, Nq, S] int32 bank row
  torch::Tensor bias;   // [H, Nq, S] int32 column of the bias table, -1 = no bias
  torch::Tensor count;  // [H, Nq] int32 slots used in each row
};

// Heads [0, fine_heads) are fine heads, the rest coarse. q: [H, Nq, d] and
// bank_k: [H, rows, d] (values only, for top-k selection; no gradient flows).
SwitchLayout build_layout(const SwitchGeometry& g, SwitchMode mode, const PoolPlan& plan,
                          const QueryInfo& queries, int64_t fine_heads, const torch::Tensor& q,
                          const torch::Tensor& bank_k);

}  // namespace swt::nn
