#include "eval/bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <unordered_map>

#include "eval/py_text.h"
#include "eval/signature.h"
#include "eval/tokenizer_13a.h"
#include "util/error.h"

namespace swt::eval {

namespace {

constexpr int kMaxOrder = 4;

// n-grams of all orders keyed by their words joined with ' ' (tokens never
// contain whitespace, so the key is unambiguous).
using NgramCounts = std::unordered_map<std::string, std::int64_t>;

using Words = std::vector<std::string>;

// sacreBLEU: tokenizer(line.rstrip()).split()
Words preprocess(const std::string& line, BleuTokenize tok) {
  const std::string_view trimmed = py_rstrip(line);
  const std::string text = tok == BleuTokenize::k13a ? tokenize_13a(trimmed) : std::string(trimmed);
  const auto views = py_split(text);
  return Words(views.begin(), views.end());
}

NgramCounts count_ngrams(const Words& words) {
  NgramCounts counts;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string key;
    for (std::size_t n = 1; n <= kMaxOrder && i + n <= words.size(); ++n) {
      if (n > 1) key += ' ';
      key.append(words[i + n - 1]);
      ++counts[key];
    }
  }
  return counts;
}

// sacreBLEU: the reference length closest to the hypothesis, shorter on ties.
std::int64_t closest_ref_len(std::int64_t hyp_len, const std::vector<std::int64_t>& ref_lens) {
  std::int64_t best = -1, best_diff = -1;
  for (std::int64_t len : ref_lens) {
    const std::int64_t diff = std::llabs(hyp_len - len);
    if (best_diff < 0 || diff < best_diff || (diff == best_diff && len < best)) {
      best = len;
      best_diff = diff;
    }
  }
  return best;
}

// Adds one segment's statistics against the non-empty references `refs`.
void add_segment(const Words& hyp, const std::vector<Words>& refs, BleuStats& stats) {
  NgramCounts ref_max;  // per n-gram, the highest count in any one reference
  std::vector<std::int64_t> ref_lens;
  for (const Words& ref : refs) {
    ref_lens.push_back(static_cast<std::int64_t>(ref.size()));
    for (const auto& [ngram, count] : count_ngrams(ref))
      ref_max[ngram] = std::max(ref_max[ngram], count);
  }
  const auto hyp_len = static_cast<std::int64_t>(hyp.size());
  stats.hyp_len += hyp_len;
  stats.ref_len += closest_ref_len(hyp_len, ref_lens);
  for (const auto& [ngram, count] : count_ngrams(hyp)) {
    const auto order = static_cast<std::size_t>(std::count(ngram.begin(), ngram.end(), ' '));
    stats.total[order] += count;
    const auto it = ref_max.find(ngram);
    if (it != ref_max.end()) stats.correct[order] += std::min(count, it->second);
  }
}

// sacreBLEU's my_log: log(0) is a large negative number, not -inf.
double my_log(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

std::string join_precisions(const std::array<double, 4>& precisions) {
  std::string out;
  for (double p : precisions) out += (out.empty() ? "" : "/") + format_fixed(p, 1);
  return out;
}

}  // namespace

BleuTokenize parse_bleu_tokenize(const std::string& name) {
  if (name == "13a") return BleuTokenize::k13a;
  if (name == "none") return BleuTokenize::kNone;
  fail("unknown BLEU tokenizer '" + name + "' (expected 13a or none)");
}

const char* bleu_tokenize_name(BleuTokenize tok) {
  return tok == BleuTokenize::k13a ? "13a" : "none";
}

std::string BleuResult::line() const {
  return "BLEU = " + format_fixed(score, 2) + " " + join_precisions(precisions) +
         " (BP = " + format_fixed(bp, 3) + " ratio = " + format_fixed(ratio, 3) +
         " hyp_len = " + std::to_string(hyp_len) + " ref_len = " + std::to_string(ref_len) + ")";
}

BleuResult compute_bleu(const BleuStats& stats, bool effective_order) {
  BleuResult r;
  r.hyp_len = stats.hyp_len;
  r.ref_len = stats.ref_len;
  r.counts = stats.correct;
  r.totals = stats.total;
  r.ratio = stats.ref_len ? double(stats.hyp_len) / double(stats.ref_len) : 0.0;
  if (stats.hyp_len < stats.ref_len)
    r.bp = stats.hyp_len > 0 ? std::exp(1.0 - double(stats.ref_len) / double(stats.hyp_len)) : 0.0;
  else
    r.bp = 1.0;
  // No match at any order: sacreBLEU returns 0 with all precisions 0.
  if (std::all_of(stats.correct.begin(), stats.correct.end(), [](auto c) { return c == 0; }))
    return r;
  // 'exp' smoothing (NIST mteval): the k-th order without matches gets 1/2^k matches.
  double smooth = 1.0;
  int orders = kMaxOrder;
  for (int n = 0; n < kMaxOrder; ++n) {
    if (stats.total[n] == 0) break;
    if (effective_order) orders = n + 1;
    if (stats.correct[n] == 0) {
      smooth *= 2;
      r.precisions[n] = 100.0 / (smooth * double(stats.total[n]));
    } else {
      r.precisions[n] = 100.0 * double(stats.correct[n]) / double(stats.total[n]);
    }
  }
  double log_sum = 0;
  for (int n = 0; n < orders; ++n) log_sum += my_log(r.precisions[n]);
  r.score = r.bp * std::exp(log_sum / orders);
  return r;
}

BleuResult corpus_bleu_multi(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams,
                             BleuTokenize tok, bool effective_order) {
  if (ref_streams.empty()) fail("BLEU needs at least one reference stream");
  for (const auto& stream : ref_streams)
    if (stream.size() != hyps.size())
      fail("BLEU: " + std::to_string(hyps.size()) + " hypotheses but " +
           std::to_string(stream.size()) + " references");
  BleuStats stats;
  std::vector<int> refs_per_segment;
  for (std::size_t i = 0; i < hyps.size(); ++i) {
    std::vector<Words> refs;
    for (const auto& stream : ref_streams)
      if (!stream[i].empty()) refs.push_back(preprocess(stream[i], tok));
    refs_per_segment.push_back(static_cast<int>(std::max<std::size_t>(refs.size(), 1)));
    if (refs.empty()) refs.emplace_back();  // see header: score against an empty reference
    add_segment(preprocess(hyps[i], tok), refs, stats);
  }
  BleuResult r = compute_bleu(stats, effective_order);
  r.signature =
      bleu_signature(nrefs_field(refs_per_segment), effective_order, bleu_tokenize_name(tok));
  return r;
}

BleuResult corpus_bleu(const std::vector<std::string>& hyps, const std::vector<std::string>& refs,
                       BleuTokenize tok) {
  return corpus_bleu_multi(hyps, {refs}, tok);
}

}  // namespace swt::eval
