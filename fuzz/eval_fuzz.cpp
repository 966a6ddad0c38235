// Fuzzes the evaluation tokenizers (src/eval/): sacreBLEU's 13a tokenizer, the
// "none" tokenizer (whitespace split, py_text.h) and chrF's character
// extraction, through tokenize_13a, corpus_bleu and corpus_chrf. Input layout:
// hypothesis lines, optionally a NUL byte and reference lines (without one,
// the hypotheses are their own references). Checks: 13a output is words joined
// by single spaces (re-splitting it gives it back), scores are in [0, 100],
// and a corpus scored against itself is 100 (or 0 when it has no n-grams).
#include <cmath>

#include "eval/bleu.h"
#include "eval/chrf.h"
#include "eval/py_text.h"
#include "eval/tokenizer_13a.h"
#include "fuzz_util.h"
#include "util/error.h"

namespace {

void check_13a(const std::string& line) {
  const std::string out = swt::eval::tokenize_13a(line);
  std::string rejoined;
  for (auto word : swt::eval::py_split(out)) {
    if (!rejoined.empty()) rejoined += ' ';
    rejoined.append(word);
  }
  SWT_FUZZ_CHECK(rejoined == out, "13a output is not single-space separated: '%s'", out.c_str());
}

void check_score(double score, const char* what) {
  SWT_FUZZ_CHECK(std::isfinite(score) && score >= 0 && score <= 100.0000001, "%s = %f", what,
                 score);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swt::eval;
  const auto [hyp_text, ref_text] =
      swt::fuzz::split_at_nul(std::string_view(reinterpret_cast<const char*>(data), size));
  auto hyps = swt::fuzz::split_lines(hyp_text);
  auto refs = ref_text.empty() ? hyps : swt::fuzz::split_lines(ref_text);
  if (hyps.size() < refs.size()) hyps.resize(refs.size());
  if (refs.size() < hyps.size()) refs.resize(hyps.size());
  for (const auto& line : hyps) check_13a(line);
  for (const auto& line : refs) check_13a(line);
  try {
    for (const auto tok : {BleuTokenize::k13a, BleuTokenize::kNone}) {
      check_score(corpus_bleu(hyps, refs, tok).score, "BLEU");
      check_score(corpus_bleu_multi(hyps, {refs, hyps}, tok, true).score, "BLEU multi");
      const auto self = corpus_bleu(hyps, hyps, tok);
      SWT_FUZZ_CHECK(self.hyp_len == self.ref_len, "self BLEU lengths differ");
    }
    check_score(corpus_chrf(hyps, refs).score, "chrF");
    const auto self = corpus_chrf(hyps, hyps);
    SWT_FUZZ_CHECK(self.score == 0 || std::fabs(self.score - 100) < 1e-9, "self chrF = %f",
                   self.score);
    ChrfOptions options;
    options.whitespace = true;
    options.eps_smoothing = true;
    check_score(corpus_chrf_multi(hyps, {refs}, options).score, "chrF eps");
  } catch (const swt::Error&) {
  }
  return 0;
}
