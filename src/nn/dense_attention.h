// Dense multi-head attention, exactly the article's MultiHeadAttention
// (q/k/v linears, scaled dot product, masked softmax, dropout, fc_out), with a
// KV cache for incremental decoding. The `vanilla` baseline.
#pragma once

#include "nn/attention.h"

namespace swt::nn {

class DenseAttentionImpl : public AttentionImpl {
 public:
  explicit DenseAttentionImpl(const AttentionOptions& options);

  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& memory,
                        const AttentionMask& mask, AttentionCache* cache,
                        torch::Tensor* weights) override;

 private:
  torch::Tensor split_heads(const torch::Tensor& x) const;  // [B,T,D] -> [B,H,T,Dh]
  torch::Tensor allowed_keys(const AttentionMask& mask, int64_t tq, int64_t tk) const;
  bool kernel_applies(const torch::Tensor& q, const torch::Tensor& k,
                      const AttentionCache* cache) const;
  torch::Tensor kernel_attention(const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, const AttentionMask& mask,
                                 torch::Tensor* weights) const;

  int64_t heads_;
  int64_t d_head_;
  torch::nn::Linear q_linear_{nullptr}, k_linear_{nullptr}, v_linear_{nullptr}, fc_out_{nullptr};
  double dropout_;  // on attention probabilities
};

}  // namespace swt::nn
