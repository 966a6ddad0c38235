#include "eval/rouge.h"

#include <algorithm>
#include <map>

#include "eval/porter_stemmer.h"
#include "eval/py_text.h"
#include "eval/signature.h"
#include "util/error.h"

namespace swt::eval {

namespace {

// What a code point becomes after Python's lower(): an ASCII letter or digit, or 0
// for a separator.
char rouge_char(char32_t c) {
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return static_cast<char>(c);
  if (c == 0x212A) return 'k';  // KELVIN SIGN
  return 0;
}

double f1(double precision, double recall) {
  return precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
}

RougeScore score(double matches, std::size_t prediction_total, std::size_t target_total) {
  RougeScore s;
  s.precision = matches / static_cast<double>(std::max<std::size_t>(prediction_total, 1));
  s.recall = matches / static_cast<double>(std::max<std::size_t>(target_total, 1));
  s.f1 = f1(s.precision, s.recall);
  return s;
}

std::map<std::vector<std::string>, int> ngram_counts(const std::vector<std::string>& tokens,
                                                     int n) {
  std::map<std::vector<std::string>, int> counts;
  const auto size = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i + size <= tokens.size(); ++i)
    ++counts[std::vector<std::string>(tokens.begin() + static_cast<std::ptrdiff_t>(i),
                                      tokens.begin() + static_cast<std::ptrdiff_t>(i + size))];
  return counts;
}

std::size_t lcs_length(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::size_t> row(b.size() + 1, 0), previous(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::swap(row, previous);
    for (std::size_t j = 1; j <= b.size(); ++j)
      row[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], row[j - 1]);
  }
  return a.empty() ? 0 : row[b.size()];
}

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text, bool stem) {
  std::vector<std::string> tokens;
  std::string token;
  auto finish = [&] {
    if (token.empty()) return;
    // rouge-score calls NLTK's PorterStemmer(), i.e. the NLTK-extensions mode.
    tokens.push_back(stem && token.size() > 3 ? porter_stem(token, PorterMode::kNltkExtensions)
                                              : token);
    token.clear();
  };
  for (const char32_t c : decode_utf8(text)) {
    const char ascii = rouge_char(c);
    if (c == 0x0130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE: lower() gives "i" + U+0307
      token += 'i';
      finish();
    } else if (ascii == 0) {
      finish();
    } else {
      token += ascii;
    }
  }
  finish();
  return tokens;
}

RougeScore rouge_n(const std::vector<std::string>& target,
                   const std::vector<std::string>& prediction, int n) {
  const auto target_counts = ngram_counts(target, n);
  const auto prediction_counts = ngram_counts(prediction, n);
  std::size_t matches = 0, target_total = 0, prediction_total = 0;
  for (const auto& [ngram, count] : target_counts) {
    target_total += static_cast<std::size_t>(count);
    const auto found = prediction_counts.find(ngram);
    if (found != prediction_counts.end())
      matches += static_cast<std::size_t>(std::min(count, found->second));
  }
  for (const auto& entry : prediction_counts)
    prediction_total += static_cast<std::size_t>(entry.second);
  return score(static_cast<double>(matches), prediction_total, target_total);
}

RougeScore rouge_l(const std::vector<std::string>& target,
                   const std::vector<std::string>& prediction) {
  if (target.empty() || prediction.empty()) return {};
  return score(static_cast<double>(lcs_length(target, prediction)), prediction.size(),
               target.size());
}

std::string RougeResult::lines() const {
  return "ROUGE-1 = " + format_fixed(rouge1, 2) + "\nROUGE-2 = " + format_fixed(rouge2, 2) +
         "\nROUGE-L = " + format_fixed(rougeL, 2);
}

std::string RougeResult::signature() const {
  return std::string("ROUGE|f1:mean|tok:rouge-score|stem:") + (stem ? "porter" : "no");
}

RougeResult corpus_rouge(const std::vector<std::string>& hyps, const std::vector<std::string>& refs,
                         bool stem) {
  if (hyps.size() != refs.size())
    fail("ROUGE: " + std::to_string(hyps.size()) + " hypotheses but " +
         std::to_string(refs.size()) + " references");
  RougeResult result;
  result.stem = stem;
  if (hyps.empty()) return result;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    const auto target = rouge_tokenize(refs[i], stem);
    const auto prediction = rouge_tokenize(hyps[i], stem);
    result.rouge1 += rouge_n(target, prediction, 1).f1;
    result.rouge2 += rouge_n(target, prediction, 2).f1;
    result.rougeL += rouge_l(target, prediction).f1;
  }
  const double scale = 100.0 / static_cast<double>(hyps.size());
  result.rouge1 *= scale;
  result.rouge2 *= scale;
  result.rougeL *= scale;
  return result;
}

}  // namespace swt::eval
