#include "nn/linear.h"

#include <unordered_map>

#include "kernels/small_linear.h"

namespace swt::nn {

namespace {

// Weight -> its int8 copy. The entry holds the float tensor too, so its
// storage cannot be freed and its address reused while the entry exists.
struct Int8Entry {
  torch::Tensor original;
  kernels::Int8Weight q;
};
std::unordered_map<const c10::TensorImpl*, Int8Entry>& int8_registry() {
  static std::unordered_map<const c10::TensorImpl*, Int8Entry> registry;
  return registry;
}

const kernels::Int8Weight* int8_copy(const torch::Tensor& weight) {
  auto& registry = int8_registry();
  if (registry.empty()) return nullptr;
  auto it = registry.find(weight.unsafeGetTensorImpl());
  return it == registry.end() ? nullptr : &it->second.q;
}

bool wants_grad(const torch::Tensor& t) { return t.defined() && t.requires_grad(); }

bool small_rows_case(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (torch::GradMode::is_enabled() && (wants_grad(x) || wants_grad(weight) || wants_grad(bias)))
    return false;
  if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat ||
      weight.scalar_type() != torch::kFloat || !weight.is_contiguous() || x.dim() < 1)
    return false;
  if (bias.defined() && (bias.scalar_type() != torch::kFloat || !bias.is_contiguous()))
    return false;
  const int64_t k = x.size(-1);
  return k > 0 && x.numel() / k <= kernels::kSmallLinearMaxRows;
}

}  // namespace

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (!small_rows_case(x, weight, bias)) return torch::nn::functional::linear(x, weight, bias);
  const int64_t k = x.size(-1);
  auto out_shape = x.sizes().vec();
  out_shape.back() = weight.size(0);
  auto rows = x.reshape({-1, k}).contiguous();
  const auto* q = int8_copy(weight);
  auto y =
      q ? kernels::small_linear_int8(rows, *q, bias) : kernels::small_linear(rows, weight, bias);
  return y.view(out_shape);
}

void use_int8_weights(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& p : model.parameters())
    if (p.dim() == 2 && p.scalar_type() == torch::kFloat && p.device().is_cpu())
      int8_registry()[p.unsafeGetTensorImpl()] = {p, kernels::quantize_rows(p)};
}

void forget_int8_weights(const torch::nn::Module& model) {
  for (const auto& p : model.parameters()) int8_registry().erase(p.unsafeGetTensorImpl());
}

}  // namespace swt::nn
