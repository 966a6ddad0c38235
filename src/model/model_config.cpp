#include "model/model_config.h"

#include "util/error.h"

namespace swt::model {

void ModelConfig::validate() const {
  auto positive = [](int64_t v, const char* name) {
    if (v <= 0) fail(std::string("model.") + name + " must be positive, got " + std::to_string(v));
  };
  positive(d_model, "d_model");
  positive(heads, "heads");
  positive(d_ff, "d_ff");
  positive(encoder_layers, "encoder_layers");
  positive(decoder_layers, "decoder_layers");
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
}

nlohmann::json to_json(const ModelConfig& c) {
  return {{"attention", c.attention},
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
          {"tgt_vocab_size", c.tgt_vocab_size}};
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
  } catch (const nlohmann::json::exception& e) {
    fail(origin + ": bad model config: " + e.what());
  }
  c.validate();
  return c;
}

}  // namespace swt::model
