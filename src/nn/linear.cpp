#include "nn/linear.h"

#include <unordered_map>

#include "kernels/gemm.h"
#include "kernels/small_linear.h"
#include "nn/precision.h"

namespace swt::nn {

namespace {

// Weight -> its int8 copy, keyed by where the weight's values are and its
// shape, so that a view reaches it too: expert e of a MoE layer is w1[e], a
// new view of the stacked [E, F, D] tensor at every call. The entry holds the
// float tensor too, so its storage cannot be freed and its address reused
// while the entry exists.
struct Int8Key {
  const void* data;
  int64_t rows, cols;
  bool operator==(const Int8Key& o) const {
    return data == o.data && rows == o.rows && cols == o.cols;
  }
};
struct Int8KeyHash {
  size_t operator()(const Int8Key& k) const {
    return std::hash<const void*>()(k.data) ^ (std::hash<int64_t>()(k.rows) * 31) ^
           std::hash<int64_t>()(k.cols);
  }
};
struct Int8Entry {
  torch::Tensor original;
  kernels::Int8Weight q;
};
std::unordered_map<Int8Key, Int8Entry, Int8KeyHash>& int8_registry() {
  static std::unordered_map<Int8Key, Int8Entry, Int8KeyHash> registry;
  return registry;
}

// A contiguous 2-D weight's key.
Int8Key int8_key(const torch::Tensor& weight) {
  return {weight.data_ptr(), weight.size(0), weight.size(1)};
}

const kernels::Int8Weight* int8_copy(const torch::Tensor& weight) {
  auto& registry = int8_registry();
  if (registry.empty() || weight.dim() != 2 || !weight.is_contiguous()) return nullptr;
  auto it = registry.find(int8_key(weight));
  return it == registry.end() ? nullptr : &it->second.q;
}

// The 2-D weights of `p`: itself, or each matrix of a stack of them (MoE
// experts, [E, rows, cols]).
std::vector<torch::Tensor> weight_matrices(const torch::Tensor& p) {
  if (p.scalar_type() != torch::kFloat || !p.device().is_cpu() || !p.is_contiguous()) return {};
  if (p.dim() == 2) return {p};
  if (p.dim() == 3) return p.unbind(0);
  return {};
}

bool wants_grad(const torch::Tensor& t) { return t.defined() && t.requires_grad(); }

bool float_cpu(const torch::Tensor& t) {
  return !t.defined() || (t.device().is_cpu() && t.scalar_type() == torch::kFloat);
}

bool small_rows_case(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (torch::GradMode::is_enabled() && (wants_grad(x) || wants_grad(weight) || wants_grad(bias)))
    return false;
  if (!float_cpu(x) || !float_cpu(weight) || !weight.is_contiguous() || x.dim() < 1) return false;
  if (bias.defined() && !bias.is_contiguous()) return false;
  const int64_t k = x.size(-1);
  return k > 0 && x.numel() / k <= kernels::kSmallLinearMaxRows;
}

// op(a) op(b) in the thread's matmul precision, float32 result: bfloat16
// operands with float32 accumulation (oneDNN through LibTorch), or oneDNN's
// sgemm on the shared thread pool.
torch::Tensor product(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b,
                      Precision precision) {
  if (precision == Precision::kBf16) {
    auto ab = a.to(torch::kBFloat16), bb = b.to(torch::kBFloat16);
    return torch::mm(trans_a ? ab.t() : ab, trans_b ? bb.t() : bb).to(torch::kFloat);
  }
  return kernels::matmul(a, trans_a, b, trans_b);
}

// y = x W^T on rows x [M, K], with its own backward so that every product
// of training runs on the same pool (and precision) as the forward. The bias
// is added outside (LibTorch's add already has the right gradient).
struct LinearFunction : torch::autograd::Function<LinearFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight) {
    ctx->save_for_backward({x, weight});
    // Backward may run on another thread: it uses the forward's precision.
    ctx->saved_data["bf16"] = matmul_precision() == Precision::kBf16;
    return product(x, false, weight, true, matmul_precision());
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const auto& x = saved[0];
    const auto& weight = saved[1];
    const auto& dy = grads[0];
    const auto precision = ctx->saved_data["bf16"].toBool() ? Precision::kBf16 : Precision::kFp32;
    torch::Tensor dx, dw;
    if (ctx->needs_input_grad(0)) dx = product(dy, false, weight, false, precision);
    if (ctx->needs_input_grad(1)) dw = product(dy, true, x, false, precision);
    return {dx, dw};
  }
};

}  // namespace

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (!float_cpu(x) || !float_cpu(weight) || !float_cpu(bias) || x.dim() < 1 || weight.dim() != 2)
    return torch::nn::functional::linear(x, weight, bias);
  const int64_t k = x.size(-1);
  auto out_shape = x.sizes().vec();
  out_shape.back() = weight.size(0);
  auto rows = x.reshape({-1, k});
  if (small_rows_case(x, weight, bias) && matmul_precision() == Precision::kFp32) {
    rows = rows.contiguous();
    const auto* q = int8_copy(weight);
    auto y =
        q ? kernels::small_linear_int8(rows, *q, bias) : kernels::small_linear(rows, weight, bias);
    return y.view(out_shape);
  }
  const bool grad =
      torch::GradMode::is_enabled() && (wants_grad(x) || wants_grad(weight) || wants_grad(bias));
  if (grad) {
    auto y = LinearFunction::apply(rows, weight);
    return (bias.defined() ? y + bias : y).view(out_shape);
  }
  auto y = product(rows, false, weight, true, matmul_precision());
  if (bias.defined()) y.add_(bias);
  return y.view(out_shape);
}

void use_int8_weights(const torch::nn::Module& model) {
  torch::NoGradGuard no_grad;
  for (const auto& p : model.parameters())
    for (const auto& w : weight_matrices(p))
      int8_registry()[int8_key(w)] = {p, kernels::quantize_rows(w)};
}

void forget_int8_weights(const torch::nn::Module& model) {
  for (const auto& p : model.parameters())
    for (const auto& w : weight_matrices(p)) int8_registry().erase(int8_key(w));
}

}  // namespace swt::nn
