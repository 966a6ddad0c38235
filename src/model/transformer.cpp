#include "model/transformer.h"

#include <cmath>

#include "nn/positional_encoding.h"

namespace swt::model {

namespace {

constexpr int64_t kPadId = 0;

nn::AttentionOptions attention_options(const ModelConfig& c) {
  return {c.attention, c.d_model, c.heads, c.attention_dropout};
}

torch::nn::LayerNorm layer_norm(const ModelConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.d_model}));
}

}  // namespace

void EncoderOutput::select(const torch::Tensor& index) {
  hidden = hidden.index_select(0, index);
  valid = valid.index_select(0, index);
}

void DecoderState::select(const torch::Tensor& index) {
  for (auto& c : self) c.select(index);
  for (auto& c : cross) c.select(index);
}

EncoderLayerImpl::EncoderLayerImpl(const ModelConfig& c) {
  self_attn_ = register_module("self_attn", nn::make_attention(attention_options(c),
                                                               nn::AttentionKind::kSelf));
  ln_attn_ = register_module("ln_attn", layer_norm(c));
  ffn_ = register_module("ffn", nn::FeedForward(c.d_model, c.d_ff, c.dropout, c.activation));
  ln_ffn_ = register_module("ln_ffn", layer_norm(c));
  dropout_ = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x, const nn::AttentionMask& mask) {
  auto h = ln_attn_(x);
  auto y = x + dropout_(self_attn_->forward(h, h, mask, nullptr, nullptr));
  return y + ffn_(ln_ffn_(y));  // FeedForward applies its own output dropout
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& c) {
  self_attn_ = register_module("self_attn", nn::make_attention(attention_options(c),
                                                               nn::AttentionKind::kSelf));
  cross_attn_ = register_module("cross_attn", nn::make_attention(attention_options(c),
                                                                 nn::AttentionKind::kCross));
  ln_self_ = register_module("ln_self", layer_norm(c));
  ln_cross_ = register_module("ln_cross", layer_norm(c));
  ffn_ = register_module("ffn", nn::FeedForward(c.d_model, c.d_ff, c.dropout, c.activation));
  ln_ffn_ = register_module("ln_ffn", layer_norm(c));
  dropout_ = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const nn::AttentionMask& self_mask,
                                        const EncoderOutput& memory,
                                        nn::AttentionCache* self_cache,
                                        nn::AttentionCache* cross_cache,
                                        torch::Tensor* cross_weights) {
  auto h = ln_self_(x);
  auto y = x + dropout_(self_attn_->forward(h, h, self_mask, self_cache, nullptr));
  nn::AttentionMask cross_mask{memory.valid, false, 0};
  y = y + dropout_(cross_attn_->forward(ln_cross_(y), memory.hidden, cross_mask, cross_cache,
                                        cross_weights));
  return y + ffn_(ln_ffn_(y));
}

TransformerImpl::TransformerImpl(const ModelConfig& c) : config_(c) {
  config_.validate();
  auto embedding = [&](int64_t vocab) {
    return torch::nn::Embedding(torch::nn::EmbeddingOptions(vocab, c.d_model).padding_idx(kPadId));
  };
  tgt_embed_ = register_module("tgt_embed", embedding(c.tgt_vocab_size));
  src_embed_ = c.share_embeddings ? tgt_embed_
                                  : register_module("src_embed", embedding(c.src_vocab_size));
  // Transformer-base initialisation: N(0, d^-1/2) embeddings (they are scaled by
  // sqrt(d) on input), zero padding row.
  for (auto* table : {&src_embed_, &tgt_embed_}) {
    torch::NoGradGuard no_grad;
    (*table)->weight.normal_(0.0, std::pow(static_cast<double>(c.d_model), -0.5));
    (*table)->weight[kPadId].zero_();
  }
  encoder_layers_ = register_module("encoder", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.encoder_layers; ++i) encoder_layers_->push_back(EncoderLayer(c));
  decoder_layers_ = register_module("decoder", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.decoder_layers; ++i) decoder_layers_->push_back(DecoderLayer(c));
  encoder_ln_ = register_module("encoder_ln", layer_norm(c));
  decoder_ln_ = register_module("decoder_ln", layer_norm(c));
  if (!c.tie_output)
    output_ = register_module("output", torch::nn::Linear(torch::nn::LinearOptions(
                                            c.d_model, c.tgt_vocab_size).bias(false)));
  dropout_ = register_module("dropout", torch::nn::Dropout(c.dropout));
}

torch::Tensor TransformerImpl::embed(torch::nn::Embedding& table, const torch::Tensor& ids,
                                     int64_t offset) {
  auto x = table(ids) * std::sqrt(static_cast<double>(config_.d_model));
  auto pos = nn::sinusoidal_positions(offset, ids.size(1), config_.d_model,
                                      x.options().requires_grad(false));
  return dropout_(x + pos.unsqueeze(0));
}

torch::Tensor TransformerImpl::output_logits(const torch::Tensor& h) {
  if (output_) return output_(h);
  return torch::nn::functional::linear(h, tgt_embed_->weight);
}

EncoderOutput TransformerImpl::encode(const torch::Tensor& src) {
  EncoderOutput out;
  out.valid = src.ne(kPadId);
  nn::AttentionMask mask{out.valid, false, 0};
  auto x = embed(src_embed_, src, 0);
  for (auto& layer : *encoder_layers_) x = layer->as<EncoderLayerImpl>()->forward(x, mask);
  out.hidden = encoder_ln_(x);
  return out;
}

DecoderState TransformerImpl::initial_state() const {
  DecoderState s;
  s.self.resize(config_.decoder_layers);
  s.cross.resize(config_.decoder_layers);
  for (auto& c : s.cross) c.is_static = true;
  return s;
}

torch::Tensor TransformerImpl::decode(const torch::Tensor& tgt_in, const EncoderOutput& memory,
                                      DecoderState* state, torch::Tensor* cross_weights) {
  const int64_t offset = state ? state->position : 0;
  // Target padding only ever follows the real tokens, so causality alone keeps
  // real positions from seeing it; keys of all positions are "valid" here.
  auto key_valid = torch::ones({tgt_in.size(0), offset + tgt_in.size(1)},
                               torch::TensorOptions().dtype(torch::kBool).device(tgt_in.device()));
  nn::AttentionMask self_mask{key_valid, true, offset};
  auto x = embed(tgt_embed_, tgt_in, offset);
  for (size_t i = 0; i < decoder_layers_->size(); ++i) {
    const bool last = i + 1 == decoder_layers_->size();
    x = decoder_layers_[i]->as<DecoderLayerImpl>()->forward(
        x, self_mask, memory, state ? &state->self[i] : nullptr,
        state ? &state->cross[i] : nullptr, last ? cross_weights : nullptr);
  }
  if (state) state->position += tgt_in.size(1);
  return output_logits(decoder_ln_(x));
}

torch::Tensor TransformerImpl::forward(const torch::Tensor& src, const torch::Tensor& tgt_in) {
  return decode(tgt_in, encode(src));
}

}  // namespace swt::model
