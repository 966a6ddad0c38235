// Corpus BLEU identical to sacreBLEU 2.x defaults: 13a tokenisation (or plain
// whitespace splitting), n-grams up to 4, 'exp' smoothing, no effective order,
// mixed case. With BleuTokenize::kNone and no order without matches, the score
// also equals multi-bleu.perl's on the same whitespace tokens.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace swt::eval {

enum class BleuTokenize { k13a, kNone };

// Parses "13a" / "none"; throws swt::Error for anything else.
BleuTokenize parse_bleu_tokenize(const std::string& name);
const char* bleu_tokenize_name(BleuTokenize tok);

// Sufficient statistics, summed over segments.
struct BleuStats {
  std::int64_t hyp_len = 0, ref_len = 0;
  std::array<std::int64_t, 4> correct{}, total{};  // clipped matches / hypothesis n-grams
};

struct BleuResult {
  double score = 0;                    // 0..100
  std::array<double, 4> precisions{};  // 0..100 (smoothed where an order has no match)
  double bp = 0, ratio = 0;
  std::int64_t hyp_len = 0, ref_len = 0;
  std::array<std::int64_t, 4> counts{}, totals{};
  std::string signature;  // "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1"
  // "BLEU = 27.81 61.2/35.1/22.0/14.2 (BP = 1.000 ratio = 1.012 hyp_len = 123 ref_len = 121)"
  std::string line() const;
};

// One reference per hypothesis (the two vectors must have the same size).
BleuResult corpus_bleu(const std::vector<std::string>& hyps, const std::vector<std::string>& refs,
                       BleuTokenize tok = BleuTokenize::k13a);

// Several reference streams, each parallel to `hyps`, as sacreBLEU's
// corpus_score(hyps, [refs1, refs2, ...]). Empty reference lines are skipped
// per segment (sacreBLEU's variable number of references, "nrefs:var"). Where
// every reference of a segment is empty, sacreBLEU refuses; we score the
// segment against an empty reference instead (no matches, length 0).
BleuResult corpus_bleu_multi(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             BleuTokenize tok = BleuTokenize::k13a, bool effective_order = false);

// The score from already summed statistics (sacreBLEU's BLEU.compute_bleu with
// smooth_method='exp'). `signature` is left empty.
BleuResult compute_bleu(const BleuStats& stats, bool effective_order = false);

}  // namespace swt::eval
