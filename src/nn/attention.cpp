#include "nn/attention.h"

#include "nn/dense_attention.h"
#include "nn/switch_attention.h"
#include "util/error.h"

namespace swt::nn {

void AttentionCache::select(const torch::Tensor& index) {
  if (empty()) return;
  key = key.index_select(0, index);
  value = value.index_select(0, index);
}

std::shared_ptr<AttentionImpl> make_attention(const AttentionOptions& options, AttentionKind role) {
  if (options.kind == "vanilla") return std::make_shared<DenseAttentionImpl>(options);
  if (options.kind == "switch") return std::make_shared<SwitchAttentionImpl>(options, role);
  fail("unknown attention kind '" + options.kind + "' (known: vanilla, switch)");
}

}  // namespace swt::nn
