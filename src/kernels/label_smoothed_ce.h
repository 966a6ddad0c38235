// Label-smoothed cross-entropy over a vocabulary, fused: loss and gradient
// in three passes over the logits, with no log-probability tensor.
//
// Why: composed from LibTorch operators (log_softmax, gather, mean, and their
// backward functions) the loss makes about a dozen passes over a
// [tokens, vocabulary] tensor (268 MB for 4096 tokens x 16k words) and
// allocates several of them; training is memory-bound there. This kernel
// reads the logits three times (max; sum of exponentials and of logits;
// gradient) and writes the gradient once, in the forward pass; the backward
// pass scales it in place.
//
// Float32 on the CPU; the reference below covers other types and devices.
#pragma once

#include <torch/torch.h>

namespace swt::kernels {

struct CrossEntropySums {
  torch::Tensor loss;  // 0-dim: smoothed loss summed over counted rows (differentiable)
  torch::Tensor nll;   // 0-dim: plain negative log-likelihood summed (no gradient)
};

// logits [N, V]; target [N] long in [0, V). Rows whose target is
// `ignore_index` count for nothing and get a zero gradient. Per row,
// loss = (1 - eps) * nll + eps * (-mean_v log p_v), nll = -log p_target.
// The backward pass runs once (no retain_graph).
CrossEntropySums label_smoothed_cross_entropy(const torch::Tensor& logits,
                                              const torch::Tensor& target, double eps,
                                              int64_t ignore_index = 0);

// The same loss composed from LibTorch operators (any type and device): the
// test oracle (in double precision) and the fallback.
CrossEntropySums label_smoothed_cross_entropy_reference(const torch::Tensor& logits,
                                                        const torch::Tensor& target, double eps,
                                                        int64_t ignore_index = 0);

}  // namespace swt::kernels
