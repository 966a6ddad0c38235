#include "model/depth.h"

#include <algorithm>
#include <sstream>

#include "util/error.h"

namespace swt::model {

std::vector<int64_t> DepthConfig::thresholds() const {
  std::vector<int64_t> out;
  std::stringstream in(length_thresholds);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      fail("model.length_thresholds: '" + length_thresholds +
           "' is not a comma-separated list of integers");
    }
  }
  return out;
}

nlohmann::json to_json(const DepthConfig& d) {
  return {{"adaptive", d.adaptive},
          {"encoder_min_layers", d.encoder_min_layers},
          {"length_thresholds", d.length_thresholds}};
}

DepthConfig depth_config_from_json(const nlohmann::json& j) {
  DepthConfig d;
  d.adaptive = j.value("adaptive", false);
  d.encoder_min_layers = j.value("encoder_min_layers", int64_t{1});
  d.length_thresholds = j.value("length_thresholds", d.length_thresholds);
  return d;
}

EncoderPolicy parse_encoder_policy(const std::string& name) {
  if (name == "fixed") return EncoderPolicy::kFixed;
  if (name == "length") return EncoderPolicy::kLength;
  if (name == "learned") return EncoderPolicy::kLearned;
  fail("unknown depth policy '" + name + "' (known: fixed, length, learned)");
}

DecoderExit parse_decoder_exit(const std::string& name) {
  if (name == "none") return DecoderExit::kNone;
  if (name == "halting") return DecoderExit::kHalting;
  if (name == "confidence") return DecoderExit::kConfidence;
  fail("unknown decoder exit '" + name + "' (known: none, halting, confidence)");
}

int64_t length_policy_depth(int64_t length, const DepthConfig& config, int64_t max_layers) {
  int64_t depth = config.encoder_min_layers;
  for (auto t : config.thresholds())
    if (length > t) ++depth;
  return std::clamp<int64_t>(depth, 1, max_layers);
}

}  // namespace swt::model
