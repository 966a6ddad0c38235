// The attention interface every kind of attention implements (`vanilla` dense
// attention here, `switch` attention in its own files). Layers only talk to
// this interface, so a new attention plugs in through make_attention().
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

namespace swt::nn {

// Which keys a query may see.
struct AttentionMask {
  torch::Tensor key_valid;   // [B, Tk] bool, true = real token (false = padding)
  bool causal = false;       // query at position p sees keys at positions <= p
  int64_t query_offset = 0;  // position of the first query (incremental decoding)
};

// Incremental-decoding state of one attention layer for one batch of hypotheses.
struct AttentionCache {
  torch::Tensor key;       // [B, H, T, Dh] projected keys seen so far
  torch::Tensor value;     // [B, H, T, Dh]
  bool is_static = false;  // cross-attention: keys/values computed once from the encoder

  bool empty() const { return !key.defined(); }
  // Keeps the rows `index` (beam search reordering / finished hypotheses leaving).
  void select(const torch::Tensor& index);
};

enum class AttentionKind { kSelf, kCross };

class AttentionImpl : public torch::nn::Module {
 public:
  // query: [B, Tq, D]; memory: [B, Tk, D] (the query itself for self-attention).
  // With a cache, self-attention appends this step's keys/values and attends over
  // all of them; cross-attention computes them once. If `weights` is not null it
  // receives the head-averaged attention probabilities [B, Tq, Tk].
  virtual torch::Tensor forward(const torch::Tensor& query, const torch::Tensor& memory,
                                const AttentionMask& mask, AttentionCache* cache,
                                torch::Tensor* weights) = 0;
};

struct AttentionOptions {
  std::string kind = "vanilla";  // which implementation
  int64_t d_model = 512;
  int64_t heads = 8;
  double dropout = 0.1;  // on attention probabilities
  // `switch` only (SPEC section 4, docs/switch-attention.md). 0 heads in both
  // groups = split evenly (fine heads get the odd one).
  int64_t fine_heads = 0;
  int64_t coarse_heads = 0;
  int64_t memory_slots = 64;  // coarse slots per sequence (before max_segment clamps r)
  int64_t max_segment = 256;  // largest segment size r (power of two)
  int64_t zoom = 4;           // medium sub-slots per segment (power of two)
  int64_t window = 16;        // local window of the fine heads
  int64_t top_k = 4;          // segments each fine-head query zooms into
  int64_t rel_clip = 16;      // relative distances are clipped to [-rel_clip, rel_clip]
};

std::shared_ptr<AttentionImpl> make_attention(const AttentionOptions& options, AttentionKind role);

}  // namespace swt::nn
