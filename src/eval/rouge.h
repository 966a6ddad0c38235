// ROUGE-1, ROUGE-2 and ROUGE-L F1 as Google's rouge-score package
// (rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])) computes them per line,
// averaged over lines. See docs/eval.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swt::eval {

// rouge-score's tokenize(): Python's str.lower(), every run of characters outside
// [a-z0-9] becomes one space, split on whitespace; with `stem`, porter_stem() in NLTK's
// mode (PorterMode::kNltkExtensions, as rouge-score's NLTK PorterStemmer()) on tokens
// longer than 3 characters. Non-ASCII characters are separators, except the two whose
// Python lower case is ASCII: U+212A KELVIN SIGN -> "k" and U+0130 (İ) -> "i" (its
// lower case "i̇" ends in a combining dot, a separator).
std::vector<std::string> rouge_tokenize(std::string_view text, bool stem);

// Precision, recall and F1 (2PR / (P + R), 0 when P + R = 0) of one line.
struct RougeScore {
  double precision = 0, recall = 0, f1 = 0;
};

// ROUGE-N: clipped n-gram matches (sum over distinct n-grams of min(count in target,
// count in prediction)) over the prediction's (P) and target's (R) n-gram counts. A side
// without n-grams scores 0.
RougeScore rouge_n(const std::vector<std::string>& target,
                   const std::vector<std::string>& prediction, int n);

// ROUGE-L (sentence level): LCS length over prediction (P) and target (R) lengths; 0 if
// either side has no tokens.
RougeScore rouge_l(const std::vector<std::string>& target,
                   const std::vector<std::string>& prediction);

struct RougeResult {
  double rouge1 = 0, rouge2 = 0, rougeL = 0;  // mean F1 over lines, x100
  bool stem = false;
  std::string lines() const;      // "ROUGE-1 = 47.06\nROUGE-2 = 26.67\nROUGE-L = 47.06"
  std::string signature() const;  // "ROUGE|f1:mean|tok:rouge-score|stem:no"
};

// Mean over lines of each line's F1; hyps[i] is scored against refs[i] (same size, or
// swt::Error). No lines: all 0.
RougeResult corpus_rouge(const std::vector<std::string>& hyps, const std::vector<std::string>& refs,
                         bool stem);

}  // namespace swt::eval
