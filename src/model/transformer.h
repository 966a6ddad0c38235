// Pre-LN encoder-decoder Transformer (Vaswani et al. 2017 with the layer norm
// moved before each sublayer). Attention comes from nn::make_attention, so the
// same stack runs `vanilla` or any other attention kind.
#pragma once

#include <torch/torch.h>

#include <optional>
#include <vector>

#include "model/depth.h"
#include "model/model_config.h"
#include "nn/attention.h"
#include "nn/dropout.h"
#include "nn/feed_forward.h"
#include "nn/moe.h"

namespace swt::model {

struct EncoderOutput {
  torch::Tensor hidden;  // [N, S, D], after the final layer norm
  torch::Tensor valid;   // [N, S] bool, false on padding
  torch::Tensor depth;   // [N] long: encoder layers each sequence went through
  // [B] long or undefined: decoder row b reads encoded sequence rows[b]
  // (undefined: B = N, row b reads sequence b).
  torch::Tensor rows;
  // Keeps the decoder rows `index` (beam search reordering, finished
  // sentences leaving). Only `rows` changes: the encoded sequences, and the
  // cross-attention caches computed from them, are never copied per beam.
  void select(const torch::Tensor& index);
  // rows, or the identity when undefined.
  torch::Tensor row_index() const;
};

// Per-layer incremental state of the decoder for one batch of hypotheses.
struct DecoderState {
  std::vector<nn::AttentionCache> self;
  std::vector<nn::AttentionCache> cross;  // one row per encoded sequence (EncoderOutput::rows)
  int64_t columns = 0;  // self-attention cache columns, the same in every row and layer
  // [B, columns] bool: false where a row dropped a column (a draft token
  // speculative decoding rejected; masked from then on). Undefined while
  // every row keeps every column, as in plain decoding.
  torch::Tensor kept;

  // Keeps the decoder rows `index`: the self-attention caches only.
  void select(const torch::Tensor& index);
  // Drops the columns from `columns` on, in every layer.
  void truncate(int64_t columns);
  // Row b keeps only the first keep[b] of the columns from `from` on; the
  // trailing columns no row keeps are dropped.
  void keep_prefixes(int64_t from, const std::vector<int64_t>& keep);
  // [rows] long: the position of each row's next token (the columns it kept).
  torch::Tensor next_positions(int64_t rows) const;
};

// A layer's feed-forward sublayer: nn::FeedForward, or nn::MoeFeedForward in
// the layers ModelConfig::moe_layer picks; registered as "ffn" either way.
class FeedForwardSlot {
 public:
  void build(torch::nn::Module& layer, const ModelConfig& c, int64_t index);
  // x [..., D]; valid [...] bool: the real tokens (the MoE routes only those;
  // undefined: all). While training, a MoE keeps what it routed for take_stats.
  torch::Tensor operator()(const torch::Tensor& x, const torch::Tensor& valid, bool training);
  bool is_moe() const { return !moe_.is_empty(); }
  nn::MoeFeedForward moe() const { return moe_; }  // null for a dense FFN
  // The MoE stats of the last training pass since the last call, if any.
  std::optional<nn::MoeStats> take_stats();

 private:
  nn::FeedForward dense_{nullptr};
  nn::MoeFeedForward moe_{nullptr};
  std::optional<nn::MoeStats> stats_;
};

class EncoderLayerImpl : public torch::nn::Module {
 public:
  // `index`: the layer's place in its stack (ModelConfig::moe_layer).
  explicit EncoderLayerImpl(const ModelConfig& c, int64_t index = 0);
  torch::Tensor forward(const torch::Tensor& x, const nn::AttentionMask& mask);
  FeedForwardSlot& feed_forward() { return ffn_; }

 private:
  std::shared_ptr<nn::AttentionImpl> self_attn_;
  torch::nn::LayerNorm ln_attn_{nullptr}, ln_ffn_{nullptr};
  FeedForwardSlot ffn_;
  double dropout_ = 0;  // residual (and embedding) dropout, applied by drop()
  torch::Tensor drop(const torch::Tensor& x) { return nn::dropout(x, dropout_, is_training()); }
};
TORCH_MODULE(EncoderLayer);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  // `index`: the layer's place in its stack (ModelConfig::moe_layer).
  explicit DecoderLayerImpl(const ModelConfig& c, int64_t index = 0);
  // Only the rows `active` (sorted; undefined = all) go through the layer and
  // come back. Self-attention still runs for every row of `x`, so with a
  // cache every layer gets every row's keys and values (a token that exited
  // early holds its exit state, copied upward). `cross_weights`, if not null,
  // receives the active rows' cross-attention probabilities [A, T, S].
  // `valid` [B, T] bool: the real (non-padding) tokens of x, for a MoE FFN.
  torch::Tensor forward(const torch::Tensor& x, const nn::AttentionMask& self_mask,
                        const EncoderOutput& memory, nn::AttentionCache* self_cache,
                        nn::AttentionCache* cross_cache, torch::Tensor* cross_weights,
                        const torch::Tensor& active = {}, const torch::Tensor& valid = {});

  // Fills the static cross-attention cache from the encoder output.
  void prime_cross_cache(const EncoderOutput& memory, nn::AttentionCache& cross_cache);
  FeedForwardSlot& feed_forward() { return ffn_; }

 private:
  std::shared_ptr<nn::AttentionImpl> self_attn_, cross_attn_;
  torch::nn::LayerNorm ln_self_{nullptr}, ln_cross_{nullptr}, ln_ffn_{nullptr};
  FeedForwardSlot ffn_;
  double dropout_ = 0;  // residual (and embedding) dropout, applied by drop()
  torch::Tensor drop(const torch::Tensor& x) { return nn::dropout(x, dropout_, is_training()); }
};
TORCH_MODULE(DecoderLayer);

class TransformerImpl : public torch::nn::Module {
 public:
  explicit TransformerImpl(const ModelConfig& c);

  const ModelConfig& config() const { return config_; }

  // src: [B, S] token ids (kPad = 0 is padding). With depth options, each
  // sequence stops at the layer its policy picks and leaves the batch.
  EncoderOutput encode(const torch::Tensor& src, const DepthOptions* depth = nullptr);

  // tgt_in: [B, T] ids starting with <s>. Without a state the whole prefix is
  // processed causally (training); with one, tgt_in holds only the new tokens
  // and the state is updated (incremental decoding). Returns logits [B, T, V].
  torch::Tensor decode(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                       DecoderState* state = nullptr, torch::Tensor* cross_weights = nullptr);
  // decode() without the output projection: the normalised states [B, T, D].
  torch::Tensor decode_hidden(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                              DecoderState* state = nullptr,
                              torch::Tensor* cross_weights = nullptr);

  torch::Tensor forward(const torch::Tensor& src, const torch::Tensor& tgt_in);

  // One incremental decoding step with per-token exits (SPEC section 5).
  // `exit_layer` (if not null) receives [B] long: the layer each row exited at.
  torch::Tensor decode_step(const torch::Tensor& tokens, const EncoderOutput& memory,
                            DecoderState& state, const DepthOptions& depth,
                            torch::Tensor* cross_weights, torch::Tensor* exit_layer);

  // Training with exits: the decoder's normalised states after every layer.
  std::vector<torch::Tensor> decode_exits(const torch::Tensor& tgt_in, const EncoderOutput& memory);
  // LayerSkip's layer dropout (train.layer_dropout): in training mode, each
  // sentence skips decoder layer l (its state passes through unchanged) with
  // probability layer_dropout_rate(l, layers, rate). Never in eval mode or
  // incremental decoding.
  void set_layer_dropout(double rate) { layer_dropout_ = rate; }
  // The first `layers` decoder layers only, read out through the shared exit
  // (decoder_ln and the output projection): the draft of speculative
  // decoding. Writes those layers' caches alone; the caller truncates them.
  // With `vocabulary` > 0 only the first `vocabulary` target ids are scored
  // (a shortlist: vocabularies are sorted by frequency, and a draft only
  // needs to propose likely words).
  torch::Tensor decode_draft(const torch::Tensor& tokens, const EncoderOutput& memory,
                             DecoderState& state, int64_t layers, int64_t vocabulary = 0);
  // Encoder output after each layer (normalised), for halting-unit training.
  std::vector<torch::Tensor> encode_exits(const torch::Tensor& src);
  // Logits from normalised decoder states.
  torch::Tensor logits(const torch::Tensor& normalised);

  // Halting probabilities (model.adaptive_depth): encoder, per sequence [B]
  // from the normalised layer-l output; decoder, per token, from normalised states.
  torch::Tensor encoder_halting(int64_t layer, const torch::Tensor& normalised,
                                const torch::Tensor& valid);
  torch::Tensor decoder_halting(int64_t layer, const torch::Tensor& normalised);
  std::vector<torch::Tensor> halting_parameters();

  DecoderState initial_state() const;

  // model.ffn: moe. The stats of every MoE layer (encoder, then decoder) from
  // the last training forward pass, taken once: the losses are
  // differentiable. A layer that pass skipped (adaptive depth) gives zeros.
  std::vector<nn::MoeStats> take_moe_stats();
  int64_t moe_layers() const;
  // The MoE feed-forward modules (encoder, then decoder), e.g. to split their
  // experts among processes.
  std::vector<nn::MoeFeedForward> moe_feed_forwards();

 private:
  // Every layer's feed-forward slot, encoder then decoder.
  std::vector<FeedForwardSlot*> feed_forward_slots();

  // What one pass through the decoder stack computes besides its output.
  struct DecoderPass {
    DecoderState* state = nullptr;                     // incremental decoding; null: whole prefix
    int64_t layers = 0;                                // run the first `layers` only (0: all)
    const DepthOptions* exits = nullptr;               // per-token early exits (one token per row)
    std::vector<torch::Tensor>* every_exit = nullptr;  // normalised state after each layer
    torch::Tensor* cross_weights = nullptr;            // [B, T, S]: each row's last layer
    torch::Tensor* exit_layer = nullptr;               // [B] long: layers each row went through
  };
  // The one decoder loop: training, decoding steps, verification passes,
  // drafts and per-token exits. Returns the normalised states [B, T, D].
  torch::Tensor run_decoder(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                            DecoderPass& pass);
  // Rows that stop after layer l (of the active rows, CPU bool), for per-token exits.
  torch::Tensor exiting_rows(int64_t l, int64_t last, const DepthOptions& depth,
                             const torch::Tensor& y);
  torch::Tensor embed(torch::nn::Embedding& table, const torch::Tensor& ids, int64_t offset);
  torch::Tensor embed_target(const torch::Tensor& ids, const DecoderState* state);
  torch::Tensor output_logits(const torch::Tensor& h, int64_t vocabulary = 0);

  ModelConfig config_;
  torch::nn::Embedding src_embed_{nullptr}, tgt_embed_{nullptr};
  torch::nn::ModuleList encoder_layers_{nullptr}, decoder_layers_{nullptr};
  torch::nn::LayerNorm encoder_ln_{nullptr}, decoder_ln_{nullptr};
  torch::nn::Linear output_{nullptr};                                    // only when not tied
  torch::nn::ModuleList encoder_halt_{nullptr}, decoder_halt_{nullptr};  // adaptive depth only
  double dropout_ = 0;  // residual (and embedding) dropout, applied by drop()
  torch::Tensor drop(const torch::Tensor& x) { return nn::dropout(x, dropout_, is_training()); }
  double layer_dropout_ = 0;  // see set_layer_dropout
  // The rows that run decoder layer l this pass (CPU long), or an undefined
  // tensor for all of them.
  torch::Tensor rows_kept_by_layer_dropout(int64_t l, int64_t layers, int64_t rows);
};
TORCH_MODULE(Transformer);

// LayerSkip (Elhoushi et al. 2024): the skip probability of decoder layer l
// (0-based) of `layers` rises exponentially with depth, from 0 at the first
// layer to `rate` at the last: rate * (2^(l / (layers - 1)) - 1).
double layer_dropout_rate(int64_t l, int64_t layers, double rate);

}  // namespace swt::model
