// The small-rows linear kernel against its double-precision reference, and the
// dispatch in nn::linear (kernel only without gradients, LibTorch otherwise).
#include "kernels/small_linear.h"

#include <gtest/gtest.h>

#include "nn/linear.h"
#include "support/isa_params.h"

namespace swt::kernels {

namespace {

void expect_close(const torch::Tensor& a, const torch::Tensor& b) {
  ASSERT_EQ(a.sizes(), b.sizes());
  EXPECT_LE((a - b).abs().max().item<double>(), 1e-5 * (1 + b.abs().max().item<double>()));
}

}  // namespace

// Every instruction-set path (those this CPU lacks fall back to the next).
using SmallLinearIsa = test::IsaTest;

TEST_P(SmallLinearIsa, MatchesReferenceOverShapes) {
  torch::manual_seed(3);
  // Rows 1..16 (both row blocks), K with and without a remainder of 8 and 16, N = 1.
  for (int64_t m : {1, 2, 5, 8, 9, 16})
    for (int64_t k : {1, 7, 8, 17, 33, 512})
      for (int64_t n : {1, 3, 64, 130}) {
        auto x = torch::randn({m, k}), w = torch::randn({n, k}), b = torch::randn({n});
        expect_close(small_linear(x, w, b), small_linear_reference(x, w, b));
        expect_close(small_linear(x, w, {}), small_linear_reference(x, w, {}));
      }
}

TEST_P(SmallLinearIsa, Int8MatchesReferenceOnTheDequantizedWeight) {
  torch::manual_seed(4);
  for (int64_t m : {1, 5, 8, 13})
    for (int64_t k : {1, 9, 17, 64, 300})
      for (int64_t n : {1, 70}) {
        auto x = torch::randn({m, k}), b = torch::randn({n});
        auto q = quantize_rows(torch::randn({n, k}));
        expect_close(small_linear_int8(x, q, b), small_linear_reference(x, dequantize(q), b));
        expect_close(small_linear_int8(x, q, {}), small_linear_reference(x, dequantize(q), {}));
      }
}

// Speculative decoding's identical output rests on this: a row's products are
// the same bits whether it is alone (a greedy step) or in a block of rows (a
// verification pass), for float and int8 weights.
TEST_P(SmallLinearIsa, ARowAloneGetsTheBitsItGetsInABlock) {
  torch::manual_seed(6);
  for (int64_t k : {7, 8, 33, 512})
    for (int64_t n : {1, 3, 5, 130}) {
      auto x = torch::randn({9, k}), w = torch::randn({n, k}), b = torch::randn({n});
      auto q = quantize_rows(w);
      const auto block = small_linear(x, w, b), block_int8 = small_linear_int8(x, q, b);
      for (int64_t rows = 1; rows <= 4; ++rows)  // alone, and in blocks of 2 to 4 rows
        for (int64_t r = 0; r + rows <= 9; r += rows) {
          auto part = x.narrow(0, r, rows).contiguous();
          EXPECT_TRUE(torch::equal(small_linear(part, w, b), block.narrow(0, r, rows)))
              << k << " " << n << " " << rows;
          EXPECT_TRUE(torch::equal(small_linear_int8(part, q, b), block_int8.narrow(0, r, rows)));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, SmallLinearIsa, test::all_isas(), test::isa_name);

TEST(SmallLinear, SameResultWithMoreThreads) {
  auto x = torch::randn({5, 256}), w = torch::randn({1000, 256}), b = torch::randn({1000});
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  auto one = small_linear(x, w, b);
  torch::set_num_threads(2);
  auto two = small_linear(x, w, b);
  torch::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one, two));  // threads split columns, not sums
}

TEST(SmallLinear, ZeroRowsAndBadInputs) {
  auto w = torch::randn({4, 3});
  EXPECT_EQ(small_linear(torch::zeros({0, 3}), w, {}).sizes(), (std::vector<int64_t>{0, 4}));
  EXPECT_ANY_THROW(small_linear(torch::zeros({2, 5}), w, {}));
  EXPECT_ANY_THROW(small_linear(torch::zeros({2, 3}, torch::kDouble), w, {}));
  EXPECT_ANY_THROW(small_linear(torch::zeros({2, 3}), w, torch::zeros({5})));
}

TEST(SmallLinearInt8, QuantizationErrorIsAtMostHalfAStep) {
  auto w = torch::randn({37, 70});
  w[3].zero_();  // an all-zero row must not divide by zero
  auto q = quantize_rows(w);
  EXPECT_EQ(q.q.scalar_type(), torch::kChar);
  auto err = (dequantize(q) - w).abs();
  EXPECT_TRUE(err.le(q.scale.unsqueeze(1) * 0.5 + 1e-7).all().item<bool>());
  EXPECT_EQ(dequantize(q)[3].abs().sum().item<float>(), 0.0f);
}

TEST(NnLinear, UsesTheKernelOnlyWithoutGradients) {
  torch::nn::Linear layer(32, 48);
  auto x = torch::randn({2, 3, 32});  // 6 rows, 3-d input
  auto want = torch::nn::functional::linear(x, layer->weight, layer->bias);
  auto with_grad = nn::linear(x, layer);
  EXPECT_TRUE(with_grad.requires_grad());  // LibTorch path: autograd intact
  expect_close(with_grad.detach(), want.detach());
  torch::NoGradGuard no_grad;
  auto fast = nn::linear(x, layer);
  EXPECT_EQ(fast.sizes(), want.sizes());
  expect_close(fast, want.detach());
  auto many = torch::randn({40, 32});  // above the row limit: LibTorch again
  expect_close(nn::linear(many, layer),
               torch::nn::functional::linear(many, layer->weight, layer->bias));
}

TEST(NnLinear, Int8CopiesServeSmallRowsUntilForgotten) {
  torch::nn::Linear layer(64, 32);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({5, 64});
  auto exact = nn::linear(x, layer);
  nn::use_int8_weights(*layer);
  auto q = nn::linear(x, layer);
  expect_close(q, small_linear_int8(x, quantize_rows(layer->weight), layer->bias));
  EXPECT_FALSE(torch::equal(q, exact));
  EXPECT_LT((q - exact).abs().max().item<double>(), 0.05 * exact.abs().max().item<double>());
  nn::forget_int8_weights(*layer);
  EXPECT_TRUE(torch::equal(nn::linear(x, layer), exact));
}

}  // namespace swt::kernels
