// The attention interface every kind of attention implements (`vanilla` dense
// attention here, `switch` attention in its own files). Layers only talk to
// this interface, so a new attention plugs in through make_attention().
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <utility>

namespace swt::nn {

// Which keys a query may see.
struct AttentionMask {
  AttentionMask() = default;
  AttentionMask(torch::Tensor key_valid, bool causal, int64_t query_offset,
                torch::Tensor key_rows = {})
      : key_valid(std::move(key_valid)),
        causal(causal),
        query_offset(query_offset),
        key_rows(std::move(key_rows)) {}

  torch::Tensor key_valid;   // [B, Tk] bool, true = real token (false = padding)
  bool causal = false;       // query at position p sees keys at positions <= p
  int64_t query_offset = 0;  // position of the first query (incremental decoding)
  // [B] long or undefined: query row b attends key row key_rows[b] of the
  // memory, its key_valid and its cache (undefined: row b). Beam search uses
  // it so that the beams of a sentence share one cross-attention cache.
  torch::Tensor key_rows;
};

// For attention that needs one key row per query row: applies mask.key_rows
// to keys and values ([N, ...] -> [B, ...]) and to key_valid, then clears it.
void expand_key_rows(torch::Tensor& k, torch::Tensor& v, AttentionMask& mask);

// What an attention kind keeps beside a cache's keys and values (switch
// self-attention: its pooled bank, nn/switch_self_bank.h). It follows the
// cache's row selection and truncation.
struct AttentionCacheExtra {
  virtual ~AttentionCacheExtra() = default;
  virtual void select(const torch::Tensor& index) = 0;
  virtual void truncate(int64_t length) = 0;
};

// Incremental-decoding state of one attention layer for one batch of hypotheses.
struct AttentionCache {
  torch::Tensor key;       // [B, H, T, Dh] projected keys seen so far
  torch::Tensor value;     // [B, H, T, Dh]
  bool is_static = false;  // cross-attention: keys/values computed once from the encoder

  bool empty() const { return !key.defined(); }
  // Keeps the rows `index` (beam search reordering / finished hypotheses leaving).
  void select(const torch::Tensor& index);
  // Self-attention: appends [B, H, t, Dh] keys and values. key/value become
  // views of storage that grows geometrically, so a decoding step copies
  // only its own t positions (growing by `cat` copied all T every step).
  void append(const torch::Tensor& k, const torch::Tensor& v);
  // Self-attention: keeps the first `length` positions, in place (speculative
  // decoding drops the draft positions it wrote).
  void truncate(int64_t length);
  int64_t length() const { return empty() ? 0 : key.size(2); }

  std::shared_ptr<AttentionCacheExtra> extra;  // owned by the attention layer's kind

 private:
  torch::Tensor key_store_, value_store_;  // [B, H, capacity, Dh]
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
