// nn::linear's own autograd function (products on the thread pool, in the
// thread's matmul precision) against LibTorch's linear: values and the
// gradients of input, weight and bias, at 1 and 2 threads, fp32 and bf16.
#include "nn/linear.h"

#include <gtest/gtest.h>

#include "kernels/isa.h"
#include "kernels/parallel.h"
#include "nn/precision.h"
#include "support/pool_threads.h"
#include "util/error.h"

namespace swt::nn {

namespace {

struct Result {
  torch::Tensor y, dx, dw, db;
};

// y = f(x, w, b) and the gradients of sum(y * g) for a fixed weighting g.
template <typename F>
Result run(F f, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& b0,
           const torch::Tensor& g) {
  auto x = x0.clone().requires_grad_(true), w = w0.clone().requires_grad_(true),
       b = b0.clone().requires_grad_(true);
  auto y = f(x, w, b);
  (y * g).sum().backward();
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

double rel_error(const torch::Tensor& got, const torch::Tensor& want) {
  return (got.to(torch::kDouble) - want.to(torch::kDouble)).abs().max().item<double>() /
         (1e-12 + want.abs().max().item<double>());
}

void expect_matches(const Result& got, const Result& want, double tol) {
  EXPECT_LE(rel_error(got.y, want.y), tol);
  EXPECT_LE(rel_error(got.dx, want.dx), tol);
  EXPECT_LE(rel_error(got.dw, want.dw), tol);
  EXPECT_LE(rel_error(got.db, want.db), tol);
}

using LinearThreads = test::PoolThreadsTest;

auto ours = [](const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return linear(x, w, b);
};

// The oracle: LibTorch's linear in double precision.
Result reference(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                 const torch::Tensor& g) {
  auto r =
      run([](const torch::Tensor& xd, const torch::Tensor& wd,
             const torch::Tensor& bd) { return torch::nn::functional::linear(xd, wd, bd); },
          x.to(torch::kDouble), w.to(torch::kDouble), b.to(torch::kDouble), g.to(torch::kDouble));
  return r;
}

}  // namespace

TEST_P(LinearThreads, ValuesAndGradientsMatchLibTorch) {
  torch::manual_seed(5);
  // Batched 3-D input, rows above the small-rows kernel, one row (length 1),
  // and a product large enough to be split across the threads.
  const std::vector<std::vector<int64_t>> inputs = {{4, 9, 32}, {1, 1, 32}, {3, 200, 32}};
  for (const auto& shape : inputs)
    for (int64_t n : {1, 48, 700}) {
      auto x = torch::randn(shape), w = torch::randn({n, 32}), b = torch::randn({n});
      auto out_shape = shape;
      out_shape.back() = n;
      auto g = torch::randn(out_shape);
      expect_matches(run(ours, x, w, b, g), reference(x, w, b, g), 1e-5);
    }
}

TEST_P(LinearThreads, Bf16ProductsStayWithinBf16Tolerance) {
  torch::manual_seed(6);
  MatmulPrecisionGuard bf16(Precision::kBf16);
  auto x = torch::randn({2, 40, 64}), w = torch::randn({96, 64}) * 0.1, b = torch::randn({96});
  auto g = torch::randn({2, 40, 96});
  const auto got = run(ours, x, w, b, g);
  EXPECT_EQ(got.y.scalar_type(), torch::kFloat);  // float32 out, float32 gradients
  EXPECT_EQ(got.dw.scalar_type(), torch::kFloat);
  // bf16 keeps 8 significant bits: a relative error of a few 2^-8 over K = 64.
  expect_matches(got, reference(x, w, b, g), 3e-2);
  // And it really is bf16: not bit-identical to the fp32 path.
  MatmulPrecisionGuard fp32(Precision::kFp32);
  EXPECT_FALSE(torch::equal(got.y, run(ours, x, w, b, g).y));
}

TEST_P(LinearThreads, NoGradInferenceMatchesTheAutogradPath) {
  torch::manual_seed(7);
  auto x = torch::randn({5, 30, 64}), w = torch::randn({128, 64}), b = torch::randn({128});
  torch::Tensor y_inference;
  {
    torch::NoGradGuard no_grad;
    y_inference = linear(x, w, b);
  }
  EXPECT_TRUE(torch::allclose(y_inference, torch::nn::functional::linear(x, w, b), 1e-4, 1e-4));
}

INSTANTIATE_TEST_SUITE_P(Threads, LinearThreads, ::testing::Values(1, 2));

TEST(Precision, AutoIsBf16OnlyWithNativeBf16AndTheFallbackCanBeForced) {
  EXPECT_EQ(parse_precision("fp32", "--precision"), Precision::kFp32);
  EXPECT_EQ(parse_precision("bf16", "--precision"), Precision::kBf16);
  EXPECT_EQ(parse_precision("auto", "--precision"),
            cpu_has_native_bf16() ? Precision::kBf16 : Precision::kFp32);
  // A CPU without AVX-512 (so without AVX512-BF16) gets fp32 from auto.
  kernels::set_max_isa(kernels::Isa::kAvx2);
  EXPECT_FALSE(cpu_has_native_bf16());
  EXPECT_EQ(parse_precision("auto", "--precision"), Precision::kFp32);
  kernels::set_max_isa(kernels::Isa::kAvx512);
  try {
    parse_precision("fp16", "--precision");
    FAIL() << "fp16 accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--precision must be fp32, bf16 or auto, got 'fp16'");
  }
}

TEST(Precision, GuardRestoresThePreviousPrecision) {
  EXPECT_EQ(matmul_precision(), Precision::kFp32);
  {
    MatmulPrecisionGuard outer(Precision::kBf16);
    EXPECT_EQ(matmul_precision(), Precision::kBf16);
    {
      MatmulPrecisionGuard inner(Precision::kFp32);
      EXPECT_EQ(matmul_precision(), Precision::kFp32);
    }
    EXPECT_EQ(matmul_precision(), Precision::kBf16);
  }
  EXPECT_EQ(matmul_precision(), Precision::kFp32);
}

}  // namespace swt::nn
