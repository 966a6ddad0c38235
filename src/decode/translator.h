// Raw text in, raw text out: preprocessing, tokenization, length-sorted
// batching, search, unknown-word replacement and detokenization. Results come
// back in input order and do not depend on the batch size.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "decode/search.h"
#include "decode/speculative.h"
#include "model/model_dir.h"
#include "nn/precision.h"

namespace swt::decode {

struct TranslateOptions {
  SearchOptions search;
  int64_t batch_size = 32;  // sentences per batch
  bool replace_unk = true;  // <unk> -> most-attended source word
  // Matrix products (`--precision`); unset: the calling thread's (nn/precision.h).
  std::optional<nn::Precision> precision;
};

// Inference depth from the user-facing switches (`swt translate` and the
// public API): encoder policy fixed | length | learned; decoder tokens exit
// early when exit_threshold >= 0, by halting unit unless decoder_exit says
// "confidence" (or "none").
model::DepthOptions inference_depth(model::DepthOptions base, const std::string& policy,
                                    double exit_threshold, const std::string& decoder_exit);

// Fails with one line naming the option (as the public API and config spell
// it: beam, nbest, batch_size, ...) when one is out of range for `model`.
void check_translate_options(const TranslateOptions& options, const model::ModelConfig& model);

struct Translation {
  std::string text;  // detokenized
  double score = 0;
  int64_t source_tokens = 0;
  int64_t encoder_depth = 0;   // encoder layers used for this sentence
  std::vector<int64_t> exits;  // decoder layers used per output token (incl. </s>)
  // Only with options.search.attention: the source tokens and the output tokens
  // (after <unk> replacement), each ending with "</s>", and per output token
  // the cross-attention over the source tokens (attention[t][s]).
  std::vector<std::string> source, target;
  std::vector<std::vector<float>> attention;
};

class Translator {
 public:
  Translator(model::ModelBundle& bundle, TranslateOptions options);

  // Per input line, up to nbest translations, best first.
  std::vector<std::vector<Translation>> translate(const std::vector<std::string>& lines);

  // Totals over every translate() call so far with options.search.speculative.
  const SpeculativeStats& speculative_stats() const { return speculative_stats_; }

  // Source tokens of a raw line after preprocessing (what the model sees).
  std::vector<std::string> source_tokens(const std::string& line) const;

 private:
  Translation render(const Hypothesis& h, const std::vector<std::string>& src_tokens) const;

  model::ModelBundle& bundle_;
  TranslateOptions options_;
  text::Tokenizer tokenizer_;
  SpeculativeStats speculative_stats_;
};

}  // namespace swt::decode
