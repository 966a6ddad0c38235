// Corpus chrF identical to sacreBLEU 2.x defaults (chrF2): character n-grams
// of orders 1..6 over Unicode code points with whitespace removed, no word
// n-grams, beta = 2, statistics summed over segments, then precision and
// recall each averaged over the orders that have hypothesis and reference
// n-grams ("effective order", sacreBLEU's default; signature eff:yes), and the
// F-beta of those averages.
#pragma once

#include <string>
#include <vector>

namespace swt::eval {

struct ChrfResult {
  double score = 0;       // 0..100
  std::string signature;  // "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1"
  std::string name = "chrF2";
  std::string line() const;  // "chrF2 = 49.92"
};

// sacreBLEU's CHRF parameters that we support; the defaults are sacreBLEU's.
struct ChrfOptions {
  int char_order = 6;
  int beta = 2;
  bool whitespace = false;     // keep whitespace inside character n-grams
  bool eps_smoothing = false;  // chrF++.py-style: average F over all orders, eps for empty ones
};

// One reference per hypothesis (the two vectors must have the same size).
ChrfResult corpus_chrf(const std::vector<std::string>& hyps, const std::vector<std::string>& refs);

// Several reference streams, each parallel to `hyps`: per segment the
// reference with the best chrF counts (first one on ties). Empty references are
// skipped per segment; a segment whose references are all empty is scored
// against an empty reference (sacreBLEU refuses such input).
ChrfResult corpus_chrf_multi(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             const ChrfOptions& options = {});

}  // namespace swt::eval
