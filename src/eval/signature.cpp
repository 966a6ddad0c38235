#include "eval/signature.h"

#include <cstdio>
#include <cstdlib>
#include <set>

namespace swt::eval {

std::string format_fixed(double value, int decimals) {
  // glibc's printf rounds the exact binary value to nearest, ties to even,
  // which is what Python's float formatting does too.
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

double round2(double value) { return std::strtod(format_fixed(value, 2).c_str(), nullptr); }

std::string nrefs_field(const std::vector<int>& refs_per_segment) {
  const std::set<int> counts(refs_per_segment.begin(), refs_per_segment.end());
  if (counts.size() == 1) return std::to_string(*counts.begin());
  return counts.empty() ? "1" : "var";
}

std::string bleu_signature(const std::string& nrefs, bool effective_order,
                           const std::string& tokenizer) {
  return "BLEU|nrefs:" + nrefs + "|case:mixed|eff:" + (effective_order ? "yes" : "no") +
         "|tok:" + tokenizer + "|smooth:exp|version:" + kSacrebleuVersion;
}

std::string chrf_signature(const std::string& nrefs, int beta, int char_order, bool whitespace,
                           bool eps_smoothing) {
  return "chrF" + std::to_string(beta) + "|nrefs:" + nrefs +
         "|case:mixed|eff:" + (eps_smoothing ? "no" : "yes") + "|nc:" + std::to_string(char_order) +
         "|nw:0|space:" + (whitespace ? "yes" : "no") + "|version:" + kSacrebleuVersion;
}

}  // namespace swt::eval
