// Greedy and beam search over a Transformer with incremental decoding (KV
// cache). Sentences that finish leave the active batch, so no work is spent on
// them; outputs never depend on what else is in the batch.
#pragma once

#include <vector>

#include "model/transformer.h"

namespace swt::decode {

// Self-speculative greedy decoding (decode/speculative.h).
struct SpeculativeOptions {
  bool enabled = false;
  int64_t draft_layers = 1;       // decoder layers that draft, read out through the shared exit
  int64_t draft_tokens = 4;       // most draft tokens per verification pass
  double draft_confidence = 0.2;  // a row stops drafting below this top probability
  // Draft from the first n (most frequent) target ids only; 0: all. The
  // default measured best on BBE -> ASV (BENCHMARKS.md section 9).
  int64_t draft_vocabulary = 2000;
};

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
  // Greedy only (beam 1, no per-token exits); search() ignores it: the
  // Translator calls speculative_search (decode/speculative.h) instead.
  SpeculativeOptions speculative;
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

// The pieces both searches (this one and speculative_search) choose tokens
// with, so that they choose the same ones.
// Length-normalised score: logprob / length^alpha (alpha = 0: logprob).
double normalise(double logprob, int64_t length, double alpha);
// log_softmax over the last dimension of [rows, V], row blocks on the thread
// pool (the same values as one call).
torch::Tensor row_blocks_log_softmax(const torch::Tensor& logits);
// The best min(2 * beam, V - 2) next tokens of every row of [rows, V]
// log-probabilities (<pad> and <s> ruled out in place), best first.
void best_tokens(torch::Tensor logprobs, int64_t beam, torch::Tensor& values,
                 torch::Tensor& tokens);

// src: [B, S] token ids (padded with 0, each row ending in </s>).
// Returns, per sentence, up to nbest hypotheses, best first.
std::vector<std::vector<Hypothesis>> search(model::TransformerImpl& model, const torch::Tensor& src,
                                            const SearchOptions& options);

}  // namespace swt::decode
