// The architecture of a model: everything needed to rebuild it from config.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "model/depth.h"

namespace swt::model {

// Limits validate() enforces (far above any model trained here).
inline constexpr int64_t kMaxWidth = 1 << 16;  // d_model, d_ff, heads
inline constexpr int64_t kMaxLayers = 256;
inline constexpr int64_t kMaxVocab = 1 << 24;
inline constexpr int64_t kMaxExperts = 1 << 12;

struct ModelConfig {
  std::string attention = "vanilla";  // attention kind (nn::make_attention)
  int64_t d_model = 512;
  int64_t heads = 8;
  int64_t d_ff = 2048;
  int64_t encoder_layers = 6;
  int64_t decoder_layers = 6;
  double dropout = 0.1;            // residual and embedding dropout
  double attention_dropout = 0.1;  // on attention probabilities
  std::string activation = "relu";
  bool tie_output = true;         // decoder input embedding == output projection
  bool share_embeddings = false;  // encoder and decoder share one table (needs a shared vocab)
  int64_t src_vocab_size = 0;     // filled from the vocabularies
  int64_t tgt_vocab_size = 0;
  // `switch` attention (docs/switch-attention.md); ignored by `vanilla`.
  int64_t fine_heads = 0;  // 0 and 0: split heads evenly
  int64_t coarse_heads = 0;
  int64_t memory_slots = 64;
  int64_t max_segment = 256;
  int64_t zoom = 4;
  int64_t window = 16;
  int64_t top_k = 4;
  int64_t rel_clip = 16;
  // Feed-forward: `dense` (every layer nn::FeedForward) or `moe` (Switch
  // mixture of experts, nn::MoeFeedForward, in every moe_every-th layer of the
  // encoder and of the decoder; the others stay dense).
  std::string ffn = "dense";
  int64_t experts = 8;
  int64_t moe_every = 2;              // 2: layers 1, 3, 5, ... (0-based)
  double capacity_factor = 1.25;      // training: ceil(factor * tokens / experts) per expert
  double eval_capacity_factor = 2.0;  // eval mode with a gradient; inference drops no token
  double moe_aux_loss = 0.01;         // weight of the load-balancing loss
  double moe_z_loss = 0.001;          // weight of the router z-loss
  double router_jitter = 0.01;        // training: router input times U[1 - j, 1 + j]
  double expert_dropout = 0;          // inside the experts, after the activation

  DepthConfig depth;  // adaptive depth (SPEC section 5)

  void validate() const;  // throws swt::Error naming the bad field

  // Whether layer `index` (0-based, in the encoder or the decoder) is a MoE layer.
  bool moe_layer(int64_t index) const { return ffn == "moe" && (index + 1) % moe_every == 0; }
};

nlohmann::json to_json(const ModelConfig& c);
ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& origin);

}  // namespace swt::model
