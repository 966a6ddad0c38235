#include "nn/dense_attention.h"

#include <cmath>

#include "kernels/single_query_attention.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/masked_softmax.h"
#include "util/error.h"

namespace swt::nn {

DenseAttentionImpl::DenseAttentionImpl(const AttentionOptions& options)
    : heads_(options.heads), d_head_(options.d_model / options.heads), dropout_(options.dropout) {
  if (options.d_model % options.heads != 0)
    fail("d_model (" + std::to_string(options.d_model) + ") must be divisible by heads (" +
         std::to_string(options.heads) + ")");
  const int64_t inner = heads_ * d_head_;
  q_linear_ = register_module("q_linear", torch::nn::Linear(options.d_model, inner));
  k_linear_ = register_module("k_linear", torch::nn::Linear(options.d_model, inner));
  v_linear_ = register_module("v_linear", torch::nn::Linear(options.d_model, inner));
  fc_out_ = register_module("fc_out", torch::nn::Linear(inner, options.d_model));
}

torch::Tensor DenseAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, d_head_}).transpose(1, 2);
}

torch::Tensor DenseAttentionImpl::allowed_keys(const AttentionMask& mask, int64_t tq,
                                               int64_t tk) const {
  // [B, 1, 1, Tk] from padding, combined with [1, 1, Tq, Tk] for causality.
  auto allowed = mask.key_valid.view({mask.key_valid.size(0), 1, 1, tk});
  if (mask.causal) {
    auto opts = torch::TensorOptions().dtype(torch::kLong).device(allowed.device());
    auto q_pos = torch::arange(mask.query_offset, mask.query_offset + tq, opts).view({tq, 1});
    auto k_pos = torch::arange(tk, opts).view({1, tk});
    allowed = allowed.logical_and(k_pos.le(q_pos).view({1, 1, tq, tk}));
  }
  return allowed;
}

// A decoding step: one query per sequence that may see every key it is
// given (causal masking allows all keys when the query is the last
// position), no gradients and no dropout. Then the fused CPU kernel applies.
bool DenseAttentionImpl::single_query_step(const torch::Tensor& q, const torch::Tensor& k,
                                           const AttentionMask& mask) const {
  const bool needs_grad = torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad());
  return q.size(2) == 1 && !needs_grad && !is_training() && q.device().is_cpu() &&
         q.scalar_type() == torch::kFloat && k.scalar_type() == torch::kFloat &&
         (!mask.causal || mask.query_offset == k.size(2) - 1);
}

torch::Tensor DenseAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& memory,
                                          const AttentionMask& mask, AttentionCache* cache,
                                          torch::Tensor* weights) {
  const int64_t batch = query.size(0), tq = query.size(1);
  auto q = split_heads(linear(query, q_linear_));
  torch::Tensor k, v;
  if (cache && cache->is_static && !cache->empty()) {
    k = cache->key;
    v = cache->value;
  } else {
    k = split_heads(linear(memory, k_linear_));
    v = split_heads(linear(memory, v_linear_));
    if (cache && !cache->is_static) {
      cache->append(k, v);
      k = cache->key;
      v = cache->value;
    } else if (cache) {
      // Contiguous, so that decoding steps read the static cross-attention
      // cache in place (the single-query kernel reads [T, D] rows).
      cache->key = k.contiguous();
      cache->value = v.contiguous();
    }
  }
  const int64_t tk = k.size(2);
  if (single_query_step(q, k, mask)) {
    torch::Tensor probs;
    auto out = kernels::single_query_attention(q.reshape({batch, heads_, d_head_}), k, v,
                                               mask.key_valid, 1.0 / std::sqrt(double(d_head_)),
                                               weights ? &probs : nullptr, mask.key_rows);
    if (weights) *weights = probs.mean(1).unsqueeze(1);
    return linear(out.view({batch, 1, heads_ * d_head_}), fc_out_);
  }
  AttentionMask per_row = mask;
  expand_key_rows(k, v, per_row);
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d_head_));
  auto probs = masked_softmax(scores, allowed_keys(per_row, tq, tk));
  if (weights) *weights = probs.mean(1);
  auto out = torch::matmul(nn::dropout(probs, dropout_, is_training()), v);
  out = out.transpose(1, 2).contiguous().view({batch, tq, heads_ * d_head_});
  return linear(out, fc_out_);
}

}  // namespace swt::nn
