// Label-smoothed cross-entropy (Szegedy et al. 2016), summed over non-padding targets.
#pragma once

#include <torch/torch.h>

namespace swt::train {

struct LossSums {
  torch::Tensor loss;  // smoothed loss, summed (differentiable)
  torch::Tensor nll;   // plain negative log-likelihood, summed (for perplexity)
};

// logits [B, T, V]; target [B, T] with 0 = padding (ignored).
// Smoothing puts eps/V on every class and 1-eps on the target.
LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps);

}  // namespace swt::train
