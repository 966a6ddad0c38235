#include "model/transformer.h"

#include <algorithm>
#include <cmath>

#include "nn/linear.h"
#include "nn/positional_encoding.h"
#include "util/error.h"

namespace swt::model {

namespace {

constexpr int64_t kPadId = 0;

nn::AttentionOptions attention_options(const ModelConfig& c) {
  nn::AttentionOptions o{c.attention, c.d_model, c.heads, c.attention_dropout};
  o.fine_heads = c.fine_heads;
  o.coarse_heads = c.coarse_heads;
  o.memory_slots = c.memory_slots;
  o.max_segment = c.max_segment;
  o.zoom = c.zoom;
  o.window = c.window;
  o.top_k = c.top_k;
  o.rel_clip = c.rel_clip;
  return o;
}

torch::nn::LayerNorm layer_norm(const ModelConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model}));
}

}  // namespace

void EncoderOutput::select(const torch::Tensor& index) {
  rows = row_index().index_select(0, index.to(hidden.device()));
}

torch::Tensor EncoderOutput::row_index() const {
  if (rows.defined()) return rows;
  return torch::arange(hidden.size(0),
                       torch::TensorOptions().dtype(torch::kLong).device(hidden.device()));
}

void DecoderState::select(const torch::Tensor& index) {
  for (auto& c : self) c.select(index);
  if (kept.defined()) kept = kept.index_select(0, index.to(kept.device()));
}

void DecoderState::truncate(int64_t new_columns) {
  if (new_columns < 0 || new_columns > columns)
    fail("DecoderState::truncate: cannot keep " + std::to_string(new_columns) + " of " +
         std::to_string(columns) + " columns");
  for (auto& c : self)
    if (c.length() > new_columns) c.truncate(new_columns);
  if (kept.defined()) kept = kept.narrow(1, 0, new_columns);
  columns = new_columns;
}

void DecoderState::keep_prefixes(int64_t from, const std::vector<int64_t>& keep) {
  if (from < 0 || from > columns) fail("DecoderState::keep_prefixes: column out of range");
  const auto rows = static_cast<int64_t>(keep.size());
  auto mask = kept.defined() ? kept : torch::ones({rows, columns}, torch::kBool);
  int64_t last = from;  // one past the last column any row keeps
  for (int64_t b = 0; b < rows; ++b) {
    const int64_t end = from + std::clamp<int64_t>(keep[b], 0, columns - from);
    if (end < columns) mask[b].narrow(0, end, columns - end).fill_(false);
    last = std::max(last, end);
  }
  kept = mask.all().item<bool>() ? torch::Tensor() : mask;
  truncate(last);
}

torch::Tensor DecoderState::next_positions(int64_t rows) const {
  if (kept.defined()) return kept.sum(1).to(torch::kLong).cpu();
  return torch::full({rows}, columns, torch::TensorOptions().dtype(torch::kLong));
}

void FeedForwardSlot::build(torch::nn::Module& layer, const ModelConfig& c, int64_t index) {
  if (!c.moe_layer(index)) {
    dense_ =
        layer.register_module("ffn", nn::FeedForward(c.d_model, c.d_ff, c.dropout, c.activation));
    return;
  }
  nn::MoeOptions o;
  o.d_model = c.d_model;
  o.d_ff = c.d_ff;
  o.experts = c.experts;
  o.activation = c.activation;
  o.dropout = c.dropout;
  o.expert_dropout = c.expert_dropout;
  o.capacity_factor = c.capacity_factor;
  o.eval_capacity_factor = c.eval_capacity_factor;
  o.router_jitter = c.router_jitter;
  moe_ = layer.register_module("ffn", nn::MoeFeedForward(o));
}

torch::Tensor FeedForwardSlot::operator()(const torch::Tensor& x, const torch::Tensor& valid,
                                          bool training) {
  if (!is_moe()) return dense_(x);  // FeedForward applies its own output dropout
  // Stats only while training: inference may run the model on several
  // threads at once, and nothing reads them there.
  if (!training) return moe_->forward(x, valid);
  nn::MoeStats stats;
  auto y = moe_->forward(x, valid, &stats);
  stats_ = std::move(stats);
  return y;
}

std::optional<nn::MoeStats> FeedForwardSlot::take_stats() {
  auto out = std::move(stats_);
  stats_.reset();
  return out;
}

EncoderLayerImpl::EncoderLayerImpl(const ModelConfig& c, int64_t index) {
  self_attn_ = register_module("self_attn",
                               nn::make_attention(attention_options(c), nn::AttentionKind::kSelf));
  ln_attn_ = register_module("ln_attn", layer_norm(c));
  ffn_.build(*this, c, index);
  ln_ffn_ = register_module("ln_ffn", layer_norm(c));
  dropout_ = c.dropout;
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const nn::AttentionMask& mask) {
  auto h = ln_attn_(x);
  auto y = x + drop(self_attn_->forward(h, h, mask, nullptr, nullptr));
  return y + ffn_(ln_ffn_(y), mask.key_valid, is_training());
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c, int64_t index) {
  self_attn_ = register_module("self_attn",
                               nn::make_attention(attention_options(c), nn::AttentionKind::kSelf));
  cross_attn_ = register_module(
      "cross_attn", nn::make_attention(attention_options(c), nn::AttentionKind::kCross));
  ln_self_ = register_module("ln_self", layer_norm(c));
  ln_cross_ = register_module("ln_cross", layer_norm(c));
  ffn_.build(*this, c, index);
  ln_ffn_ = register_module("ln_ffn", layer_norm(c));
  dropout_ = c.dropout;
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const nn::AttentionMask& self_mask,
                                        const EncoderOutput& memory, nn::AttentionCache* self_cache,
                                        nn::AttentionCache* cross_cache,
                                        torch::Tensor* cross_weights, const torch::Tensor& active,
                                        const torch::Tensor& valid) {
  auto h = ln_self_(x);
  auto y = x + drop(self_attn_->forward(h, h, self_mask, self_cache, nullptr));
  nn::AttentionMask cross_mask{memory.valid, false, 0, memory.rows};
  if (active.defined()) {
    // The active rows read their sentences' cross-attention cache rows in place.
    y = y.index_select(0, active);
    cross_mask.key_rows = memory.row_index().index_select(0, active);
  }
  y = y + drop(cross_attn_->forward(ln_cross_(y), memory.hidden, cross_mask, cross_cache,
                                    cross_weights));
  auto real = valid.defined() && active.defined() ? valid.index_select(0, active) : valid;
  return y + ffn_(ln_ffn_(y), real, is_training());
}

void DecoderLayerImpl::prime_cross_cache(const EncoderOutput& memory,
                                         nn::AttentionCache& cross_cache) {
  // Attention computes a static cache on first use; one dummy query does that.
  auto query =
      torch::zeros({memory.hidden.size(0), 1, memory.hidden.size(2)}, memory.hidden.options());
  nn::AttentionMask mask{memory.valid, false, 0};
  cross_attn_->forward(query, memory.hidden, mask, &cross_cache, nullptr);
}

TransformerImpl::TransformerImpl(const ModelConfig& c) : config_(c) {
  config_.validate();
  auto embedding = [&](int64_t vocab) {
    return torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab, c.d_model).padding_idx(kPadId));
  };
  tgt_embed_ = register_module("tgt_embed", embedding(c.tgt_vocab_size));
  src_embed_ =
      c.share_embeddings ? tgt_embed_ : register_module("src_embed", embedding(c.src_vocab_size));
  // Transformer-base initialisation: N(0, d^-1/2) embeddings (they are scaled by
  // sqrt(d) on input), zero padding row.
  for (auto* table : {&src_embed_, &tgt_embed_}) {
    torch::NoGradGuard no_grad;
    (*table)->weight.normal_(0.0, std::pow(static_cast<double>(c.d_model), -0.5));
    (*table)->weight[kPadId].zero_();
  }
  encoder_layers_ = register_module("encoder", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.encoder_layers; ++i) encoder_layers_->push_back(EncoderLayer(c, i));
  decoder_layers_ = register_module("decoder", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.decoder_layers; ++i) decoder_layers_->push_back(DecoderLayer(c, i));
  encoder_ln_ = register_module("encoder_ln", layer_norm(c));
  decoder_ln_ = register_module("decoder_ln", layer_norm(c));
  if (!c.tie_output)
    output_ = register_module(
        "output",
        torch::nn::Linear(torch::nn::LinearOptions(c.d_model, c.tgt_vocab_size).bias(false)));
  dropout_ = c.dropout;
  if (c.depth.adaptive) {
    // Halting units: encoder sees [mean-pooled state; log length], decoder the state.
    encoder_halt_ = register_module("encoder_halt", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.encoder_layers; ++i)
      encoder_halt_->push_back(torch::nn::Linear(c.d_model + 1, 1));
    decoder_halt_ = register_module("decoder_halt", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.decoder_layers; ++i)
      decoder_halt_->push_back(torch::nn::Linear(c.d_model, 1));
  }
}

torch::Tensor TransformerImpl::embed(torch::nn::Embedding& table, const torch::Tensor& ids,
                                     int64_t offset) {
  auto x = table(ids) * std::sqrt(static_cast<double>(config_.d_model));
  auto pos = nn::sinusoidal_positions(offset, ids.size(1), config_.d_model,
                                      x.options().requires_grad(false));
  return drop(x + pos.unsqueeze(0));
}

torch::Tensor TransformerImpl::embed_target(const torch::Tensor& ids, const DecoderState* state) {
  if (!state || !state->kept.defined()) return embed(tgt_embed_, ids, state ? state->columns : 0);
  // Rows at different positions: row b's tokens sit at next[b], next[b] + 1, ...
  const int64_t rows = ids.size(0), length = ids.size(1);
  auto positions =
      state->next_positions(rows).view({rows, 1}) +
      torch::arange(length, torch::TensorOptions().dtype(torch::kLong)).view({1, length});
  auto x = tgt_embed_(ids) * std::sqrt(static_cast<double>(config_.d_model));
  auto pos = nn::sinusoidal_positions_at(positions.view({-1}), config_.d_model,
                                         x.options().requires_grad(false));
  return drop(x + pos.view({rows, length, config_.d_model}));
}

torch::Tensor TransformerImpl::output_logits(const torch::Tensor& h, int64_t vocabulary) {
  const auto& weight = output_ ? output_->weight : tgt_embed_->weight;
  if (vocabulary <= 0 || vocabulary >= weight.size(0)) return nn::linear(h, weight);
  return nn::linear(h, weight.narrow(0, 0, vocabulary));  // rows are contiguous: no copy
}

namespace {

// Per-row target depth for the fixed and length policies (learned: all layers,
// decided on the way).
torch::Tensor target_depths(const ModelConfig& c, const DepthOptions& d,
                            const torch::Tensor& lengths) {
  const int64_t layers = c.encoder_layers;
  auto out = torch::full({lengths.size(0)}, layers, torch::kLong);
  if (d.encoder == EncoderPolicy::kFixed && d.encoder_layers > 0) {
    out.fill_(std::min(d.encoder_layers, layers));
  } else if (d.encoder == EncoderPolicy::kLength) {
    auto len = lengths.cpu();
    for (int64_t i = 0; i < len.size(0); ++i)
      out[i] = length_policy_depth(len[i].item<int64_t>(), c.depth, layers);
  }
  return out;
}

}  // namespace

EncoderOutput TransformerImpl::encode(const torch::Tensor& src, const DepthOptions* depth) {
  EncoderOutput out;
  out.valid = src.ne(kPadId);
  auto x = embed(src_embed_, src, 0);
  const int64_t layers = config_.encoder_layers;
  const bool full =
      !depth || (depth->encoder == EncoderPolicy::kFixed && depth->encoder_layers == 0);
  if (full) {
    nn::AttentionMask mask{out.valid, false, 0};
    for (auto& layer : *encoder_layers_) x = layer->as<EncoderLayerImpl>()->forward(x, mask);
    out.hidden = encoder_ln_(x);
    out.depth = torch::full({src.size(0)}, layers, torch::kLong);
    return out;
  }
  if (depth->encoder == EncoderPolicy::kLearned && !encoder_halt_)
    fail("depth policy 'learned' needs a model trained with model.adaptive_depth: true");
  // Sequences that reach their depth leave the batch: no work is spent on them.
  auto target = target_depths(config_, *depth, out.valid.sum(1));
  out.hidden = torch::zeros_like(x);
  out.depth = target.clone();
  auto active = torch::arange(src.size(0), torch::TensorOptions().dtype(torch::kLong));
  auto valid = out.valid;
  for (int64_t l = 0; l < layers && active.numel() > 0; ++l) {
    x = encoder_layers_[l]->as<EncoderLayerImpl>()->forward(x, {valid, false, 0});
    torch::Tensor done;
    if (l + 1 == layers) {
      done = torch::ones({active.numel()}, torch::kBool);
    } else if (depth->encoder == EncoderPolicy::kLearned) {
      if (l + 1 < config_.depth.encoder_min_layers) continue;
      done = encoder_halting(l, encoder_ln_(x), valid).gt(depth->threshold).cpu();
    } else {
      done = target.index_select(0, active).eq(l + 1);
    }
    if (!done.any().item<bool>()) continue;
    auto rows = done.nonzero().squeeze(1);
    auto leaving = active.index_select(0, rows);
    auto dev_rows = rows.to(x.device());
    out.hidden.index_copy_(0, leaving.to(x.device()), encoder_ln_(x.index_select(0, dev_rows)));
    out.depth.index_fill_(0, leaving, l + 1);
    auto keep = done.logical_not().nonzero().squeeze(1);
    active = active.index_select(0, keep);
    x = x.index_select(0, keep.to(x.device()));
    valid = valid.index_select(0, keep.to(x.device()));
  }
  return out;
}

std::vector<torch::Tensor> TransformerImpl::encode_exits(const torch::Tensor& src) {
  auto valid = src.ne(kPadId);
  nn::AttentionMask mask{valid, false, 0};
  auto x = embed(src_embed_, src, 0);
  std::vector<torch::Tensor> exits;
  for (auto& layer : *encoder_layers_) {
    x = layer->as<EncoderLayerImpl>()->forward(x, mask);
    exits.push_back(encoder_ln_(x));
  }
  return exits;
}

torch::Tensor TransformerImpl::encoder_halting(int64_t layer, const torch::Tensor& normalised,
                                               const torch::Tensor& valid) {
  auto mask = valid.unsqueeze(-1).to(normalised.scalar_type());
  auto count = mask.sum(1).clamp_min(1);
  auto pooled = (normalised * mask).sum(1) / count;
  auto features = torch::cat({pooled, count.log()}, -1);
  return torch::sigmoid(encoder_halt_[layer]->as<torch::nn::LinearImpl>()->forward(features))
      .squeeze(-1);
}

torch::Tensor TransformerImpl::decoder_halting(int64_t layer, const torch::Tensor& normalised) {
  return torch::sigmoid(decoder_halt_[layer]->as<torch::nn::LinearImpl>()->forward(normalised))
      .squeeze(-1);
}

std::vector<torch::Tensor> TransformerImpl::halting_parameters() {
  std::vector<torch::Tensor> out;
  for (auto* list : {&encoder_halt_, &decoder_halt_})
    if (*list)
      for (const auto& p : (*list)->parameters()) out.push_back(p);
  return out;
}

DecoderState TransformerImpl::initial_state() const {
  DecoderState s;
  s.self.resize(config_.decoder_layers);
  s.cross.resize(config_.decoder_layers);
  for (auto& c : s.cross) c.is_static = true;
  return s;
}

std::vector<FeedForwardSlot*> TransformerImpl::feed_forward_slots() {
  std::vector<FeedForwardSlot*> slots;
  for (const auto& layer : *encoder_layers_)
    slots.push_back(&layer->as<EncoderLayerImpl>()->feed_forward());
  for (const auto& layer : *decoder_layers_)
    slots.push_back(&layer->as<DecoderLayerImpl>()->feed_forward());
  return slots;
}

std::vector<nn::MoeStats> TransformerImpl::take_moe_stats() {
  std::vector<nn::MoeStats> out;
  for (auto* ffn : feed_forward_slots()) {
    if (!ffn->is_moe()) continue;
    auto stats = ffn->take_stats();
    if (!stats) {
      stats.emplace();
      stats->balance_loss = torch::zeros({});
      stats->z_loss = torch::zeros({});
      stats->load = torch::zeros({config_.experts});
    }
    out.push_back(std::move(*stats));
  }
  return out;
}

std::vector<nn::MoeFeedForward> TransformerImpl::moe_feed_forwards() {
  std::vector<nn::MoeFeedForward> out;
  for (auto* ffn : feed_forward_slots())
    if (ffn->is_moe()) out.push_back(ffn->moe());
  return out;
}

int64_t TransformerImpl::moe_layers() const {
  int64_t n = 0;
  for (int64_t i = 0; i < config_.encoder_layers; ++i) n += config_.moe_layer(i);
  for (int64_t i = 0; i < config_.decoder_layers; ++i) n += config_.moe_layer(i);
  return n;
}

torch::Tensor TransformerImpl::decode(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                                      DecoderState* state, torch::Tensor* cross_weights) {
  return output_logits(decode_hidden(tgt_in, memory, state, cross_weights));
}

torch::Tensor TransformerImpl::decode_hidden(const torch::Tensor& tgt_in,
                                             const EncoderOutput& memory, DecoderState* state,
                                             torch::Tensor* cross_weights) {
  DecoderPass pass;
  pass.state = state;
  pass.cross_weights = cross_weights;
  return run_decoder(tgt_in, memory, pass);
}

std::vector<torch::Tensor> TransformerImpl::decode_exits(const torch::Tensor& tgt_in,
                                                         const EncoderOutput& memory) {
  std::vector<torch::Tensor> exits;
  DecoderPass pass;
  pass.every_exit = &exits;
  run_decoder(tgt_in, memory, pass);
  return exits;
}

torch::Tensor TransformerImpl::decode_draft(const torch::Tensor& tokens,
                                            const EncoderOutput& memory, DecoderState& state,
                                            int64_t layers, int64_t vocabulary) {
  if (layers < 1 || layers > config_.decoder_layers)
    fail("draft layers must be between 1 and the model's " +
         std::to_string(config_.decoder_layers) + " decoder layers (got " + std::to_string(layers) +
         ")");
  DecoderPass pass;
  pass.state = &state;
  pass.layers = layers;
  return output_logits(run_decoder(tokens, memory, pass), vocabulary);
}

torch::Tensor TransformerImpl::logits(const torch::Tensor& normalised) {
  return output_logits(normalised);
}

torch::Tensor TransformerImpl::decode_step(const torch::Tensor& tokens, const EncoderOutput& memory,
                                           DecoderState& state, const DepthOptions& depth,
                                           torch::Tensor* cross_weights,
                                           torch::Tensor* exit_layer) {
  DecoderPass pass;
  pass.state = &state;
  pass.cross_weights = cross_weights;
  pass.exit_layer = exit_layer;
  const bool full = depth.decoder == DecoderExit::kNone && depth.decoder_layers == 0;
  if (!full) {
    if (depth.decoder == DecoderExit::kHalting && !decoder_halt_)
      fail("decoder exit 'halting' needs a model trained with model.adaptive_depth: true");
    pass.exits = &depth;
  }
  return output_logits(run_decoder(tokens, memory, pass));
}

torch::Tensor TransformerImpl::exiting_rows(int64_t l, int64_t last, const DepthOptions& depth,
                                            const torch::Tensor& y) {
  if (l + 1 >= last) return torch::ones({y.size(0)}, torch::kBool);
  if (depth.decoder == DecoderExit::kHalting)
    return decoder_halting(l, decoder_ln_(y)).squeeze(1).gt(depth.threshold).cpu();
  if (depth.decoder == DecoderExit::kConfidence)
    return torch::softmax(output_logits(decoder_ln_(y)).to(torch::kFloat), -1)
        .amax(-1)
        .squeeze(1)
        .gt(depth.threshold)
        .cpu();
  return torch::zeros({y.size(0)}, torch::kBool);
}

torch::Tensor TransformerImpl::run_decoder(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                                           DecoderPass& pass) {
  DecoderState* state = pass.state;
  const int64_t rows = tgt_in.size(0), length = tgt_in.size(1);
  const int64_t layers = pass.layers > 0 ? pass.layers : config_.decoder_layers;
  const int64_t columns = state ? state->columns : 0;
  const auto long_cpu = torch::TensorOptions().dtype(torch::kLong);
  // Keys are the cached columns (those the row kept) and the new ones. Target
  // padding only ever follows the real tokens, so causality alone keeps real
  // positions from seeing it.
  auto bool_opts = torch::TensorOptions().dtype(torch::kBool).device(tgt_in.device());
  auto key_valid = torch::ones({rows, columns + length}, bool_opts);
  if (state && state->kept.defined()) key_valid.narrow(1, 0, columns).copy_(state->kept);
  nn::AttentionMask self_mask{key_valid, true, columns};
  auto x = embed_target(tgt_in, state);
  const auto real = tgt_in.ne(kPadId);  // the tokens a MoE FFN routes
  if (pass.exits && state && state->cross[0].empty())
    for (int64_t l = 0; l < layers; ++l)
      decoder_layers_[l]->as<DecoderLayerImpl>()->prime_cross_cache(memory, state->cross[l]);

  // Per-token exits: rows leave `active` when they exit; the layers above
  // still see their (copied) states so that every cache stays complete.
  const int64_t last = pass.exits && pass.exits->decoder_layers > 0
                           ? std::min(pass.exits->decoder_layers, layers)
                           : layers;
  auto exits = torch::full({rows}, layers, long_cpu);
  torch::Tensor weights;
  if (pass.exits && pass.cross_weights)
    weights = torch::zeros({rows, length, memory.valid.size(1)}, x.options());
  auto active = torch::arange(rows, long_cpu);
  const bool drop_layers = layer_dropout_ > 0 && is_training() && !state;
  for (int64_t l = 0; l < layers; ++l) {
    auto* layer = decoder_layers_[l]->as<DecoderLayerImpl>();
    auto* self_cache = state ? &state->self[l] : nullptr;
    auto* cross_cache = state ? &state->cross[l] : nullptr;
    if (drop_layers) {
      auto kept = rows_kept_by_layer_dropout(l, layers, rows);
      active = kept.defined() ? kept : torch::arange(rows, long_cpu);
      if (active.numel() == 0) {  // every sentence skips this layer
        if (pass.every_exit) pass.every_exit->push_back(decoder_ln_(x));
        continue;
      }
    }
    if (active.numel() == 0) {  // everyone has exited: only complete this layer's cache
      layer->forward(x, self_mask, memory, self_cache, cross_cache, nullptr,
                     torch::zeros({0}, long_cpu).to(x.device()), real);
      continue;
    }
    const bool all_rows = active.numel() == rows;
    const bool want_weights = pass.cross_weights && (pass.exits || l + 1 == layers);
    torch::Tensor w;
    auto dev_active = all_rows ? torch::Tensor() : active.to(x.device());
    auto y = layer->forward(x, self_mask, memory, self_cache, cross_cache,
                            want_weights ? &w : nullptr, dev_active, real);
    x = all_rows ? y : x.index_copy(0, dev_active, y);
    if (pass.every_exit) pass.every_exit->push_back(decoder_ln_(x));
    if (!pass.exits) {
      if (want_weights) weights = w;
      continue;
    }
    auto done = exiting_rows(l, last, *pass.exits, y);
    auto leaving_rows = done.nonzero().squeeze(1);
    if (leaving_rows.numel() == 0) continue;
    auto leaving = active.index_select(0, leaving_rows);
    exits.index_fill_(0, leaving, l + 1);
    if (want_weights)
      weights.index_copy_(0, leaving.to(x.device()),
                          w.index_select(0, leaving_rows.to(x.device())));
    active = active.index_select(0, done.logical_not().nonzero().squeeze(1));
  }
  if (state) {
    state->columns += length;
    if (state->kept.defined())
      state->kept =
          torch::cat({state->kept, torch::ones({rows, length}, state->kept.options())}, 1);
  }
  if (pass.cross_weights) *pass.cross_weights = weights;
  if (pass.exit_layer) *pass.exit_layer = exits;
  return decoder_ln_(x);
}

double layer_dropout_rate(int64_t l, int64_t layers, double rate) {
  if (layers < 2) return 0;
  return rate * (std::exp2(static_cast<double>(l) / static_cast<double>(layers - 1)) - 1);
}

torch::Tensor TransformerImpl::rows_kept_by_layer_dropout(int64_t l, int64_t layers, int64_t rows) {
  const double p = layer_dropout_rate(l, layers, layer_dropout_);
  if (p <= 0) return {};
  return torch::rand({rows}).ge(p).nonzero().squeeze(1);
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& tgt_in) {
  return decode(tgt_in, encode(src));
}

}  // namespace swt::model
