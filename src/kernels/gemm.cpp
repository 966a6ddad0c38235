#include "kernels/gemm.h"

#include <algorithm>
#include <string>

#include "kernels/parallel.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

void check_operand(const torch::Tensor& t, const char* name) {
  if (!t.defined() || t.dim() != 2 || t.scalar_type() != torch::kFloat || !t.device().is_cpu())
    fail(std::string("gemm: ") + name + " must be a defined 2-D float32 CPU tensor");
}

// Each block of a split product does at least this many multiply-adds, so
// that claiming it and packing its operand stay small beside the arithmetic.
constexpr int64_t kMinBlockMacs = int64_t{1} << 20;
// And at least this many rows (or columns): a multiple of the GEMM's tiles.
constexpr int64_t kMinBlock = 16;

}  // namespace

void gemm(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b,
          torch::Tensor& c) {
  check_operand(a, "a");
  check_operand(b, "b");
  check_operand(c, "c");
  const auto opa = trans_a ? a.t() : a;
  const auto opb = trans_b ? b.t() : b;
  const int64_t m = opa.size(0), k = opa.size(1), n = opb.size(1);
  if (opb.size(0) != k || c.size(0) != m || c.size(1) != n)
    fail("gemm: shapes do not match (" + std::to_string(m) + "x" + std::to_string(k) + " by " +
         std::to_string(opb.size(0)) + "x" + std::to_string(n) + " into " +
         std::to_string(c.size(0)) + "x" + std::to_string(c.size(1)) + ")");
  if (!c.is_contiguous()) fail("gemm: c must be contiguous");
  // Plain arithmetic, never recorded by autograd (grad mode is per thread:
  // each worker sets it again).
  torch::NoGradGuard no_grad;
  // Split the longer side of c; each block is one single-threaded product.
  const bool split_rows = m >= n;
  const int64_t extent = split_rows ? m : n, other = split_rows ? n : m;
  const int64_t grain = std::max(kMinBlock, kMinBlockMacs / std::max<int64_t>(1, other * k));
  parallel_for(0, extent, grain, [&](int64_t lo, int64_t hi) {
    // A block of columns of c is a strided view; BLAS writes it in place.
    auto out = split_rows ? c.narrow(0, lo, hi - lo) : c.narrow(1, lo, hi - lo);
    at::mm_out(out, split_rows ? opa.narrow(0, lo, hi - lo) : opa,
               split_rows ? opb : opb.narrow(1, lo, hi - lo));
  });
}

torch::Tensor matmul(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b) {
  check_operand(a, "a");
  check_operand(b, "b");
  auto c =
      torch::empty({trans_a ? a.size(1) : a.size(0), trans_b ? b.size(0) : b.size(1)}, a.options());
  gemm(a, trans_a, b, trans_b, c);
  return c;
}

torch::Tensor matmul_reference(const torch::Tensor& a, bool trans_a, const torch::Tensor& b,
                               bool trans_b) {
  auto ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
  return torch::mm(trans_a ? ad.t() : ad, trans_b ? bd.t() : bd);
}

}  // namespace swt::kernels
