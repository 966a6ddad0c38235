#include "data/batcher.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace swt::data {

namespace {

// A fixed-width generator and our own shuffle, so that batches are the same on
// every platform (std::shuffle's algorithm is implementation-defined).
template <typename T>
void deterministic_shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

}  // namespace

std::vector<Batch> make_epoch_batches(const std::vector<ExampleLength>& lengths,
                                      int64_t batch_tokens, uint64_t seed, int64_t epoch) {
  std::mt19937_64 rng(seed * 1000003ULL + static_cast<uint64_t>(epoch));
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  // Shuffle first, then stable-sort by length: equal lengths end up in random
  // order, so batches differ between epochs.
  deterministic_shuffle(order, rng);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const auto la = std::max(lengths[a].src, lengths[a].tgt);
    const auto lb = std::max(lengths[b].src, lengths[b].tgt);
    return la < lb;
  });
  std::vector<Batch> batches;
  Batch current;
  int64_t longest = 0;
  for (int64_t idx : order) {
    const int64_t len = std::max(lengths[idx].src, lengths[idx].tgt);
    const int64_t new_longest = std::max(longest, len);
    if (!current.empty() && new_longest * static_cast<int64_t>(current.size() + 1) > batch_tokens) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(idx);
    longest = std::max(longest, len);
  }
  if (!current.empty()) batches.push_back(std::move(current));
  deterministic_shuffle(batches, rng);
  return batches;
}

std::vector<Batch> make_sorted_batches(const std::vector<int64_t>& lengths, int64_t max_items,
                                       int64_t max_tokens) {
  std::vector<int64_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return lengths[a] < lengths[b]; });
  std::vector<Batch> batches;
  Batch current;
  int64_t longest = 0;
  for (int64_t idx : order) {
    const int64_t new_longest = std::max(longest, lengths[idx]);
    const bool too_many = static_cast<int64_t>(current.size()) >= max_items;
    const bool too_big =
        max_tokens > 0 && new_longest * static_cast<int64_t>(current.size() + 1) > max_tokens;
    if (!current.empty() && (too_many || too_big)) {
      batches.push_back(std::move(current));
      current.clear();
      longest = 0;
    }
    current.push_back(idx);
    longest = std::max(longest, lengths[idx]);
  }
  if (!current.empty()) batches.push_back(std::move(current));
  return batches;
}

}  // namespace swt::data
