// Matrix products on the program's one thread pool.
//
// Why: Debian's LibTorch sends float32 GEMMs to OpenBLAS, whose pthread
// workers busy-wait (sched_yield) beside LibTorch's OpenMP workers; on two
// cores the two pools fought, and `--threads 2` decoded up to 5x slower than
// `--threads 1` (BENCHMARKS.md, "Threads"). OpenBLAS is now kept at one
// thread (nn/threads.h) and a product is split here into blocks of output
// rows (or columns) run on the program's one pool (kernels/parallel.h). Each
// block is one single-threaded OpenBLAS call, so one thread runs at
// OpenBLAS's speed. (oneDNN's sgemm, the other library at hand, was half as
// fast on the transposed-A products of the weight gradients here.)
#pragma once

#include <torch/torch.h>

namespace swt::kernels {

// c = op(a) op(b), with op(t) = t or t^T; 2-D float32 CPU tensors of matching
// shapes (checked). a and b may be any strided views; c must be contiguous.
void gemm(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b,
          torch::Tensor& c);

// op(a) op(b) into a new [M, N] float32 tensor.
torch::Tensor matmul(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b);

// The same maths in double precision through LibTorch: the test oracle.
torch::Tensor matmul_reference(const torch::Tensor& a, bool trans_a, const torch::Tensor& b,
                               bool trans_b);

}  // namespace swt::kernels
