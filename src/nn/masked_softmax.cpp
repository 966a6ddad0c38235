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
  auto any = allowed.any(-1, /*keepdim=*/true);
  return probs * any.expand_as(probs).to(probs.scalar_type()) * allowed.to(probs.scalar_type());
}

}  // namespace swt::nn
