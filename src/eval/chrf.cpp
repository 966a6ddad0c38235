#include "eval/chrf.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "eval/py_text.h"
#include "eval/signature.h"
#include "util/error.h"

namespace swt::eval {

namespace {

using Counts = std::unordered_map<std::u32string_view, std::int64_t>;

// Per order n: hypothesis n-grams, reference n-grams, matched n-grams.
struct OrderStats {
  std::int64_t hyp = 0, ref = 0, match = 0;
};
using Stats = std::vector<OrderStats>;

// The code points of a segment, whitespace dropped unless asked to keep it
// (sacreBLEU: "".join(line.split())), and their n-gram counts per order. The
// counts' keys point into `chars`, so a Segment is built in place, never moved.
struct Segment {
  std::u32string chars;
  std::vector<Counts> ngrams;

  Segment(const std::string& line, const ChrfOptions& options) {
    const std::u32string decoded = decode_utf8(line);
    for (char32_t c : decoded)
      if (options.whitespace || !is_py_space(c)) chars.push_back(c);
    const std::u32string_view view(chars);
    ngrams.resize(static_cast<std::size_t>(options.char_order));
    for (std::size_t n = 1; n <= ngrams.size(); ++n)
      for (std::size_t i = 0; i + n <= view.size(); ++i) ++ngrams[n - 1][view.substr(i, n)];
  }
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
};

std::int64_t total(const Counts& counts) {
  std::int64_t sum = 0;
  for (const auto& entry : counts) sum += entry.second;
  return sum;
}

OrderStats match_order(const Counts& hyp, const Counts& ref) {
  OrderStats s;
  for (const auto& [ngram, count] : hyp) {
    s.hyp += count;
    const auto it = ref.find(ngram);
    if (it != ref.end()) s.match += std::min(count, it->second);
  }
  // sacreBLEU does not count hypothesis n-grams of an order the reference lacks.
  if (ref.empty()) s.hyp = 0;
  s.ref = total(ref);
  return s;
}

double f_beta(double prec, double rec, double factor) {
  return (1 + factor) * prec * rec / (factor * prec + rec);
}

// chrF++.py / NLTK style: F per order (eps where undefined), averaged over all orders.
double eps_smoothed_score(const Stats& stats, double factor) {
  constexpr double kEps = 1e-16;
  double sum = 0;
  for (const OrderStats& s : stats) {
    const double prec = s.hyp > 0 ? double(s.match) / double(s.hyp) : kEps;
    const double rec = s.ref > 0 ? double(s.match) / double(s.ref) : kEps;
    sum += factor * prec + rec > 0 ? f_beta(prec, rec, factor) : kEps;
  }
  return 100 * sum / double(stats.size());
}

// sacreBLEU's default: average precision and recall over the orders where both
// sides have n-grams, then one F-beta of the averages.
double effective_order_score(const Stats& stats, double factor) {
  double prec = 0, rec = 0;
  int orders = 0;
  for (const OrderStats& s : stats) {
    if (s.hyp == 0 || s.ref == 0) continue;
    prec += double(s.match) / double(s.hyp);
    rec += double(s.match) / double(s.ref);
    ++orders;
  }
  if (orders == 0 || prec + rec == 0) return 0.0;
  return 100 * f_beta(prec / orders, rec / orders, factor);
}

double score_of(const Stats& stats, const ChrfOptions& options) {
  const double factor = double(options.beta) * double(options.beta);
  return options.eps_smoothing ? eps_smoothed_score(stats, factor)
                               : effective_order_score(stats, factor);
}

// The statistics against whichever reference scores best on this segment.
Stats best_segment_stats(const Segment& hyp, const std::vector<std::string>& refs,
                         const ChrfOptions& options) {
  Stats best;
  double best_score = -1;
  for (const std::string& line : refs) {
    const Segment ref(line, options);
    Stats stats;
    for (std::size_t n = 0; n < hyp.ngrams.size(); ++n)
      stats.push_back(match_order(hyp.ngrams[n], ref.ngrams[n]));
    const double score = score_of(stats, options);
    if (score > best_score) {
      best_score = score;
      best = std::move(stats);
    }
  }
  return best;
}

void check_options(const ChrfOptions& options) {
  if (options.char_order < 1 || options.beta < 1)
    fail("chrF: char order and beta must be positive");
}

}  // namespace

std::string ChrfResult::line() const { return name + " = " + format_fixed(score, 2); }

ChrfResult corpus_chrf_multi(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             const ChrfOptions& options) {
  check_options(options);
  if (ref_streams.empty()) fail("chrF needs at least one reference stream");
  for (const auto& stream : ref_streams)
    if (stream.size() != hyps.size())
      fail("chrF: " + std::to_string(hyps.size()) + " hypotheses but " +
           std::to_string(stream.size()) + " references");
  Stats sum(static_cast<std::size_t>(options.char_order));
  std::vector<int> refs_per_segment;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    std::vector<std::string> refs;
    for (const auto& stream : ref_streams)
      if (!stream[i].empty()) refs.push_back(stream[i]);
    refs_per_segment.push_back(static_cast<int>(std::max<std::size_t>(refs.size(), 1)));
    if (refs.empty()) refs.emplace_back();  // see header: an empty reference
    const Segment hyp(hyps[i], options);
    const Stats stats = best_segment_stats(hyp, refs, options);
    for (std::size_t n = 0; n < sum.size(); ++n) {
      sum[n].hyp += stats[n].hyp;
      sum[n].ref += stats[n].ref;
      sum[n].match += stats[n].match;
    }
  }
  ChrfResult r;
  r.score = score_of(sum, options);
  r.name = "chrF" + std::to_string(options.beta);
  r.signature = chrf_signature(nrefs_field(refs_per_segment), options.beta, options.char_order,
                               options.whitespace, options.eps_smoothing);
  return r;
}

ChrfResult corpus_chrf(const std::vector<std::string>& hyps, const std::vector<std::string>& refs) {
  return corpus_chrf_multi(hyps, {refs});
}

}  // namespace swt::eval
