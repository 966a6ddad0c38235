// Label-smoothed cross-entropy (Szegedy et al. 2016), summed over non-padding targets.
#pragma once

#include <torch/torch.h>

#include "kernels/label_smoothed_ce.h"
#include "model/transformer.h"

namespace swt::train {

// loss: smoothed, summed (differentiable); nll: plain negative
// log-likelihood, summed (for perplexity).
using LossSums = kernels::CrossEntropySums;

// logits [..., V]; target [...] with 0 = padding (ignored).
// Smoothing puts eps/V on every class and 1-eps on the target. Runs the
// fused kernel (kernels/label_smoothed_ce.h) on the CPU.
LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps);

// The same loss from the decoder's normalised states `hidden` [B, T, D]: the
// output projection runs only on the rows with a real target (padding-free),
// which saves the projection's largest GEMM and the loss pass on padding.
LossSums target_loss(model::TransformerImpl& model, const torch::Tensor& hidden,
                     const torch::Tensor& target, double eps);

// model.ffn: moe. The auxiliary losses of one forward pass, summed over the
// MoE layers: moe_aux_loss * load balancing + moe_z_loss * router z-loss,
// each a mean over the pass's real tokens (docs/moe.md).
torch::Tensor moe_aux_loss(const model::ModelConfig& c, const std::vector<nn::MoeStats>& layers);

}  // namespace swt::train
