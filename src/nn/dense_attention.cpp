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

// Decoding (a cache, no gradients, no dropout, float32 on the CPU): the fused
// kernel applies, one query row at a time. Every query is then computed the
// same way whether it comes alone (a step) or with others (speculative
// verification of k positions), so both give the same bits.
bool DenseAttentionImpl::kernel_applies(const torch::Tensor& q, const torch::Tensor& k,
                                        const AttentionCache* cache) const {
  const bool needs_grad = torch::GradMode::is_enabled() && (q.requires_grad() || k.requires_grad());
  return cache && !needs_grad && !is_training() && q.device().is_cpu() &&
         q.scalar_type() == torch::kFloat && k.scalar_type() == torch::kFloat;
}

// q [B, H, Tq, Dh] -> [B, Tq, H * Dh] with the single-query kernel.
torch::Tensor DenseAttentionImpl::kernel_attention(const torch::Tensor& q, const torch::Tensor& k,
                                                   const torch::Tensor& v,
                                                   const AttentionMask& mask,
                                                   torch::Tensor* weights) const {
  const int64_t batch = q.size(0), tq = q.size(2), tk = k.size(2);
  const double scale = 1.0 / std::sqrt(static_cast<double>(d_head_));
  torch::Tensor probs, out;
  auto* want = weights ? &probs : nullptr;
  if (tq == 1 && (!mask.causal || mask.query_offset == tk - 1)) {
    // One query that may see every key its row has: the key mask as it is.
    out = kernels::single_query_attention(q.reshape({batch, heads_, d_head_}), k, v, mask.key_valid,
                                          scale, want, mask.key_rows);
  } else {
    // Query (b, t) becomes row b * Tq + t, reading key row rows[b] under its
    // own mask: the key row's padding, and causality for self-attention.
    const auto cpu_long = torch::TensorOptions().dtype(torch::kLong);
    auto rows = torch::arange(batch, cpu_long).repeat_interleave(tq);
    if (mask.key_rows.defined()) rows = mask.key_rows.cpu().index_select(0, rows);
    auto valid = mask.key_valid.defined()
                     ? mask.key_valid.cpu().to(torch::kBool).index_select(0, rows)
                     : torch::ones({batch * tq, tk}, torch::kBool);
    if (mask.causal) {
      auto q_pos = torch::arange(mask.query_offset, mask.query_offset + tq, cpu_long).view({tq, 1});
      auto causal = torch::arange(tk, cpu_long).view({1, tk}).le(q_pos);
      valid = valid.view({batch, tq, tk}).logical_and(causal.unsqueeze(0)).view({batch * tq, tk});
    }
    auto queries = q.transpose(1, 2).reshape({batch * tq, heads_, d_head_});
    out = kernels::single_query_attention(queries, k, v, valid, scale, want, rows.to(q.device()),
                                          /*valid_per_query=*/true);
  }
  if (weights) *weights = probs.mean(1).view({batch, tq, tk});
  return out.view({batch, tq, heads_ * d_head_});
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
  if (kernel_applies(q, k, cache)) return linear(kernel_attention(q, k, v, mask, weights), fc_out_);
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
