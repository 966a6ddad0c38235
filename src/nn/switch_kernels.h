// The attention core of switch attention as a custom autograd function with a
// hand-written backward. Every (head, query) row follows its own short slot list
// (nn/switch_layout.h) into a bank of keys/values (tokens and pooled slots), so
// work and memory are O(rows * slots * d): nothing n x n is ever allocated.
#pragma once

#include <torch/torch.h>

#include "kernels/vec.h"
#include "nn/switch_layout.h"

namespace swt::nn {

namespace detail {
using kernels::axpy;
using kernels::dot;
}  // namespace detail

struct SwitchCoreResult {
  torch::Tensor out;    // [H, Nq, d]
  torch::Tensor probs;  // [H, Nq, S] attention probabilities per slot (no gradient)
};

// q: [H, Nq, d]; bank_k, bank_v: [H, rows, d]; bias_table: [H, C] (C may be 0 when
// the layout has no bias columns); keep: [H, Nq, S] dropout multipliers (0 or
// 1/(1-p)), or an undefined tensor for no dropout. Scores are q.k / sqrt(d) + bias;
// a row without slots yields zeros. Differentiable in q, bank_k, bank_v, bias_table.
SwitchCoreResult switch_attention_core(const torch::Tensor& q, const torch::Tensor& bank_k,
                                       const torch::Tensor& bank_v, const torch::Tensor& bias_table,
                                       const SwitchLayout& layout, const torch::Tensor& keep);

}  // namespace swt::nn
