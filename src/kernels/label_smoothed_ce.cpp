#include "kernels/label_smoothed_ce.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/isa.h"
#include "kernels/parallel.h"
#include "kernels/vec.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

constexpr int kLanes = 16;  // independent accumulators: lets GCC vectorise the reductions

struct RowSums {
  float max;
  double sum_exp, sum_logits;  // sum_exp relative to max
};

__attribute__((always_inline)) inline float row_max(const float* x, int64_t v) {
  float lane[kLanes];
  std::fill(lane, lane + kLanes, -std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + kLanes <= v; j += kLanes)
    for (int u = 0; u < kLanes; ++u) lane[u] = std::max(lane[u], x[j + u]);
  float m = *std::max_element(lane, lane + kLanes);
  for (; j < v; ++j) m = std::max(m, x[j]);
  return m;
}

__attribute__((always_inline)) inline RowSums row_sums(const float* x, int64_t v) {
  const float m = row_max(x, v);
  float se[kLanes] = {}, sx[kLanes] = {};
  int64_t j = 0;
  for (; j + kLanes <= v; j += kLanes)
    for (int u = 0; u < kLanes; ++u) {
      se[u] += exp_approx(x[j + u] - m);
      sx[u] += x[j + u];
    }
  RowSums s{m, 0, 0};
  for (int u = 0; u < kLanes; ++u) {
    s.sum_exp += se[u];
    s.sum_logits += sx[u];
  }
  for (; j < v; ++j) {
    s.sum_exp += exp_approx(x[j] - m);
    s.sum_logits += x[j];
  }
  return s;
}

// g[j] = softmax(x)[j] - off, for j in [0, v).
__attribute__((always_inline)) inline void row_grad(const float* x, float* g, int64_t v, float lse,
                                                    float off) {
  for (int64_t j = 0; j < v; ++j) g[j] = exp_approx(x[j] - lse) - off;
}

// One row: fills g, returns {smoothed loss, nll}.
struct RowLoss {
  double loss, nll;
};

__attribute__((always_inline)) inline RowLoss row(const float* x, float* g, int64_t v,
                                                  int64_t target, double eps) {
  const RowSums s = row_sums(x, v);
  const double lse = s.max + std::log(s.sum_exp);
  const double nll = lse - x[target];
  const double smooth = lse - s.sum_logits / static_cast<double>(v);
  if (g) {
    row_grad(x, g, v, static_cast<float>(lse), static_cast<float>(eps / static_cast<double>(v)));
    g[target] -= static_cast<float>(1.0 - eps);
  }
  return {(1.0 - eps) * nll + eps * smooth, nll};
}

using RowFn = RowLoss (*)(const float*, float*, int64_t, int64_t, double);

RowLoss row_plain(const float* x, float* g, int64_t v, int64_t t, double eps) {
  return row(x, g, v, t, eps);
}
#if defined(__x86_64__)
SWT_AVX2 RowLoss row_avx2(const float* x, float* g, int64_t v, int64_t t, double eps) {
  return row(x, g, v, t, eps);
}
SWT_AVX512 RowLoss row_avx512(const float* x, float* g, int64_t v, int64_t t, double eps) {
  return row(x, g, v, t, eps);
}
#endif

RowFn pick_row_fn() {
  return for_active_isa<RowFn>(&row_plain, SWT_ISA_FN(&row_plain, &row_avx2),
                               SWT_ISA_FN(&row_plain, &row_avx512));
}

void check_inputs(const torch::Tensor& logits, const torch::Tensor& target, double eps) {
  if (logits.dim() != 2 || target.dim() != 1 || target.size(0) != logits.size(0) ||
      target.scalar_type() != torch::kLong)
    fail("label_smoothed_cross_entropy: expected logits [N, V] and long target [N], got " +
         c10::str(logits.sizes()) + " and " + c10::str(target.sizes()));
  if (!(eps >= 0 && eps < 1)) fail("label smoothing must be in [0, 1)");
}

// Summed loss and nll of contiguous float logits [N, V]; the gradient of the
// summed loss into `grad` ([N, V]) unless it is null.
RowLoss fused_sums(const torch::Tensor& logits, const torch::Tensor& target, double eps,
                   int64_t ignore, torch::Tensor* grad) {
  const int64_t n = logits.size(0), v = logits.size(1);
  std::vector<RowLoss> rows(n, RowLoss{0, 0});
  const float* x = logits.data_ptr<float>();
  const int64_t* t = target.data_ptr<int64_t>();
  float* g = grad ? grad->data_ptr<float>() : nullptr;
  const RowFn fn = pick_row_fn();
  std::atomic<bool> bad_target{false};
  kernels::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      if (t[r] == ignore) {
        if (g) std::fill(g + r * v, g + (r + 1) * v, 0.0f);
      } else if (t[r] < 0 || t[r] >= v) {
        bad_target = true;
      } else {
        rows[r] = fn(x + r * v, g ? g + r * v : nullptr, v, t[r], eps);
      }
    }
  });
  if (bad_target) fail("label_smoothed_cross_entropy: a target is outside [0, vocabulary)");
  RowLoss sum{0, 0};  // in row order: the same for any thread count
  for (const auto& r : rows) {
    sum.loss += r.loss;
    sum.nll += r.nll;
  }
  return sum;
}

CrossEntropySums as_tensors(const RowLoss& sum, const torch::TensorOptions& opts) {
  return {torch::tensor(static_cast<float>(sum.loss), opts),
          torch::tensor(static_cast<float>(sum.nll), opts)};
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct FusedCrossEntropy : public torch::autograd::Function<FusedCrossEntropy> {
  static variable_list forward(AutogradContext* ctx, const torch::Tensor& logits,
                               const torch::Tensor& target, double eps, int64_t ignore) {
    auto grad = torch::empty_like(logits);
    auto sums = as_tensors(fused_sums(logits, target, eps, ignore, &grad), logits.options());
    ctx->saved_data["grad"] = grad;
    ctx->mark_non_differentiable({sums.nll});
    return {sums.loss, sums.nll};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto it = ctx->saved_data.find("grad");
    if (it == ctx->saved_data.end())
      fail("label_smoothed_cross_entropy: backward ran twice (retain_graph is not supported)");
    auto grad = it->second.toTensor();
    ctx->saved_data.erase(it);
    grad.mul_(grads[0]);  // in place: the saved gradient is used once
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

CrossEntropySums label_smoothed_cross_entropy(const torch::Tensor& logits,
                                              const torch::Tensor& target, double eps,
                                              int64_t ignore_index) {
  check_inputs(logits, target, eps);
  if (!logits.device().is_cpu() || logits.scalar_type() != torch::kFloat)
    return label_smoothed_cross_entropy_reference(logits, target, eps, ignore_index);
  const auto x = logits.contiguous();
  const auto t = target.contiguous();
  if (!torch::GradMode::is_enabled() || !logits.requires_grad())  // no gradient pass
    return as_tensors(fused_sums(x, t, eps, ignore_index, nullptr), x.options());
  auto out = FusedCrossEntropy::apply(x, t, eps, ignore_index);
  return {out[0], out[1]};
}

CrossEntropySums label_smoothed_cross_entropy_reference(const torch::Tensor& logits,
                                                        const torch::Tensor& target, double eps,
                                                        int64_t ignore_index) {
  check_inputs(logits, target, eps);
  auto lp = torch::log_softmax(logits, -1);
  auto nll = -lp.gather(-1, target.unsqueeze(-1)).squeeze(-1);
  auto smooth = -lp.mean(-1);
  auto keep = target.ne(ignore_index).to(lp.scalar_type());
  auto per_token = (1.0 - eps) * nll + eps * smooth;
  return {(per_token * keep).sum(), (nll * keep).sum().detach()};
}

}  // namespace swt::kernels
