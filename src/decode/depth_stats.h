// What adaptive depth did on a set of translations: mean encoder depth, mean
// decoder layers per token, and both by source length.
#pragma once

#include <string>
#include <vector>

#include "decode/translator.h"

namespace swt::decode {

struct DepthStats {
  double mean_encoder_depth = 0;
  double mean_decoder_layers = 0;  // per output token, </s> included
  struct Bucket {
    int64_t min_length, max_length;  // source tokens, inclusive
    int64_t sentences = 0;
    double mean_encoder_depth = 0, mean_decoder_layers = 0;
  };
  std::vector<Bucket> by_length;
};

// Uses the best translation of each sentence.
DepthStats depth_stats(const std::vector<std::vector<Translation>>& translations);

std::string format_depth_stats(const DepthStats& stats);

}  // namespace swt::decode
