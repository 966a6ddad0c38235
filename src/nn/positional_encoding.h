// Sinusoidal absolute positions (Vaswani et al. 2017), computed on demand so any
// length works.
#pragma once

#include <torch/torch.h>

namespace swt::nn {

// [length, d_model] table for positions offset .. offset + length - 1.
torch::Tensor sinusoidal_positions(int64_t offset, int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options);

}  // namespace swt::nn
