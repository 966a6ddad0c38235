#include "nn/attention.h"

#include <algorithm>

#include "nn/dense_attention.h"
#include "nn/switch_attention.h"
#include "util/error.h"

namespace swt::nn {

void AttentionCache::select(const torch::Tensor& index) {
  if (empty()) return;
  if (extra) extra->select(index);
  if (!key_store_.defined()) {
    key = key.index_select(0, index);
    value = value.index_select(0, index);
    return;
  }
  const int64_t length = key.size(2);
  key_store_ = key_store_.index_select(0, index);
  value_store_ = value_store_.index_select(0, index);
  key = key_store_.narrow(2, 0, length);
  value = value_store_.narrow(2, 0, length);
}

void AttentionCache::append(const torch::Tensor& k, const torch::Tensor& v) {
  const int64_t length = empty() ? 0 : key.size(2), added = k.size(2);
  if (!key_store_.defined() || length + added > key_store_.size(2)) {
    // Room for twice what is needed (at least 16 positions): amortised O(1)
    // copying per position.
    const int64_t capacity = std::max<int64_t>(16, 2 * (length + added));
    auto grow = [&](const torch::Tensor& old, const torch::Tensor& like) {
      auto store =
          torch::empty({like.size(0), like.size(1), capacity, like.size(3)}, like.options());
      if (length > 0) store.narrow(2, 0, length).copy_(old);
      return store;
    };
    key_store_ = grow(key, k);
    value_store_ = grow(value, v);
  }
  key_store_.narrow(2, length, added).copy_(k);
  value_store_.narrow(2, length, added).copy_(v);
  key = key_store_.narrow(2, 0, length + added);
  value = value_store_.narrow(2, 0, length + added);
}

void AttentionCache::truncate(int64_t length) {
  if (length == this->length()) return;
  if (is_static || length < 0 || length > this->length() || !key_store_.defined())
    fail("AttentionCache::truncate: cannot keep " + std::to_string(length) + " of " +
         std::to_string(this->length()) + " positions");
  key = key_store_.narrow(2, 0, length);
  value = value_store_.narrow(2, 0, length);
  if (extra) extra->truncate(length);
}

void expand_key_rows(torch::Tensor& k, torch::Tensor& v, AttentionMask& mask) {
  if (!mask.key_rows.defined()) return;
  const auto rows = mask.key_rows.to(k.device());
  k = k.index_select(0, rows);
  v = v.index_select(0, rows);
  if (mask.key_valid.defined()) mask.key_valid = mask.key_valid.index_select(0, rows);
  mask.key_rows = torch::Tensor();
}

std::shared_ptr<AttentionImpl> make_attention(const AttentionOptions& options, AttentionKind role) {
  if (options.kind == "vanilla") return std::make_shared<DenseAttentionImpl>(options);
  if (options.kind == "switch") return std::make_shared<SwitchAttentionImpl>(options, role);
  fail("unknown attention kind '" + options.kind + "' (known: vanilla, switch)");
}

}  // namespace swt::nn
