// `switch` attention (SPEC section 4, docs/switch-attention.md): fine heads see
// a local window plus the top-k most relevant segments at medium resolution,
// coarse heads see the whole sequence through pooled memory slots whose size
// r(n) switches with the sequence length. Cost per query is bounded, so the
// layer is linear in n; short sentences get exact attention.
#pragma once

#include <optional>
#include <vector>

#include "nn/attention.h"
#include "nn/switch_layout.h"

namespace swt::nn {

struct SwitchCall {
  SwitchMode mode = SwitchMode::kBidirectional;
  SwitchGeometry geometry;
  int64_t fine_heads = 0;    // heads [0, fine_heads) are fine, the rest coarse
  int64_t query_offset = 0;  // self-attention: query t is key query_offset + t
  double dropout = 0;        // on attention probabilities (only when > 0)
};

// The attention of already projected heads. q: [B, Tq, H, d]; k, v: [B, Tk, H, d];
// key_valid: [B, Tk] bool; bias_table: [H, levels * (2 * rel_clip + 1)] (self
// modes) or [H, 0] (cross). Padding is packed away first: it costs nothing, and
// padding queries of self-attention give zeros. Returns [B, Tq, H, d]. If
// `weights` is not null it receives head-averaged probabilities [B, Tq, Tk], a
// pooled slot's probability spread evenly over its tokens.
torch::Tensor switch_attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v, const torch::Tensor& key_valid,
                                     const torch::Tensor& bias_table, const SwitchCall& call,
                                     torch::Tensor* weights = nullptr);

// The packed keys of a batch of sequences and their pooled memory bank: what every
// query of switch attention reads. Cross-attention builds it once per batch of source
// sentences when decoding (SwitchAttentionImpl::forward with a static cache).
struct SwitchBank {
  PoolPlan plan;
  torch::Tensor k, v;             // [H, rows, d]: tokens, then pooled slots
  std::vector<int64_t> lengths;   // valid keys per sequence
  std::vector<int64_t> key_rows;  // flat s * Tk + t of every packed key
  std::vector<int64_t> rank;      // [S * Tk]: position among sequence s's keys, -1 = padding
  int64_t tk = 0;
};

// k, v: [S, Tk, H, d]; key_valid: [S, Tk] bool.
SwitchBank make_switch_bank(const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& key_valid, const SwitchGeometry& geometry);

// switch_attention_heads over a built bank; query row b reads sequence seq_of_row[b]
// (row b when empty), so the beams of a sentence share its bank.
torch::Tensor switch_attend_bank(const torch::Tensor& q, const SwitchBank& bank,
                                 const std::vector<int64_t>& seq_of_row,
                                 const torch::Tensor& bias_table, const SwitchCall& call,
                                 torch::Tensor* weights = nullptr);

class SwitchSelfBank;
// Causal self-attention of the last q.size(1) positions of every row over the
// decoding bank of a cache (call.query_offset: the first query's position).
torch::Tensor switch_attend_self_bank(const torch::Tensor& q, const SwitchSelfBank& bank,
                                      const torch::Tensor& bias_table, const SwitchCall& call);

SwitchGeometry switch_geometry(const AttentionOptions& options);
int64_t switch_fine_heads(const AttentionOptions& options);

class SwitchAttentionImpl : public AttentionImpl {
 public:
  SwitchAttentionImpl(const AttentionOptions& options, AttentionKind role);

  torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& memory,
                        const AttentionMask& mask, AttentionCache* cache,
                        torch::Tensor* weights) override;

  // Learned relative-position bias [H, levels * (2 * rel_clip + 1)]; empty [H, 0] for cross.
  const torch::Tensor& rel_bias() const { return rel_bias_; }
  int64_t fine_heads() const { return fine_heads_; }
  const SwitchGeometry& geometry() const { return geometry_; }
  // Cross-attention decoding banks built so far (each serves all steps and beams of
  // its sentences).
  int64_t cross_banks_built() const { return banks_built_; }

 private:
  torch::Tensor split_heads(const torch::Tensor& x) const;  // [B,T,D] -> [B,T,H,Dh]
  // Projected keys and values [B, Tk, H, Dh], through the cache when there is one.
  std::pair<torch::Tensor, torch::Tensor> keys_values(const torch::Tensor& memory,
                                                      AttentionCache* cache);
  // Cross-attention decoding: the bank of the static cache's sentences, rebuilt only
  // when the cache's key tensor is another one (a new batch, or rows selected).
  const SwitchBank& cross_bank(const AttentionCache& cache, const torch::Tensor& key_valid);
  // Self-attention decoding: the cache's growing bank, brought up to date.
  SwitchSelfBank& self_bank(AttentionCache& cache);

  using WeakTensor = c10::weak_intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>;

  AttentionKind role_;
  int64_t heads_, d_head_, fine_heads_;
  double dropout_;
  SwitchGeometry geometry_;
  torch::nn::Linear q_linear_{nullptr}, k_linear_{nullptr}, v_linear_{nullptr}, fc_out_{nullptr};
  torch::Tensor rel_bias_;
  std::optional<SwitchBank> bank_;
  int64_t banks_built_ = 0;
  WeakTensor bank_source_{c10::intrusive_ptr<c10::TensorImpl, c10::UndefinedTensorImpl>()};
};

}  // namespace swt::nn
