// The thread-pool GEMM (kernels/gemm.h) against its double-precision
// reference: every transpose, strided operands, edge shapes, the serial and
// both split paths (rows and columns), and inside an existing parallel region.
#include "kernels/gemm.h"

#include <gtest/gtest.h>

#include "kernels/parallel.h"
#include "support/pool_threads.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

void expect_close(const torch::Tensor& got, const torch::Tensor& want, int64_t k) {
  ASSERT_EQ(got.sizes(), want.sizes());
  if (want.numel() == 0) return;
  const double tol = 1e-5 * (1 + std::sqrt(double(k))) * (1 + want.abs().max().item<double>());
  EXPECT_LE((got.to(torch::kDouble) - want).abs().max().item<double>(), tol);
}

// op(a) op(b) with op(a) [m, k] and op(b) [k, n], stored transposed or not.
void check(int64_t m, int64_t k, int64_t n, bool ta, bool tb) {
  auto a = ta ? torch::randn({k, m}) : torch::randn({m, k});
  auto b = tb ? torch::randn({n, k}) : torch::randn({k, n});
  expect_close(matmul(a, ta, b, tb), matmul_reference(a, ta, b, tb), k);
}

using GemmThreads = test::PoolThreadsTest;

}  // namespace

TEST_P(GemmThreads, MatchesReferenceForEveryTranspose) {
  torch::manual_seed(1);
  // Small (serial), tall (split by rows), wide (split by columns), odd sizes.
  const int64_t shapes[][3] = {{1, 1, 1},      {3, 5, 7},      {1, 64, 300},    {300, 64, 1},
                               {517, 96, 130}, {130, 96, 517}, {1000, 33, 300}, {64, 257, 2049}};
  for (const auto& s : shapes)
    for (bool ta : {false, true})
      for (bool tb : {false, true}) check(s[0], s[1], s[2], ta, tb);
}

TEST_P(GemmThreads, StridedOperandsAndEmptyShapes) {
  torch::manual_seed(2);
  // Every other column of a wider matrix: neither contiguous nor a transpose.
  auto a = torch::randn({400, 200}).slice(1, 0, 200, 2);
  auto b = torch::randn({100, 300}).slice(0, 0, 100);
  expect_close(matmul(a, false, b, false), matmul_reference(a, false, b, false), 100);
  expect_close(matmul(a.t(), true, b, false), matmul_reference(a, false, b, false), 100);
  // M = 0 and N = 0 give empty results; K = 0 gives zeros.
  EXPECT_EQ(matmul(torch::randn({0, 4}), false, torch::randn({4, 5}), false).numel(), 0);
  EXPECT_EQ(matmul(torch::randn({3, 4}), false, torch::randn({4, 0}), false).numel(), 0);
  auto zero_k = matmul(torch::randn({300, 0}), false, torch::randn({0, 200}), false);
  EXPECT_TRUE(torch::equal(zero_k, torch::zeros({300, 200})));
}

TEST_P(GemmThreads, InsideAParallelRegionRunsSerially) {
  torch::manual_seed(3);
  auto a = torch::randn({4, 300, 128}), b = torch::randn({4, 128, 256});
  auto out = torch::empty({4, 300, 256});
  parallel_for(0, 4, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      auto c = out[i];
      gemm(a[i], false, b[i], false, c);
    }
  });
  for (int64_t i = 0; i < 4; ++i)
    expect_close(out[i], matmul_reference(a[i], false, b[i], false), 128);
}

TEST_P(GemmThreads, WorksOnTensorsThatRequireGrad) {
  // The workers have their own grad mode; the product itself is not recorded.
  auto a = torch::randn({600, 64}).requires_grad_(true), b = torch::randn({64, 600});
  expect_close(matmul(a, false, b, false), matmul_reference(a.detach(), false, b, false), 64);
}

INSTANTIATE_TEST_SUITE_P(Threads, GemmThreads, ::testing::Values(1, 2));

TEST(Gemm, RejectsMismatchedShapesAndTypes) {
  auto c = torch::empty({3, 5});
  EXPECT_THROW(gemm(torch::randn({3, 4}), false, torch::randn({5, 5}), false, c), Error);
  EXPECT_THROW(gemm(torch::randn({3, 4}), false, torch::randn({4, 6}), false, c), Error);
  EXPECT_THROW(matmul(torch::randn({3, 4}, torch::kDouble), false, torch::randn({4, 5}), false),
               Error);
  EXPECT_THROW(matmul(torch::randn({3}), false, torch::randn({3, 5}), false), Error);
  auto strided = torch::empty({5, 3}).t();
  EXPECT_THROW(gemm(torch::randn({3, 4}), false, torch::randn({4, 5}), false, strided), Error);
}

}  // namespace swt::kernels
