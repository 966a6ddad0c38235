#include "nn/switch_kernels.h"

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/parallel.h"

namespace swt::nn {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Raw views of the inputs shared by the forward and backward loops.
template <typename T>
struct CoreView {
  const T *q, *k, *v, *bias, *keep;
  const int32_t *slot, *col, *count;
  int64_t heads, nq, slots, d, rows, cols;
  T scale;

  CoreView(const variable_list& in)  // q, k, v, bias, slot, col, count, keep
      : q(in[0].data_ptr<T>()),
        k(in[1].data_ptr<T>()),
        v(in[2].data_ptr<T>()),
        bias(in[3].data_ptr<T>()),
        keep(in[7].numel() ? in[7].data_ptr<T>() : nullptr),
        slot(in[4].data_ptr<int32_t>()),
        col(in[5].data_ptr<int32_t>()),
        count(in[6].data_ptr<int32_t>()),
        heads(in[0].size(0)),
        nq(in[0].size(1)),
        slots(in[4].size(2)),
        d(in[0].size(2)),
        rows(in[1].size(1)),
        cols(in[3].size(1)),
        scale(static_cast<T>(1.0 / std::sqrt(static_cast<double>(in[0].size(2))))) {}

  const T* key(int64_t h, int32_t row) const { return k + (h * rows + row) * d; }
  const T* value(int64_t h, int32_t row) const { return v + (h * rows + row) * d; }
  T keep_at(int64_t r, int64_t s) const { return keep ? keep[r * slots + s] : T(1); }
};

// Softmax over the row's slots, written into p; returns false for an empty row.
template <typename T>
bool row_probs(const CoreView<T>& c, int64_t r, T* p) {
  const int64_t h = r / c.nq, n = c.count[r];
  if (n == 0) return false;
  const int32_t* slot = c.slot + r * c.slots;
  const int32_t* col = c.col + r * c.slots;
  const T* q = c.q + r * c.d;
  T max = -std::numeric_limits<T>::infinity();
  for (int64_t s = 0; s < n; ++s) {
    p[s] = detail::dot(q, c.key(h, slot[s]), c.d) * c.scale +
           (col[s] >= 0 ? c.bias[h * c.cols + col[s]] : T(0));
    max = std::max(max, p[s]);
  }
  T sum = 0;
  for (int64_t s = 0; s < n; ++s) sum += (p[s] = std::exp(p[s] - max));
  const T inv = T(1) / sum;
  for (int64_t s = 0; s < n; ++s) p[s] *= inv;
  return true;
}

template <typename T>
void forward_rows(const CoreView<T>& c, T* out, T* probs) {
  kernels::parallel_for(0, c.heads * c.nq, 8, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      T* p = probs + r * c.slots;
      if (!row_probs(c, r, p)) continue;
      const int64_t h = r / c.nq;
      const int32_t* slot = c.slot + r * c.slots;
      for (int64_t s = 0; s < c.count[r]; ++s) {
        const T w = p[s] * c.keep_at(r, s);
        if (w != T(0)) detail::axpy(w, c.value(h, slot[s]), out + r * c.d, c.d);
      }
    }
  });
}

// Softmax backward over the visited slots. Rows of one head scatter into the same
// key/value rows, so threads split by head and never write the same memory.
template <typename T>
void backward_rows(const CoreView<T>& c, const T* probs, const T* grad_out, T* gq, T* gk, T* gv,
                   T* gbias) {
  kernels::parallel_for(0, c.heads, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> dp(c.slots);
    for (int64_t h = begin; h < end; ++h)
      for (int64_t i = 0; i < c.nq; ++i) {
        const int64_t r = h * c.nq + i, n = c.count[r];
        const int32_t* slot = c.slot + r * c.slots;
        const int32_t* col = c.col + r * c.slots;
        const T* p = probs + r * c.slots;
        const T* go = grad_out + r * c.d;
        T total = 0;
        for (int64_t s = 0; s < n; ++s) {
          const T keep = c.keep_at(r, s);
          dp[s] = detail::dot(go, c.value(h, slot[s]), c.d) * keep;
          total += p[s] * dp[s];
          detail::axpy(p[s] * keep, go, gv + (h * c.rows + slot[s]) * c.d, c.d);
        }
        for (int64_t s = 0; s < n; ++s) {
          const T ds = p[s] * (dp[s] - total);
          if (col[s] >= 0) gbias[h * c.cols + col[s]] += ds;
          detail::axpy(ds * c.scale, c.key(h, slot[s]), gq + r * c.d, c.d);
          detail::axpy(ds * c.scale, c.q + r * c.d, gk + (h * c.rows + slot[s]) * c.d, c.d);
        }
      }
  });
}

class SwitchCoreFunction : public torch::autograd::Function<SwitchCoreFunction> {
 public:
  static variable_list forward(AutogradContext* ctx, torch::Tensor q, torch::Tensor k,
                               torch::Tensor v, torch::Tensor bias, torch::Tensor slot,
                               torch::Tensor col, torch::Tensor count, torch::Tensor keep) {
    variable_list in{q.contiguous(),    k.contiguous(),   v.contiguous(),     bias.contiguous(),
                     slot.contiguous(), col.contiguous(), count.contiguous(), keep.contiguous()};
    auto out = torch::zeros_like(in[0]);
    auto probs = torch::zeros({q.size(0), q.size(1), slot.size(2)}, q.options());
    AT_DISPATCH_FLOATING_TYPES(q.scalar_type(), "switch_core_forward", [&] {
      forward_rows(CoreView<scalar_t>(in), out.data_ptr<scalar_t>(), probs.data_ptr<scalar_t>());
    });
    in.push_back(probs);
    ctx->save_for_backward(in);
    ctx->mark_non_differentiable({probs});
    return {out, probs};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto in = ctx->get_saved_variables();
    const auto& probs = in[8];
    auto gq = torch::zeros_like(in[0]), gk = torch::zeros_like(in[1]);
    auto gv = torch::zeros_like(in[2]), gbias = torch::zeros_like(in[3]);
    if (grads[0].defined()) {
      auto go = grads[0].contiguous();
      AT_DISPATCH_FLOATING_TYPES(in[0].scalar_type(), "switch_core_backward", [&] {
        backward_rows(CoreView<scalar_t>(in), probs.data_ptr<scalar_t>(), go.data_ptr<scalar_t>(),
                      gq.data_ptr<scalar_t>(), gk.data_ptr<scalar_t>(), gv.data_ptr<scalar_t>(),
                      gbias.data_ptr<scalar_t>());
      });
    }
    return {gq, gk, gv, gbias, {}, {}, {}, {}};
  }
};

}  // namespace

SwitchCoreResult switch_attention_core(const torch::Tensor& q, const torch::Tensor& bank_k,
                                       const torch::Tensor& bank_v, const torch::Tensor& bias_table,
                                       const SwitchLayout& layout, const torch::Tensor& keep) {
  TORCH_CHECK(q.dim() == 3 && bank_k.dim() == 3 && bank_v.sizes() == bank_k.sizes(),
              "switch_attention_core: q [H,Nq,d], bank_k/bank_v [H,rows,d]");
  TORCH_CHECK(bias_table.dim() == 2 && bias_table.size(0) == q.size(0),
              "switch_attention_core: bias_table [H, C]");
  auto keep_or_empty = keep.defined() ? keep.to(q.scalar_type()) : torch::empty({0}, q.options());
  auto outs = SwitchCoreFunction::apply(q, bank_k, bank_v, bias_table.to(q.scalar_type()),
                                        layout.slot, layout.bias, layout.count, keep_or_empty);
  return {outs[0], outs[1]};
}

}  // namespace swt::nn
