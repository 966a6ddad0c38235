// The index-hash dropout kernels: masks against a per-element reference,
// gradients, rates, reproducibility, fallbacks.
#include "kernels/dropout.h"

#include <gtest/gtest.h>

#include "support/isa_params.h"

namespace swt::kernels {

namespace {

using Dropout = test::IsaTest;

// The expected output, one element at a time through dropout_keeps.
torch::Tensor reference(const torch::Tensor& x, double p, uint64_t seed, bool relu) {
  auto flat = x.contiguous().view(-1).to(torch::kDouble);
  auto out = torch::zeros_like(flat);
  const uint32_t threshold = dropout_threshold(p);
  for (int64_t i = 0; i < flat.numel(); ++i) {
    double v = flat[i].item<double>();
    if (relu) v = std::max(v, 0.0);
    if (dropout_keeps(seed, static_cast<uint64_t>(i), threshold)) out[i] = v / (1.0 - p);
  }
  return out.view(x.sizes());
}

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

TEST_P(Dropout, ForwardAndGradientMatchThePerElementReference) {
  torch::manual_seed(3);
  for (int64_t n : {1, 15, 16, 17, 1001})
    for (bool relu : {false, true}) {
      auto x = torch::randn({n, 3}).requires_grad_(true);
      const uint64_t seed = 0x1234567890abcdefULL + n;
      auto out = relu ? fused_relu_dropout(x, 0.3, seed) : fused_dropout(x, 0.3, seed);
      EXPECT_LT(max_diff(out, reference(x.detach(), 0.3, seed, relu)), 1e-6) << n << relu;
      // d(sum(out * w))/dx = w * d(out)/dx, with d(out)/dx from the reference's
      // mask (and ReLU's step).
      auto w = torch::randn({n, 3});
      (out * w).sum().backward();
      auto ones = torch::ones({n, 3});
      auto mask = reference(ones, 0.3, seed, false);
      auto expected = w * mask * (relu ? x.detach().gt(0).to(torch::kFloat) : ones);
      EXPECT_LT(max_diff(x.grad(), expected), 1e-6) << n << relu;
    }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, Dropout, test::all_isas(), test::isa_name);

TEST(DropoutKernel, KeepsAboutOneMinusPAndScales) {
  auto x = torch::ones({1 << 20});
  for (double p : {0.1, 0.5, 0.9}) {
    auto out = fused_dropout(x, p, 42);
    const double kept = out.ne(0).to(torch::kDouble).mean().item<double>();
    EXPECT_NEAR(kept, 1.0 - p, 0.005) << p;
    EXPECT_NEAR(out.mean().item<double>(), 1.0, 0.01) << p;  // unbiased
  }
}

TEST(DropoutKernel, SeedsGiveIndependentMasksAndTheSameSeedTheSameMask) {
  auto x = torch::ones({100000});
  auto a = fused_dropout(x, 0.5, 1), b = fused_dropout(x, 0.5, 2), c = fused_dropout(x, 0.5, 1);
  EXPECT_TRUE(a.equal(c));
  // Two independent masks at p = 0.5 agree on about half the elements.
  const double agree = a.ne(0).eq(b.ne(0)).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(agree, 0.5, 0.01);
  // Consecutive elements are not correlated either.
  auto keep = a.ne(0).to(torch::kDouble);
  const double neighbours =
      keep.slice(0, 1).eq(keep.slice(0, 0, -1)).to(torch::kDouble).mean().item<double>();
  EXPECT_NEAR(neighbours, 0.5, 0.01);
}

TEST(DropoutKernel, EdgeCases) {
  auto x = torch::randn({4, 5});
  EXPECT_TRUE(fused_dropout(x, 0.0, 7).equal(x));
  EXPECT_TRUE(fused_relu_dropout(x, 0.0, 7).equal(torch::relu(x)));
  EXPECT_EQ(fused_dropout(torch::zeros({0, 5}), 0.5, 7).numel(), 0);
  EXPECT_ANY_THROW(fused_dropout(x, 1.0, 7));
  EXPECT_ANY_THROW(fused_dropout(x, -0.1, 7));
  // Not float32: LibTorch's dropout (same rate, differentiable).
  auto d = fused_dropout(torch::ones({10000}, torch::kDouble), 0.5, 7);
  EXPECT_NEAR(d.ne(0).to(torch::kDouble).mean().item<double>(), 0.5, 0.03);
  // Non-contiguous input: the mask follows the logical element order.
  auto t = torch::randn({6, 4}).t();
  EXPECT_LT(max_diff(fused_dropout(t, 0.4, 9), reference(t, 0.4, 9, false)), 1e-6);
}

TEST(DropoutKernel, SeedsFollowTorchManualSeed) {
  torch::manual_seed(5);
  const uint64_t a = next_dropout_seed(), b = next_dropout_seed();
  torch::manual_seed(5);
  EXPECT_EQ(next_dropout_seed(), a);
  EXPECT_EQ(next_dropout_seed(), b);
  EXPECT_NE(a, b);
}

}  // namespace swt::kernels
