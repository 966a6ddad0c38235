#include "nn/dropout.h"

#include "kernels/dropout.h"

namespace swt::nn {

torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p == 0) return x;
  return kernels::fused_dropout(x, p, kernels::next_dropout_seed());
}

torch::Tensor relu_dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p == 0) return torch::relu(x);
  return kernels::fused_relu_dropout(x, p, kernels::next_dropout_seed());
}

}  // namespace swt::nn
