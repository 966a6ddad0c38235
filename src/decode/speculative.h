// Self-speculative greedy decoding (LayerSkip, Elhoushi et al. 2024; Draft &
// Verify, Zhang et al. 2024): the first decoder layers, read out through the
// shared exit that multi-exit training taught them, draft a few tokens; the
// whole decoder then scores every drafted position in one pass, and each row
// keeps the longest prefix the full model agrees with plus the full model's
// own next token. Every kept token is the full model's greedy choice, computed
// with the same kernels as a plain step, so the output is the plain greedy
// output; the saving is that one verification pass reads the weights once for
// several tokens.
#pragma once

#include <string>
#include <vector>

#include "decode/search.h"

namespace swt::decode {

struct SpeculativeStats {
  int64_t passes = 0;    // verification passes over the whole decoder, counted per sentence
  int64_t drafted = 0;   // draft tokens proposed
  int64_t accepted = 0;  // draft tokens the full model agreed with
  int64_t emitted = 0;   // output tokens, </s> included
  // Where the time goes: draft steps and verification passes over the whole
  // batch (not per sentence), and the seconds spent in each.
  int64_t draft_steps = 0, verify_passes = 0;
  double draft_seconds = 0, verify_seconds = 0;

  double acceptance() const { return drafted ? static_cast<double>(accepted) / drafted : 0.0; }
  double tokens_per_pass() const { return passes ? static_cast<double>(emitted) / passes : 0.0; }
  double ms_per_draft_step() const { return draft_steps ? 1e3 * draft_seconds / draft_steps : 0; }
  double ms_per_verify_pass() const {
    return verify_passes ? 1e3 * verify_seconds / verify_passes : 0;
  }
  SpeculativeStats& operator+=(const SpeculativeStats& o);
};

// "speculative: 1234 passes, 2.61 tokens/pass, acceptance 0.71 (2100 of 2958
// drafts), draft step 0.62 ms, verification pass 3.10 ms\n"
std::string format_speculative_stats(const SpeculativeStats& stats);

// Fails with one line naming the option when options.speculative does not fit
// the other options or the model (translator.h's check_translate_options calls it).
void check_speculative_options(const SearchOptions& options, const model::ModelConfig& model);

// Greedy search (options.beam must be 1, without per-token decoder exits)
// with options.speculative. Returns what search() returns.
std::vector<std::vector<Hypothesis>> speculative_search(model::TransformerImpl& model,
                                                        const torch::Tensor& src,
                                                        const SearchOptions& options,
                                                        SpeculativeStats* stats = nullptr);

}  // namespace swt::decode
