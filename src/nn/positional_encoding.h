// Sinusoidal absolute positions (Vaswani et al. 2017), computed on demand so any
// length works.
#pragma once

#include <torch/torch.h>

namespace swt::nn {

// [length, d_model] table for positions offset .. offset + length - 1.
torch::Tensor sinusoidal_positions(int64_t offset, int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options);

// [N, d_model]: row i for position positions[i] ([N] long). Each value is
// computed on its own (in double, then rounded), so a position gets the same
// bits whichever call, offset or batch row asks for it: rows of a batch at
// different positions (speculative decoding) embed exactly as they would alone.
torch::Tensor sinusoidal_positions_at(const torch::Tensor& positions, int64_t d_model,
                                      const torch::TensorOptions& options);

}  // namespace swt::nn
