#include "nn/switch_self_bank.h"

#include <algorithm>

namespace swt::nn {

int64_t SwitchSelfBank::level_start(int64_t level, int64_t capacity) const {
  int64_t start = 0;
  for (int64_t l = 0; l < level; ++l) start += capacity >> l;
  return start;
}

torch::Tensor SwitchSelfBank::flat(const torch::Tensor& store) {
  return store.view({store.size(0), store.size(1) * store.size(2), store.size(3)});
}

void SwitchSelfBank::update(const AttentionCache& cache) {
  const auto& key = cache.key;  // [B, H, T, d]
  const int64_t rows = key.size(0), length = key.size(2);
  if (k_.defined() && (k_.size(1) != rows || length < length_)) {
    // Not the cache it followed (select and truncate keep the two in step).
    k_ = v_ = torch::Tensor();
    length_ = capacity_ = 0;
  }
  if (length == length_) return;
  if (!k_.defined()) {
    auto shape = std::vector<int64_t>{key.size(1), rows, 0, key.size(3)};
    k_ = torch::zeros(shape, key.options());
    v_ = torch::zeros(shape, key.options());
  }
  reserve(length);
  const int64_t added = length - length_;
  k_.narrow(2, length_, added).copy_(key.narrow(2, length_, added).transpose(0, 1));
  v_.narrow(2, length_, added).copy_(cache.value.narrow(2, length_, added).transpose(0, 1));
  pool_blocks(length_, length);
  length_ = length;
}

void SwitchSelfBank::reserve(int64_t positions) {
  if (positions <= capacity_) return;
  // Powers of two, at least 16 and twice what is needed: amortised O(1)
  // copying per position, and every level's blocks fit.
  int64_t capacity = 16;
  while (capacity < 2 * positions) capacity *= 2;
  auto grow = [&](const torch::Tensor& old) {
    auto store =
        torch::zeros({old.size(0), old.size(1), stride(capacity), old.size(3)}, old.options());
    for (int64_t l = 0; l < levels_; ++l) {
      const int64_t kept = length_ >> l;
      if (kept > 0)
        store.narrow(2, level_start(l, capacity), kept)
            .copy_(old.narrow(2, level_start(l, capacity_), kept));
    }
    return store;
  };
  k_ = grow(k_);
  v_ = grow(v_);
  capacity_ = capacity;
}

void SwitchSelfBank::pool_blocks(int64_t from, int64_t to) {
  for (int64_t l = 1; l < levels_; ++l) {
    const int64_t size = int64_t{1} << l, first = from >> l, blocks = (to >> l) - first;
    if (blocks == 0) continue;
    // In position order within each block, as pool_bank's index_add sums.
    const auto block_of =
        torch::arange(blocks, torch::kLong).repeat_interleave(size).to(k_.device());
    for (auto* store : {&k_, &v_}) {
      auto positions = store->narrow(2, first * size, blocks * size);
      auto shape = positions.sizes().vec();
      shape[2] = blocks;
      auto sums = torch::zeros(shape, positions.options()).index_add_(2, block_of, positions);
      store->narrow(2, level_start(l, capacity_) + first, blocks)
          .copy_(sums / static_cast<double>(size));
    }
  }
}

void SwitchSelfBank::select(const torch::Tensor& index) {
  if (!k_.defined()) return;
  const auto rows = index.to(k_.device());
  k_ = k_.index_select(1, rows);
  v_ = v_.index_select(1, rows);
}

void SwitchSelfBank::truncate(int64_t length) {
  // Blocks past the new length are pooled again when positions arrive.
  length_ = std::min(length_, length);
}

PoolPlan SwitchSelfBank::plan() const {
  PoolPlan p;
  const int64_t rows = k_.size(1), stretch = k_.size(2);
  for (int64_t b = 0; b < rows; ++b) {
    p.length.push_back(length_);
    p.offset.push_back(b * stretch);
    p.base.emplace_back();
    for (int64_t l = 0; l < levels_; ++l)
      p.base.back().push_back(b * stretch + level_start(l, capacity_));
  }
  p.tokens = p.rows = rows * stretch;
  return p;
}

}  // namespace swt::nn
