// Applying a linear layer: through LibTorch normally, through the small-rows
// kernel (kernels/small_linear.h) when a decoding step has only a few rows and
// no gradient is needed. Every projection of the model goes through here.
#pragma once

#include <torch/torch.h>

namespace swt::nn {

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias = {});

inline torch::Tensor linear(const torch::Tensor& x, const torch::nn::Linear& layer) {
  return linear(x, layer->weight, layer->bias);
}

// int8 decoding (`swt translate --int8`): keeps an int8 copy (one scale per
// output row) of every 2-D weight of `model`, and of every matrix of a 3-D
// stack of them (MoE experts, w1[e]); from then on the small-row
// inference calls of linear() read the copy instead of the float weight.
// Training and large batches are unaffected. Call before translating, not
// while another thread runs the model; forget_int8_weights drops the copies.
void use_int8_weights(const torch::nn::Module& model);
void forget_int8_weights(const torch::nn::Module& model);

}  // namespace swt::nn
