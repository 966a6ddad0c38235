// y = x W^T + b for the few rows a decoding step has (batch x beam).
//
// Why: a GEMM library treats W as the big operand and repacks it on every
// call; with 1-16 rows of x that copy costs more than the arithmetic (perf on
// beam-5 decoding at batch 1: 55% of the time in OpenBLAS's sgemm_incopy).
// This kernel streams each row of W once for up to kRowBlock rows of x and
// never copies it. Inference only (no autograd); float32 on the CPU.
#pragma once

#include <torch/torch.h>

#include "kernels/isa.h"

namespace swt::kernels {

// Rows of x handled per pass over W (one accumulator register each).
constexpr int64_t kRowBlock = 8;
// Above this many rows the GEMM library wins again.
constexpr int64_t kSmallLinearMaxRows = 16;

// x [M, K], weight [N, K], bias [N] or undefined -> [M, N]. All float32,
// contiguous, on the CPU; M >= 0 (M = 0 gives an empty result).
torch::Tensor small_linear(const torch::Tensor& x, const torch::Tensor& weight,
                           const torch::Tensor& bias);

// Weight-only int8 quantization, one symmetric scale per output row:
// weight[n, k] ~ q[n, k] * scale[n], q in [-127, 127]. Decoding at small
// batch sizes is bound by reading the weights, so a quarter of the bytes is
// close to a quarter of the time.
struct Int8Weight {
  torch::Tensor q;      // int8 [N, K]
  torch::Tensor scale;  // float32 [N]
};
Int8Weight quantize_rows(const torch::Tensor& weight);  // float32 [N, K]
torch::Tensor dequantize(const Int8Weight& w);          // back to float32 [N, K]

// small_linear with an int8 weight: x [M, K] float32 -> [M, N].
torch::Tensor small_linear_int8(const torch::Tensor& x, const Int8Weight& weight,
                                const torch::Tensor& bias);

// The same maths as three nested loops in double precision: the test oracle.
torch::Tensor small_linear_reference(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias);

}  // namespace swt::kernels
