// Position-wise feed-forward block, as the article's FeedForward:
// Linear -> activation (ReLU, or GELU) -> Dropout -> Linear -> Dropout
// (ReLU and the dropout after it are one fused kernel while training).
#pragma once

#include <torch/torch.h>

#include <string>

namespace swt::nn {

class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t d_model, int64_t d_ff, double dropout, const std::string& activation);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool gelu_;
  torch::nn::Linear linear1_{nullptr}, linear2_{nullptr};
  double dropout_;
};
TORCH_MODULE(FeedForward);

}  // namespace swt::nn
