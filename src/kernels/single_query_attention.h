// Attention for one query per sequence: the shape of every incremental
// decoding step.
//
// Why: with one query row, LibTorch's batched matmul becomes B x H separate
// tiny GEMM calls (two per attention), each paying the BLAS call overhead; at
// batch 64 x beam 5 x 8 heads that was as much time as all the model's
// projections together. This kernel does scores, softmax and the weighted sum
// for a (sequence, head) pair in one pass over its keys and values.
// Inference only (no autograd); float32 on the CPU.
#pragma once

#include <torch/torch.h>

namespace swt::kernels {

// q [B, H, D]; k, v [N, H, T, D]; valid [N, T] bool (keys that may be
// attended) or undefined (all); kv_rows [B] long: query row b attends key row
// kv_rows[b] (undefined: N = B and row b attends row b). Returns out [B, H, D]
// with out[b, h] = sum_t softmax_t(scale * q[b, h] . k[r, h, t]) v[r, h, t]
// over valid t, r = kv_rows[b]; a row with no valid key gives zeros. If
// `probs` is given it receives the probabilities [B, H, T] (zeros at invalid
// keys).
//
// Why kv_rows: the beams of one sentence attend the same encoder output, so
// beam search keeps one cross-attention cache per sentence instead of one
// per beam (beam times less memory to read every step).
torch::Tensor single_query_attention(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v, const torch::Tensor& valid,
                                     double scale, torch::Tensor* probs = nullptr,
                                     const torch::Tensor& kv_rows = {},
                                     bool valid_per_query = false);

// The same maths with index_select, matmul and an explicit mask, in double
// precision.
torch::Tensor single_query_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                               const torch::Tensor& v, const torch::Tensor& valid,
                                               double scale, torch::Tensor* probs = nullptr,
                                               const torch::Tensor& kv_rows = {},
                                               bool valid_per_query = false);

}  // namespace swt::kernels
