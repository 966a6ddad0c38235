#include "nn/switch_layout.h"

#include <algorithm>

#include "kernels/parallel.h"
#include "nn/switch_kernels.h"
#include "util/error.h"

namespace swt::nn {

int64_t log2_exact(int64_t power_of_two) {
  int64_t l = 0;
  while ((int64_t{1} << l) < power_of_two) ++l;
  return l;
}

int64_t SwitchGeometry::segment_size(int64_t n) const {
  int64_t r = 1;
  while (r < max_segment && (n + r - 1) / r > memory_slots) r *= 2;
  return r;
}

int64_t SwitchGeometry::levels() const { return log2_exact(max_segment) + 1; }

int64_t SwitchGeometry::bias_column(int64_t level, int64_t dist) const {
  return level * bias_width() + std::clamp(dist, -rel_clip, rel_clip) + rel_clip;
}

namespace {

// Adds level `l` (pools of 2^l tokens) for every sequence long enough to use it.
void add_level(PoolPlan& p, int64_t l, const std::vector<int64_t>& max_level) {
  const int64_t size = int64_t{1} << l;
  std::vector<int64_t> dest(p.tokens, -1);
  std::vector<float> counts;
  int64_t level_rows = 0;
  for (size_t b = 0; b < p.length.size(); ++b) {
    if (max_level[b] < l) continue;
    p.base[b][l] = p.rows + level_rows;
    const int64_t n = p.length[b];
    for (int64_t s = 0; s * size < n; ++s) {
      p.row_start.push_back(p.offset[b] + s * size);
      p.row_size.push_back(std::min(size, n - s * size));
      counts.push_back(static_cast<float>(p.row_size.back()));
    }
    for (int64_t t = 0; t < n; ++t) dest[p.offset[b] + t] = level_rows + t / size;
    level_rows += (n + size - 1) / size;
  }
  for (auto& d : dest)
    if (d < 0) d = level_rows;  // the extra "trash" row, dropped after pooling
  p.level_dest[l] = torch::tensor(dest, torch::kLong);
  p.level_count[l] = torch::tensor(counts, torch::kFloat);
  p.level_rows[l] = level_rows;
  p.level_first[l] = p.rows;
  p.rows += level_rows;
}

}  // namespace

PoolPlan make_pool_plan(const std::vector<int64_t>& lengths, const SwitchGeometry& g) {
  PoolPlan p;
  p.length = lengths;
  const int64_t levels = g.levels();
  std::vector<int64_t> max_level;
  for (int64_t n : lengths) {
    p.offset.push_back(p.tokens);
    p.tokens += n;
    max_level.push_back(log2_exact(g.segment_size(n)));
    p.base.emplace_back(levels, -1);
    p.base.back()[0] = p.offset.back();
  }
  p.rows = p.tokens;
  for (int64_t t = 0; t < p.tokens; ++t) {
    p.row_start.push_back(t);
    p.row_size.push_back(1);
  }
  p.level_dest.resize(levels);
  p.level_count.resize(levels);
  p.level_rows.assign(levels, 0);
  p.level_first.assign(levels, p.rows);
  for (int64_t l = 1; l < levels; ++l) add_level(p, l, max_level);
  return p;
}

torch::Tensor pool_bank(const torch::Tensor& x, const PoolPlan& plan) {
  std::vector<torch::Tensor> parts{x};
  for (size_t l = 1; l < plan.level_rows.size(); ++l) {
    const int64_t rows = plan.level_rows[l];
    if (rows == 0) continue;
    auto sums = torch::zeros({rows + 1, x.size(1)}, x.options())
                    .index_add(0, plan.level_dest[l].to(x.device()), x)
                    .narrow(0, 0, rows);
    parts.push_back(sums / plan.level_count[l].to(x.options()).unsqueeze(1));
  }
  return torch::cat(parts, 0);
}

namespace {

struct Key {
  int32_t row, col;
};

// Fills the slot lists of one packed query for every head.
template <typename T>
class QueryLayout {
 public:
  QueryLayout(const SwitchGeometry& g, SwitchMode mode, const PoolPlan& plan, int64_t fine,
              const T* q, const T* k, int64_t nq, int64_t d, int64_t rows, SwitchLayout& out)
      : g_(g),
        mode_(mode),
        plan_(plan),
        fine_(fine),
        q_(q),
        k_(k),
        nq_(nq),
        d_(d),
        rows_(rows),
        heads_(out.count.size(0)),
        slots_(out.slot.size(2)),
        slot_(out.slot.data_ptr<int32_t>()),
        bias_(out.bias.data_ptr<int32_t>()),
        count_(out.count.data_ptr<int32_t>()) {}

  void fill(int64_t i, int64_t b, int64_t pos) {
    n_ = plan_.length[b];
    if (n_ == 0) return;
    b_ = b;
    pos_ = mode_ == SwitchMode::kCross ? 0 : pos;
    const bool causal = mode_ == SwitchMode::kCausal;
    r_ = g_.segment_size(causal ? pos_ + 1 : n_);
    z_ = g_.sub_size(r_);
    lr_ = log2_exact(r_);
    lz_ = log2_exact(z_);
    const auto coarse = coarse_keys();
    for (int64_t h = fine_; h < heads_; ++h) store(h, i, coarse);
    if (fine_ == 0) return;
    const auto local = window_keys();
    const auto candidates = candidate_segments();
    for (int64_t h = 0; h < fine_; ++h) {
      auto keys = local;
      for (int64_t s : select(h, i, candidates)) add_medium(s, keys);
      store(h, i, keys);
    }
  }

 private:
  int32_t col(int64_t level, int64_t dist) const {
    return mode_ == SwitchMode::kCross ? -1 : static_cast<int32_t>(g_.bias_column(level, dist));
  }
  int32_t row(int64_t level, int64_t index) const {
    return static_cast<int32_t>(plan_.base[b_][level] + index);
  }

  // Coarse heads: every coarse slot; causally only completed segments, then the
  // query's own unfinished segment through the tokens of its local window.
  std::vector<Key> coarse_keys() const {
    std::vector<Key> keys;
    const int64_t seg = pos_ / r_;
    if (mode_ == SwitchMode::kCausal) {
      const int64_t done = (pos_ + 1) / r_;
      for (int64_t s = 0; s < done; ++s) keys.push_back({row(lr_, s), col(lr_, s - seg)});
      for (int64_t j = std::max(done * r_, pos_ - g_.window); j <= pos_; ++j)
        keys.push_back({row(0, j), col(0, j - pos_)});
    } else {
      for (int64_t s = 0; s * r_ < n_; ++s) keys.push_back({row(lr_, s), col(lr_, s - seg)});
    }
    return keys;
  }

  int64_t window_lo() const { return std::max<int64_t>(0, pos_ - g_.window); }
  int64_t window_hi() const {
    return mode_ == SwitchMode::kCausal ? pos_ : std::min(n_ - 1, pos_ + g_.window);
  }

  std::vector<Key> window_keys() const {
    std::vector<Key> keys;
    if (mode_ == SwitchMode::kCross) return keys;
    for (int64_t j = window_lo(); j <= window_hi(); ++j)
      keys.push_back({row(0, j), col(0, j - pos_)});
    return keys;
  }

  // Segments a fine head may zoom into: complete (causal) and not touching the window.
  std::vector<int64_t> candidate_segments() const {
    std::vector<int64_t> segs;
    const int64_t count = mode_ == SwitchMode::kCausal ? (pos_ + 1) / r_ : (n_ + r_ - 1) / r_;
    for (int64_t s = 0; s < count; ++s) {
      const int64_t first = s * r_, last = std::min((s + 1) * r_, n_) - 1;
      const bool touches = first <= window_hi() && last >= window_lo();
      if (mode_ == SwitchMode::kCross || !touches) segs.push_back(s);
    }
    return segs;
  }

  // The top-k candidates by pooled-key score in head h (ties: earlier segment), in order.
  std::vector<int64_t> select(int64_t h, int64_t i, const std::vector<int64_t>& candidates) const {
    const int64_t k = mode_ == SwitchMode::kCross ? g_.cross_top_k(r_ / z_) : g_.top_k;
    if (static_cast<int64_t>(candidates.size()) <= k) return candidates;
    const T* qi = q_ + (h * nq_ + i) * d_;
    std::vector<std::pair<T, int64_t>> scored;
    for (int64_t s : candidates)
      scored.push_back({-detail::dot(qi, k_ + (h * rows_ + row(lr_, s)) * d_, d_), s});
    std::partial_sort(scored.begin(), scored.begin() + k, scored.end());
    std::vector<int64_t> chosen;
    for (int64_t j = 0; j < k; ++j) chosen.push_back(scored[j].second);
    std::sort(chosen.begin(), chosen.end());
    return chosen;
  }

  void add_medium(int64_t s, std::vector<Key>& keys) const {
    const int64_t end = std::min((s + 1) * r_, n_);
    const int64_t seg = pos_ / z_;
    for (int64_t m = s * r_ / z_; m * z_ < end; ++m)
      keys.push_back({row(lz_, m), col(lz_, m - seg)});
  }

  void store(int64_t h, int64_t i, const std::vector<Key>& keys) const {
    const int64_t base = (h * nq_ + i) * slots_;
    if (static_cast<int64_t>(keys.size()) > slots_) fail("switch layout: slot bound exceeded");
    for (size_t j = 0; j < keys.size(); ++j) {
      slot_[base + j] = keys[j].row;
      bias_[base + j] = keys[j].col;
    }
    count_[h * nq_ + i] = static_cast<int32_t>(keys.size());
  }

  const SwitchGeometry& g_;
  SwitchMode mode_;
  const PoolPlan& plan_;
  int64_t fine_;
  const T* q_;
  const T* k_;
  int64_t nq_, d_, rows_, heads_, slots_;
  int32_t *slot_, *bias_, *count_;
  int64_t b_ = 0, n_ = 0, pos_ = 0, r_ = 1, z_ = 1, lr_ = 0, lz_ = 0;
};

// Upper bound on the slots of any query: no key is counted twice, so also <= n.
int64_t slot_bound(const SwitchGeometry& g, const PoolPlan& plan) {
  int64_t bound = 1;
  for (int64_t n : plan.length) {
    const int64_t r = g.segment_size(n);
    const int64_t coarse = std::max(g.memory_slots, (n + r - 1) / r) + g.window + 1;
    const int64_t fine = 2 * (2 * g.window + 1) + g.top_k * g.zoom;
    bound = std::max(bound, std::min(n, std::max(coarse, fine)));
  }
  return bound;
}

}  // namespace

SwitchLayout build_layout(const SwitchGeometry& g, SwitchMode mode, const PoolPlan& plan,
                          const QueryInfo& queries, int64_t fine_heads, const torch::Tensor& q,
                          const torch::Tensor& bank_k) {
  const int64_t heads = q.size(0), nq = q.size(1), d = q.size(2);
  const int64_t slots = slot_bound(g, plan);
  auto opts = torch::TensorOptions().dtype(torch::kInt);
  SwitchLayout out{torch::zeros({heads, nq, slots}, opts),
                   torch::full({heads, nq, slots}, -1, opts), torch::zeros({heads, nq}, opts)};
  auto qc = q.detach().contiguous();
  auto kc = bank_k.detach().contiguous();
  AT_DISPATCH_FLOATING_TYPES(qc.scalar_type(), "switch_layout", [&] {
    QueryLayout<scalar_t> builder(g, mode, plan, fine_heads, qc.data_ptr<scalar_t>(),
                                  kc.data_ptr<scalar_t>(), nq, d, kc.size(1), out);
    kernels::parallel_for(0, nq, 16, [&](int64_t begin, int64_t end) {
      auto local = builder;  // per-thread copy: it keeps the current query's state
      for (int64_t i = begin; i < end; ++i) local.fill(i, queries.seq[i], queries.pos[i]);
    });
  });
  return out;
}

}  // namespace swt::nn
