// A naive dense implementation of switch attention for tests: every pooled slot
// of every level is materialised with an explicit pooling matrix, each query's
// visible keys are an explicit [H, Nq, M] mask built from per-(query, key)
// predicates written straight from SPEC section 4, and plain autograd supplies
// the gradients. Shares no code with the layout builder or the kernels beyond
// SwitchGeometry's arithmetic (r(n), bias columns).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "nn/switch_layout.h"

namespace swt::nn {

// One sequence without padding. q: [H, Nq, d]; k, v: [H, n, d]; bias_table: [H, C]
// (C = 0 for cross); positions: key index of each query (ignored for cross).
// Heads [0, fine_heads) are fine. Returns [H, Nq, d].
torch::Tensor switch_reference(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& bias_table,
                               const std::vector<int64_t>& positions, SwitchMode mode,
                               const SwitchGeometry& g, int64_t fine_heads);

}  // namespace swt::nn
