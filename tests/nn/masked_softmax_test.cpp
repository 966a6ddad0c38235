#include "nn/masked_softmax.h"

#include <gtest/gtest.h>

#include "support/gradcheck.h"

namespace swt::nn {

TEST(MaskedSoftmax, MatchesSoftmaxOverAllowedPositions) {
  auto scores = torch::randn({3, 5}, torch::kDouble);
  auto allowed = torch::tensor({1, 1, 0, 1, 0}, torch::kBool).view({1, 5}).expand({3, 5});
  auto got = masked_softmax(scores, allowed);
  auto ref = torch::softmax(scores.masked_fill(allowed.logical_not(), -INFINITY), -1);
  EXPECT_TRUE(torch::allclose(got, ref, 1e-12, 1e-12));
  EXPECT_EQ(got.index({torch::indexing::Slice(), 2}).abs().sum().item<double>(), 0.0);
}

TEST(MaskedSoftmax, AllMaskedRowGivesZerosAndFiniteGradients) {
  auto scores = torch::randn({2, 4}, torch::kDouble).requires_grad_(true);
  auto allowed = torch::tensor({{1, 0, 1, 1}, {0, 0, 0, 0}}, torch::kBool);
  auto probs = masked_softmax(scores, allowed);
  EXPECT_FALSE(probs.isnan().any().item<bool>());
  EXPECT_EQ(probs[1].abs().sum().item<double>(), 0.0);
  EXPECT_NEAR(probs[0].sum().item<double>(), 1.0, 1e-12);
  (probs * torch::randn({2, 4}, torch::kDouble)).sum().backward();
  EXPECT_TRUE(scores.grad().isfinite().all().item<bool>());
  EXPECT_EQ(scores.grad()[1].abs().sum().item<double>(), 0.0);
}

TEST(MaskedSoftmax, GradientMatchesFiniteDifferences) {
  auto scores = torch::randn({2, 3, 6}, torch::kDouble);
  auto allowed = torch::rand({2, 3, 6}).gt(0.4);
  allowed.index_put_({1, 2}, false);  // one all-masked row
  const double err = swt::testing::max_gradient_error(
      [&](const torch::Tensor& x) { return masked_softmax(x, allowed); }, scores);
  EXPECT_LT(err, 1e-6);
}

}  // namespace swt::nn
