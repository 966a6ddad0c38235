#include "nn/feed_forward.h"

#include "nn/dropout.h"
#include "nn/linear.h"
#include "util/error.h"

namespace swt::nn {

FeedForwardImpl::FeedForwardImpl(int64_t d_model, int64_t d_ff, double dropout,
                                 const std::string& activation)
    : gelu_(activation == "gelu"), dropout_(dropout) {
  if (activation != "relu" && activation != "gelu")
    fail("unknown activation '" + activation + "' (known: relu, gelu)");
  linear1_ = register_module("linear1", torch::nn::Linear(d_model, d_ff));
  linear2_ = register_module("linear2", torch::nn::Linear(d_ff, d_model));
}

torch::Tensor FeedForwardImpl::forward(const torch::Tensor& x) {
  auto h = linear(x, linear1_);
  h = gelu_ ? nn::dropout(torch::gelu(h), dropout_, is_training())
            : relu_dropout(h, dropout_, is_training());
  return nn::dropout(linear(h, linear2_), dropout_, is_training());
}

}  // namespace swt::nn
