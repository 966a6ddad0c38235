// Adaptive depth (SPEC section 5): how deep the encoder goes per sentence and
// where each decoder token exits. The architecture part (DepthConfig) lives in
// config.json; the inference choices (DepthOptions) are per `swt translate` run.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace swt::model {

struct DepthConfig {
  bool adaptive = false;           // halting units + multi-exit training
  int64_t encoder_min_layers = 1;  // no encoder exit before this many layers
  // "length" policy: depth = encoder_min_layers + number of thresholds the
  // sentence length exceeds (e.g. "10,20,40"), capped at the encoder depth.
  std::string length_thresholds = "10,20,40";

  std::vector<int64_t> thresholds() const;  // parsed; throws swt::Error when malformed
};

nlohmann::json to_json(const DepthConfig& d);
DepthConfig depth_config_from_json(const nlohmann::json& j);

enum class EncoderPolicy { kFixed, kLength, kLearned };
enum class DecoderExit { kNone, kHalting, kConfidence };

struct DepthOptions {
  EncoderPolicy encoder = EncoderPolicy::kFixed;
  int64_t encoder_layers = 0;  // kFixed: run this many layers (0 = all)
  DecoderExit decoder = DecoderExit::kNone;
  int64_t decoder_layers = 0;  // kNone: run this many layers (0 = all)
  double threshold = 0.5;      // halting probability (or max token probability) to stop at

  bool full_depth() const {
    return encoder == EncoderPolicy::kFixed && encoder_layers == 0 &&
           decoder == DecoderExit::kNone && decoder_layers == 0;
  }
};

EncoderPolicy parse_encoder_policy(const std::string& name);  // fixed | length | learned
DecoderExit parse_decoder_exit(const std::string& name);      // none | halting | confidence

// Depth the `length` policy gives a sentence of `length` tokens.
int64_t length_policy_depth(int64_t length, const DepthConfig& config, int64_t max_layers);

}  // namespace swt::model
