// The fused label-smoothed cross-entropy against LibTorch's composition in
// double precision: loss, nll and gradient, on every instruction-set path.
#include "kernels/label_smoothed_ce.h"

#include <gtest/gtest.h>

#include "support/isa_params.h"

namespace swt::kernels {

namespace {

double max_abs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

using LabelSmoothedCe = test::IsaTest;

// Loss sums and d(loss)/d(logits) from both implementations, the loss scaled
// by `scale` before backward (as the trainer divides by the token count).
struct Result {
  double loss, nll;
  torch::Tensor grad;
};

Result run(const torch::Tensor& logits, const torch::Tensor& target, double eps, bool fused,
           double scale) {
  auto x = (fused ? logits.to(torch::kFloat) : logits.to(torch::kDouble)).requires_grad_(true);
  auto sums = fused ? label_smoothed_cross_entropy(x, target, eps)
                    : label_smoothed_cross_entropy_reference(x, target, eps);
  (sums.loss * scale).backward();
  return {sums.loss.item<double>(), sums.nll.item<double>(), x.grad().to(torch::kDouble)};
}

}  // namespace

// Vocabularies around the 16-lane blocks, wide logit ranges, padding rows
// (target 0), a row whose target is the largest logit, one row.
TEST_P(LabelSmoothedCe, MatchesReferenceLossAndGradient) {
  torch::manual_seed(11);
  for (int64_t v : {1, 7, 16, 33, 1000})
    for (int64_t n : {1, 5})
      for (double spread : {1.0, 30.0})
        for (double eps : {0.0, 0.1}) {
          auto logits = torch::randn({n, v}, torch::kDouble) * spread;
          auto target = torch::randint(0, v, {n}, torch::kLong);
          if (n > 1) target[1] = 0;  // padding row
          const auto fused = run(logits, target, eps, true, 0.25);
          const auto ref = run(logits, target, eps, false, 0.25);
          const double tol = 1e-5 * std::max(1.0, std::abs(ref.loss));
          EXPECT_NEAR(fused.loss, ref.loss, tol) << v << " " << n << " " << spread;
          EXPECT_NEAR(fused.nll, ref.nll, tol) << v << " " << n << " " << spread;
          EXPECT_LT(max_abs(fused.grad - ref.grad), 1e-6) << v << " " << n << " " << spread;
          if (n > 1) EXPECT_EQ(max_abs(fused.grad[1]), 0.0);
        }
}

TEST_P(LabelSmoothedCe, AllPaddingGivesZeroLossAndGradient) {
  auto logits = torch::randn({3, 20});
  auto target = torch::zeros({3}, torch::kLong);
  const auto r = run(logits, target, 0.1, true, 1.0);
  EXPECT_EQ(r.loss, 0.0);
  EXPECT_EQ(r.nll, 0.0);
  EXPECT_EQ(max_abs(r.grad), 0.0);
}

INSTANTIATE_TEST_SUITE_P(AllPaths, LabelSmoothedCe, test::all_isas(), test::isa_name);

TEST(LabelSmoothedCeChecks, BadInputsAreErrors) {
  auto logits = torch::randn({2, 4});
  EXPECT_ANY_THROW(label_smoothed_cross_entropy(logits, torch::tensor({1, 4}), 0.1));
  EXPECT_ANY_THROW(label_smoothed_cross_entropy(logits, torch::tensor({1}), 0.1));
  EXPECT_ANY_THROW(label_smoothed_cross_entropy(logits, torch::tensor({1, 2}), 1.0));
}

TEST(LabelSmoothedCeChecks, WithoutGradientTheSumsAreTheSame) {
  torch::manual_seed(12);
  auto logits = torch::randn({6, 50});
  auto target = torch::randint(1, 50, {6}, torch::kLong);
  auto with = label_smoothed_cross_entropy(logits.clone().requires_grad_(true), target, 0.1);
  torch::NoGradGuard no_grad;
  auto without = label_smoothed_cross_entropy(logits, target, 0.1);
  EXPECT_EQ(with.loss.item<float>(), without.loss.item<float>());
  EXPECT_EQ(with.nll.item<float>(), without.nll.item<float>());
}

}  // namespace swt::kernels
