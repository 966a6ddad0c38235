// Dropout as the model's layers apply it: the fused kernels of
// kernels/dropout.h while training (a fresh seed per call from LibTorch's
// generator), the identity otherwise.
#pragma once

#include <torch/torch.h>

namespace swt::nn {

torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

// dropout(relu(x)); relu(x) when not training.
torch::Tensor relu_dropout(const torch::Tensor& x, double p, bool training);

}  // namespace swt::nn
