// Softmax over the positions a mask allows. A row with no allowed position
// gives all zeros (never NaN), in the forward pass and in the gradient.
#pragma once

#include <torch/torch.h>

namespace swt::nn {

// `scores`: [..., K]; `allowed`: bool, broadcastable to `scores`, true = may attend.
torch::Tensor masked_softmax(const torch::Tensor& scores, const torch::Tensor& allowed);

}  // namespace swt::nn
