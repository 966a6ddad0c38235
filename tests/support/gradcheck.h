// Finite-difference gradient check for tests (LibTorch's C++ API has no
// gradcheck). Compares d(sum(f(x) * w))/dx from autograd with central
// differences, for a fixed random weighting w, in double precision.
#pragma once

#include <torch/torch.h>

#include <functional>

namespace swt::testing {

inline double max_gradient_error(const std::function<torch::Tensor(const torch::Tensor&)>& f,
                                 torch::Tensor x, double eps = 1e-6) {
  x = x.detach().to(torch::kDouble).requires_grad_(true);
  auto out = f(x);
  auto w = torch::randn(out.sizes(), torch::kDouble);
  (out * w).sum().backward();
  auto analytic = x.grad().clone();
  auto flat = x.detach().clone().view(-1);
  auto numeric = torch::zeros_like(flat);
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < flat.numel(); ++i) {
    const double orig = flat[i].item<double>();
    flat[i] = orig + eps;
    const double up = (f(flat.view(x.sizes())) * w).sum().item<double>();
    flat[i] = orig - eps;
    const double down = (f(flat.view(x.sizes())) * w).sum().item<double>();
    flat[i] = orig;
    numeric[i] = (up - down) / (2 * eps);
  }
  return (analytic.view(-1) - numeric).abs().max().item<double>();
}

}  // namespace swt::testing
