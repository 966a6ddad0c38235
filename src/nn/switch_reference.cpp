#include "nn/switch_reference.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "nn/masked_softmax.h"

namespace swt::nn {

namespace {

// One key of the universe: tokens (level 0) and pooled slots of 2^level tokens.
struct UKey {
  int64_t level, index, start, end;  // tokens [start, end)
  int64_t size() const { return int64_t{1} << level; }
};

std::vector<UKey> universe(int64_t n, const SwitchGeometry& g) {
  std::vector<UKey> keys;
  const int64_t top = log2_exact(g.segment_size(n));
  for (int64_t l = 0; l <= top; ++l)
    for (int64_t s = 0; (s << l) < n; ++s)
      keys.push_back({l, s, s << l, std::min((s + 1) << l, n)});
  return keys;
}

torch::Tensor pooling_matrix(const std::vector<UKey>& keys, int64_t n,
                             const torch::TensorOptions& opts) {
  auto p = torch::zeros({static_cast<int64_t>(keys.size()), n}, opts.dtype(torch::kDouble));
  auto a = p.accessor<double, 2>();
  for (size_t m = 0; m < keys.size(); ++m)
    for (int64_t t = keys[m].start; t < keys[m].end; ++t)
      a[m][t] = 1.0 / static_cast<double>(keys[m].end - keys[m].start);
  return p.to(opts);
}

// The rules of SPEC section 4 for one query, as predicates on a key.
struct QueryRules {
  const SwitchGeometry& g;
  SwitchMode mode;
  int64_t n, pos, r, z;

  QueryRules(const SwitchGeometry& geo, SwitchMode m, int64_t length, int64_t p)
      : g(geo), mode(m), n(length), pos(m == SwitchMode::kCross ? 0 : p) {
    r = g.segment_size(mode == SwitchMode::kCausal ? pos + 1 : n);
    z = g.sub_size(r);
  }
  bool causal() const { return mode == SwitchMode::kCausal; }
  bool self() const { return mode != SwitchMode::kCross; }
  int64_t lo() const { return std::max<int64_t>(0, pos - g.window); }
  int64_t hi() const { return causal() ? pos : std::min(n - 1, pos + g.window); }
  bool at(const UKey& key, int64_t size) const { return key.size() == size; }
  bool complete_before(const UKey& key) const { return key.start + r <= pos + 1; }

  bool coarse(const UKey& key) const {
    if (!causal()) return at(key, r);
    const bool slot = at(key, r) && complete_before(key);
    const int64_t unfinished = (pos + 1) / r * r;  // first token not in a completed slot
    const bool local =
        at(key, 1) && key.start >= unfinished && key.start >= pos - g.window && key.start <= pos;
    return slot || local;
  }
  bool window(const UKey& key) const {
    return self() && at(key, 1) && key.start >= lo() && key.start <= hi();
  }
  bool candidate(const UKey& key) const {
    if (!at(key, r)) return false;
    if (causal() && !complete_before(key)) return false;
    const bool touches = key.start <= hi() && key.end - 1 >= lo();
    return !self() || !touches;
  }
  int64_t top_k() const { return self() ? g.top_k : g.cross_top_k(r / z); }
  bool medium(const UKey& key, const std::set<int64_t>& chosen) const {
    return at(key, z) && chosen.count(key.start / r) > 0;
  }
  int64_t bias_column(const UKey& key) const {
    return self() ? g.bias_column(key.level, key.index - pos / key.size()) : -1;
  }
};

std::set<int64_t> choose(const QueryRules& rules, const std::vector<UKey>& keys,
                         const double* scores) {
  std::vector<std::pair<double, int64_t>> ranked;  // (-score, segment)
  for (size_t m = 0; m < keys.size(); ++m)
    if (rules.candidate(keys[m])) ranked.push_back({-scores[m], keys[m].index});
  std::sort(ranked.begin(), ranked.end());
  std::set<int64_t> chosen;
  for (int64_t j = 0; j < std::min<int64_t>(rules.top_k(), ranked.size()); ++j)
    chosen.insert(ranked[j].second);
  return chosen;
}

}  // namespace

torch::Tensor switch_reference(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const torch::Tensor& bias_table,
                               const std::vector<int64_t>& positions, SwitchMode mode,
                               const SwitchGeometry& g, int64_t fine_heads) {
  const int64_t heads = q.size(0), nq = q.size(1), d = q.size(2), n = k.size(1);
  if (n == 0) return q * 0;
  const auto keys = universe(n, g);
  const int64_t m_count = static_cast<int64_t>(keys.size());
  const auto pool = pooling_matrix(keys, n, k.options());
  auto uk = torch::matmul(pool, k), uv = torch::matmul(pool, v);  // [H, M, d]
  auto scores = torch::matmul(q, uk.transpose(1, 2)) / std::sqrt(static_cast<double>(d));
  auto raw = torch::matmul(q, uk.transpose(1, 2)).detach().to(torch::kDouble).contiguous();
  auto allowed = torch::zeros({heads, nq, m_count}, torch::kBool);
  auto columns = torch::zeros({nq, m_count}, torch::kLong);
  auto has_bias = torch::zeros({nq, m_count}, q.options());
  auto al = allowed.accessor<bool, 3>();
  auto co = columns.accessor<int64_t, 2>();
  for (int64_t i = 0; i < nq; ++i) {
    const QueryRules rules(g, mode, n, positions.empty() ? 0 : positions[i]);
    for (int64_t m = 0; m < m_count; ++m) {
      const int64_t c = rules.bias_column(keys[m]);
      if (c >= 0) {
        co[i][m] = c;
        has_bias[i][m] = 1;
      }
      for (int64_t h = fine_heads; h < heads; ++h) al[h][i][m] = rules.coarse(keys[m]);
    }
    for (int64_t h = 0; h < fine_heads; ++h) {
      const auto chosen = choose(rules, keys, raw[h][i].data_ptr<double>());
      for (int64_t m = 0; m < m_count; ++m)
        al[h][i][m] = rules.window(keys[m]) || rules.medium(keys[m], chosen);
    }
  }
  if (bias_table.size(1) > 0)
    scores =
        scores + bias_table.index_select(1, columns.view(-1)).view({heads, nq, m_count}) * has_bias;
  return torch::matmul(masked_softmax(scores, allowed), uv);
}

}  // namespace swt::nn
