#include "nn/masked_softmax.h"

#include <limits>

namespace swt::nn {

torch::Tensor masked_softmax(const torch::Tensor& scores, const torch::Tensor& allowed) {
  // Fill with the lowest *finite* value, not -inf: a fully masked row then becomes
  // a harmless uniform softmax (no inf - inf = NaN), and multiplying by `any`
  // zeroes it. Gradients stay finite because nothing NaN ever enters autograd.
  const double lowest = scores.scalar_type() == torch::kDouble
                            ? std::numeric_limits<double>::lowest()
                            : static_cast<double>(std::numeric_limits<float>::lowest());
  auto filled = scores.masked_fill(allowed.logical_not(), lowest);
  auto probs = torch::softmax(filled, -1);
  // Masked positions already get exp(lowest - max) = 0 in any row that has an
  // allowed position; only rows with none need zeroing, and they are rare
  // (an all-padding sequence), so the extra pass is skipped when there are none.
  auto any = allowed.any(-1, /*keepdim=*/true);
  if (any.all().item<bool>()) return probs;
  return probs * any.to(probs.scalar_type());
}

}  // namespace swt::nn
