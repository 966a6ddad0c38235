// Greedy and beam search over a Transformer with incremental decoding (KV
// cache). Sentences that finish leave the active batch, so no work is spent on
// them; outputs never depend on what else is in the batch.
#pragma once

#include <vector>

#include "model/transformer.h"

namespace swt::decode {

struct SearchOptions {
  int64_t beam = 5;             // 1 = greedy
  int64_t nbest = 1;            // hypotheses returned per sentence (<= beam)
  double length_penalty = 1.0;  // score / length^alpha; 0 = raw log-probability
  int64_t max_length_a = 2;     // output may have at most a * source_length + b tokens
  int64_t max_length_b = 10;
  model::DepthOptions depth;  // adaptive depth at inference (default: full depth)
  // Keep Hypothesis::attention (swt serve's "alignment"): a copy of every
  // step's cross-attention rows. Off: no extra work.
  bool attention = false;
};

struct Hypothesis {
  std::vector<int64_t> tokens;     // without <s> and </s>
  std::vector<int64_t> alignment;  // per output token: most-attended source position
  double score = 0;                // length-normalised log-probability
  std::vector<int64_t> exits;      // per output token (and </s>): decoder layers it used
  int64_t encoder_depth = 0;       // encoder layers the source went through
  // SearchOptions::attention only: per output token (and </s>), the head-averaged
  // cross-attention over the source positions (and </s>) of the last decoder
  // layer the token went through.
  std::vector<std::vector<float>> attention;
};

// src: [B, S] token ids (padded with 0, each row ending in </s>).
// Returns, per sentence, up to nbest hypotheses, best first.
std::vector<std::vector<Hypothesis>> search(model::TransformerImpl& model, const torch::Tensor& src,
                                            const SearchOptions& options);

}  // namespace swt::decode
