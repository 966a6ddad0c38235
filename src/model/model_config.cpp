#include "model/model_config.h"

#include <sstream>

#include "text/vocab.h"
#include "util/error.h"

namespace swt::model {

namespace {

bool power_of_two(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

void validate_switch(const ModelConfig& c) {
  auto at_least = [](int64_t v, int64_t low, const char* name) {
    if (v < low)
      fail(std::string("model.") + name + " must be >= " + std::to_string(low) + ", got " +
           std::to_string(v));
  };
  at_least(c.fine_heads, 0, "fine_heads");
  at_least(c.coarse_heads, 0, "coarse_heads");
  if ((c.fine_heads || c.coarse_heads) && c.fine_heads + c.coarse_heads != c.heads)
    fail("model.fine_heads + model.coarse_heads must equal model.heads (" +
         std::to_string(c.heads) + ")");
  at_least(c.memory_slots, 1, "memory_slots");
  at_least(c.window, 0, "window");
  at_least(c.top_k, 0, "top_k");
  at_least(c.rel_clip, 0, "rel_clip");
  if (!power_of_two(c.max_segment)) fail("model.max_segment must be a power of two");
  if (!power_of_two(c.zoom)) fail("model.zoom must be a power of two");
}

// Written as !(inside) so that NaN fails too.
void validate_moe(const ModelConfig& c) {
  if (c.ffn != "dense" && c.ffn != "moe")
    fail("model.ffn must be dense or moe, got '" + c.ffn + "'");
  auto count = [](int64_t v, int64_t high, const char* name) {
    if (v < 1 || v > high)
      fail(std::string("model.") + name + " must be in [1, " + std::to_string(high) + "], got " +
           std::to_string(v));
  };
  count(c.experts, kMaxExperts, "experts");
  count(c.moe_every, kMaxLayers, "moe_every");
  auto real = [](double v, bool positive, double below, const char* name, const char* range) {
    if (!(positive ? v > 0 : v >= 0) || !(v < below))
      fail(std::string("model.") + name + " must be " + range + ", got " +
           (std::ostringstream() << v).str());
  };
  constexpr double kHuge = 1e300;
  real(c.capacity_factor, true, kHuge, "capacity_factor", "> 0");
  real(c.eval_capacity_factor, true, kHuge, "eval_capacity_factor", "> 0");
  real(c.moe_aux_loss, false, kHuge, "moe_aux_loss", ">= 0");
  real(c.moe_z_loss, false, kHuge, "moe_z_loss", ">= 0");
  real(c.router_jitter, false, 1, "router_jitter", "in [0, 1)");
  real(c.expert_dropout, false, 1, "expert_dropout", "in [0, 1)");
}

}  // namespace

void ModelConfig::validate() const {
  if (depth.encoder_min_layers < 1 || depth.encoder_min_layers > encoder_layers)
    fail("model.encoder_min_layers must be between 1 and model.encoder_layers");
  depth.thresholds();  // throws when malformed
  // Upper limits far above any model this toolkit trains keep a hostile or
  // mistyped config from asking for terabytes before anything else is checked.
  auto in_range = [](int64_t v, int64_t high, const char* name) {
    if (v <= 0) fail(std::string("model.") + name + " must be positive, got " + std::to_string(v));
    if (v > high)
      fail(std::string("model.") + name + " must be <= " + std::to_string(high) + ", got " +
           std::to_string(v));
  };
  in_range(d_model, kMaxWidth, "d_model");
  in_range(heads, kMaxWidth, "heads");
  in_range(d_ff, kMaxWidth, "d_ff");
  in_range(encoder_layers, kMaxLayers, "encoder_layers");
  in_range(decoder_layers, kMaxLayers, "decoder_layers");
  if (src_vocab_size > kMaxVocab || tgt_vocab_size > kMaxVocab)
    fail("model vocabulary sizes must be <= " + std::to_string(kMaxVocab));
  if (d_model % heads != 0)
    fail("model.d_model (" + std::to_string(d_model) + ") must be divisible by model.heads (" +
         std::to_string(heads) + ")");
  if (dropout < 0 || dropout >= 1) fail("model.dropout must be in [0, 1)");
  if (attention_dropout < 0 || attention_dropout >= 1)
    fail("model.attention_dropout must be in [0, 1)");
  if (activation != "relu" && activation != "gelu")
    fail("model.activation must be relu or gelu, got '" + activation + "'");
  if (share_embeddings && src_vocab_size != tgt_vocab_size)
    fail("model.share_embeddings needs one shared vocabulary (data.shared_vocab: true)");
  validate_switch(*this);
  validate_moe(*this);
}

nlohmann::json to_json(const ModelConfig& c) {
  nlohmann::json j = {{"attention", c.attention},
                      {"d_model", c.d_model},
                      {"heads", c.heads},
                      {"d_ff", c.d_ff},
                      {"encoder_layers", c.encoder_layers},
                      {"decoder_layers", c.decoder_layers},
                      {"dropout", c.dropout},
                      {"attention_dropout", c.attention_dropout},
                      {"activation", c.activation},
                      {"tie_output", c.tie_output},
                      {"share_embeddings", c.share_embeddings},
                      {"src_vocab_size", c.src_vocab_size},
                      {"tgt_vocab_size", c.tgt_vocab_size},
                      {"fine_heads", c.fine_heads},
                      {"coarse_heads", c.coarse_heads},
                      {"memory_slots", c.memory_slots},
                      {"max_segment", c.max_segment},
                      {"zoom", c.zoom},
                      {"window", c.window},
                      {"top_k", c.top_k},
                      {"rel_clip", c.rel_clip},
                      {"ffn", c.ffn},
                      {"experts", c.experts},
                      {"moe_every", c.moe_every},
                      {"capacity_factor", c.capacity_factor},
                      {"eval_capacity_factor", c.eval_capacity_factor},
                      {"moe_aux_loss", c.moe_aux_loss},
                      {"moe_z_loss", c.moe_z_loss},
                      {"router_jitter", c.router_jitter},
                      {"expert_dropout", c.expert_dropout}};
  j["depth"] = to_json(c.depth);
  return j;
}

ModelConfig model_config_from_json(const nlohmann::json& j, const std::string& origin) {
  ModelConfig c;
  try {
    c.attention = j.at("attention").get<std::string>();
    c.d_model = j.at("d_model").get<int64_t>();
    c.heads = j.at("heads").get<int64_t>();
    c.d_ff = j.at("d_ff").get<int64_t>();
    c.encoder_layers = j.at("encoder_layers").get<int64_t>();
    c.decoder_layers = j.at("decoder_layers").get<int64_t>();
    c.dropout = j.at("dropout").get<double>();
    c.attention_dropout = j.at("attention_dropout").get<double>();
    c.activation = j.at("activation").get<std::string>();
    c.tie_output = j.at("tie_output").get<bool>();
    c.share_embeddings = j.at("share_embeddings").get<bool>();
    c.src_vocab_size = j.at("src_vocab_size").get<int64_t>();
    c.tgt_vocab_size = j.at("tgt_vocab_size").get<int64_t>();
    // Switch settings are optional so that models saved before they existed still load.
    c.fine_heads = j.value("fine_heads", c.fine_heads);
    c.coarse_heads = j.value("coarse_heads", c.coarse_heads);
    c.memory_slots = j.value("memory_slots", c.memory_slots);
    c.max_segment = j.value("max_segment", c.max_segment);
    c.zoom = j.value("zoom", c.zoom);
    c.window = j.value("window", c.window);
    c.top_k = j.value("top_k", c.top_k);
    c.rel_clip = j.value("rel_clip", c.rel_clip);
    // So are the MoE settings: a model saved before them is dense.
    c.ffn = j.value("ffn", c.ffn);
    c.experts = j.value("experts", c.experts);
    c.moe_every = j.value("moe_every", c.moe_every);
    c.capacity_factor = j.value("capacity_factor", c.capacity_factor);
    c.eval_capacity_factor = j.value("eval_capacity_factor", c.eval_capacity_factor);
    c.moe_aux_loss = j.value("moe_aux_loss", c.moe_aux_loss);
    c.moe_z_loss = j.value("moe_z_loss", c.moe_z_loss);
    c.router_jitter = j.value("router_jitter", c.router_jitter);
    c.expert_dropout = j.value("expert_dropout", c.expert_dropout);
    c.depth = depth_config_from_json(j.value("depth", nlohmann::json::object()));
  } catch (const nlohmann::json::exception& e) {
    fail(origin + ": bad model config: " + e.what());
  }
  try {
    if (c.src_vocab_size < text::Vocab::kNumSpecials ||
        c.tgt_vocab_size < text::Vocab::kNumSpecials)
      fail("model vocabulary sizes must be >= " + std::to_string(text::Vocab::kNumSpecials));
    c.validate();
  } catch (const Error& e) {
    fail(origin + ": " + e.what());
  }
  return c;
}

}  // namespace swt::model
