// SwitchTransformer's public C++ API: load a model directory written by
// `swt train`, translate lines of raw text. This is the only header an
// application needs; it exposes no LibTorch types. Link with the CMake target
// `swt_infer` (in this project) or, installed, `swt::swt` (find_package(swt);
// README.md, "Install"). Everything else under src/ is internal and may change.
//
//   swt::Translator t("models/bbe-asv", {});
//   std::vector<std::string> out = t.translate({"In the beginning God made the heaven."});
//
// Options mean what the `swt translate` flags of the same name mean
// (docs/options.md); results come back in input order and do not depend on
// batch_size. A Translator is not safe to call from two threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace swt {

struct TranslatorOptions {
  int beam = 5;                 // 1 = greedy
  int nbest = 1;                // hypotheses per line for translate_nbest (<= beam)
  int batch_size = 32;          // sentences per batch
  double length_penalty = 1.0;  // score / length^alpha
  int max_length_a = 2;         // output tokens <= a * source tokens + b
  int max_length_b = 10;
  bool replace_unk = true;             // <unk> -> most-attended source word
  std::string depth_policy = "fixed";  // encoder depth: fixed | length | learned
  double exit_threshold = -1;          // >= 0: decoder tokens exit early (adaptive models)
  std::string decoder_exit;            // halting (default with a threshold) | confidence | none
  // Self-speculative greedy decoding (`--speculative`): same output as greedy
  // (beam 1), faster when the first decoder layers guess well.
  bool speculative = false;
  int draft_layers = 1;           // decoder layers that draft
  int draft_tokens = 4;           // most draft tokens per verification pass
  double draft_confidence = 0.2;  // a sentence stops drafting below this top probability
  int draft_vocabulary = 2000;    // the draft scores only the first N target words (0 = all)
  bool int8 = false;              // int8 weights for small-batch decoding (`swt translate --int8`)
  int threads = 0;  // CPU threads for this process (0 = all cores; a process-wide setting)
  std::string precision = "auto";  // matrix products: fp32 | bf16 | auto (`--precision`)
};

struct TranslationResult {
  std::string text;  // detokenized
  double score = 0;  // length-normalised log-probability
};

class Translator {
 public:
  // Fails (throws std::runtime_error with a one-line message) if the model
  // directory is missing or malformed, or an option is out of range.
  explicit Translator(const std::string& model_dir, const TranslatorOptions& options = {});
  ~Translator();
  Translator(const Translator&) = delete;
  Translator& operator=(const Translator&) = delete;

  // The best translation of each line ("" for an empty line).
  std::vector<std::string> translate(const std::vector<std::string>& lines);
  // Up to options.nbest translations per line, best first.
  std::vector<std::vector<TranslationResult>> translate_nbest(
      const std::vector<std::string>& lines);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The toolkit version, e.g. "0.1.0".
std::string version();

}  // namespace swt
