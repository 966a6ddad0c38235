// Dropout whose mask is a function of (seed, element index) instead of a
// stored tensor of random draws.
//
// Why: LibTorch's CPU dropout draws every element through the generator one
// at a time (bernoulli_), then multiplies and divides in separate passes and
// keeps the mask for the backward pass. Here the keep decision is a hash of
// the element's index and a per-call seed (taken from LibTorch's generator, so
// runs stay reproducible and resumable), computed in the same pass that
// scales the values; the backward pass recomputes it instead of storing it.
// The fused ReLU + dropout of the feed-forward block needs no mask at all in
// the backward pass: a gradient flows exactly where the output is positive.
//
// Float32 on the CPU; anything else falls back to LibTorch's dropout.
#pragma once

#include <torch/torch.h>

#include <cstdint>

namespace swt::kernels {

// Whether element `index` is kept under `seed` with drop probability p
// (threshold = p * 2^32). Exposed for the tests' reference.
bool dropout_keeps(uint64_t seed, uint64_t index, uint32_t threshold);
uint32_t dropout_threshold(double p);

// x * keep / (1 - p), differentiable. p in [0, 1); p == 0 returns x.
torch::Tensor fused_dropout(const torch::Tensor& x, double p, uint64_t seed);

// fused_dropout(relu(x)) in one pass, differentiable.
torch::Tensor fused_relu_dropout(const torch::Tensor& x, double p, uint64_t seed);

// A fresh seed from LibTorch's default CPU generator (torch::manual_seed
// and checkpointed generator state make it reproducible).
uint64_t next_dropout_seed();

}  // namespace swt::kernels
