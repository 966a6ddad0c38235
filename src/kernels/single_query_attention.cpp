#include "kernels/single_query_attention.h"

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/isa.h"
#include "kernels/parallel.h"
#include "kernels/vec.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

void check_shapes(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                  const torch::Tensor& valid, const torch::Tensor& kv_rows, bool valid_per_query) {
  const int64_t valid_rows = valid_per_query ? q.size(0) : k.size(0);
  const bool rows_ok =
      kv_rows.defined() ? kv_rows.dim() == 1 && kv_rows.size(0) == q.size(0) &&
                              kv_rows.scalar_type() == torch::kLong &&
                              (kv_rows.numel() == 0 || (kv_rows.min().item<int64_t>() >= 0 &&
                                                        kv_rows.max().item<int64_t>() < k.size(0)))
                        : k.size(0) == q.size(0);
  const bool ok = q.dim() == 3 && k.dim() == 4 && k.sizes() == v.sizes() && rows_ok &&
                  k.size(1) == q.size(1) && k.size(3) == q.size(2) &&
                  (!valid.defined() ||
                   (valid.dim() == 2 && valid.size(0) == valid_rows && valid.size(1) == k.size(2)));
  if (!ok)
    fail(
        "single_query_attention: expected q [B, H, D], k and v [N, H, T, D], valid [N, T] "
        "(or [B, T] per query), kv_rows [B] in [0, N); got " +
        c10::str(q.sizes()) + ", " + c10::str(k.sizes()) + ", " + c10::str(v.sizes()));
}

// One (sequence, head) row: scores into `s`, then probabilities, then out.
// Inlined into one copy per instruction set (below), where the dot products,
// the exponentials and the weighted sum vectorise.
__attribute__((always_inline)) inline void attend_row(const float* q, const float* k,
                                                      const float* v, const bool* valid,
                                                      int64_t t_len, int64_t d, float scale,
                                                      float* s, float* out, float* probs) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float max = kNegInf;
  for (int64_t t = 0; t < t_len; ++t) {
    s[t] = valid && !valid[t] ? kNegInf : dot(q, k + t * d, d) * scale;
    max = std::max(max, s[t]);
  }
  std::fill(out, out + d, 0.0f);
  if (max == kNegInf) {  // no valid key: zeros
    if (probs) std::fill(probs, probs + t_len, 0.0f);
    return;
  }
  for (int64_t t = 0; t < t_len; ++t) s[t] = exp_approx(s[t] - max);
  if (valid)  // masked keys: exactly zero
    for (int64_t t = 0; t < t_len; ++t) s[t] = valid[t] ? s[t] : 0.0f;
  float sum = 0;
  for (int64_t t = 0; t < t_len; ++t) sum += s[t];
  const float inv = 1.0f / sum;
  for (int64_t t = 0; t < t_len; ++t) {
    const float p = s[t] * inv;
    if (p != 0.0f) axpy(p, v + t * d, out, d);
    if (probs) probs[t] = p;
  }
}

using RowFn = void (*)(const float*, const float*, const float*, const bool*, int64_t, int64_t,
                       float, float*, float*, float*);

void attend_plain(const float* q, const float* k, const float* v, const bool* valid, int64_t t_len,
                  int64_t d, float scale, float* s, float* out, float* probs) {
  attend_row(q, k, v, valid, t_len, d, scale, s, out, probs);
}
#if defined(__x86_64__)
SWT_AVX2 void attend_avx2(const float* q, const float* k, const float* v, const bool* valid,
                          int64_t t_len, int64_t d, float scale, float* s, float* out,
                          float* probs) {
  attend_row(q, k, v, valid, t_len, d, scale, s, out, probs);
}
SWT_AVX512 void attend_avx512(const float* q, const float* k, const float* v, const bool* valid,
                              int64_t t_len, int64_t d, float scale, float* s, float* out,
                              float* probs) {
  attend_row(q, k, v, valid, t_len, d, scale, s, out, probs);
}
#endif

RowFn pick_row_fn() {
  return for_active_isa<RowFn>(&attend_plain, SWT_ISA_FN(&attend_plain, &attend_avx2),
                               SWT_ISA_FN(&attend_plain, &attend_avx512));
}

}  // namespace

torch::Tensor single_query_attention(const torch::Tensor& q_in, const torch::Tensor& k_in,
                                     const torch::Tensor& v_in, const torch::Tensor& valid_in,
                                     double scale, torch::Tensor* probs,
                                     const torch::Tensor& kv_rows_in, bool valid_per_query) {
  check_shapes(q_in, k_in, v_in, valid_in, kv_rows_in, valid_per_query);
  for (const auto* t : {&q_in, &k_in, &v_in})
    if (t->scalar_type() != torch::kFloat || !t->device().is_cpu())
      fail("single_query_attention: tensors must be float32 on the CPU");
  // Keys and values may be views of a larger cache (AttentionCache::append):
  // each (row, head) block must be [T, D] contiguous; rows and heads may be
  // strided.
  auto rows_contiguous = [](const torch::Tensor& t) {
    return t.stride(3) == 1 && t.stride(2) == t.size(3) ? t : t.contiguous();
  };
  const auto q = q_in.contiguous(), k = rows_contiguous(k_in), v = rows_contiguous(v_in);
  const auto valid = valid_in.defined() ? valid_in.to(torch::kBool).contiguous() : valid_in;
  const auto kv_rows = kv_rows_in.defined() ? kv_rows_in.cpu().contiguous() : kv_rows_in;
  const int64_t batch = q.size(0), heads = k.size(1), t_len = k.size(2), d = k.size(3);
  auto out = torch::empty({batch, heads, d}, q.options());
  if (probs) *probs = torch::empty({batch, heads, t_len}, q.options());
  const float* qp = q.data_ptr<float>();
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  const bool* validp = valid.defined() ? valid.data_ptr<bool>() : nullptr;
  float* op = out.data_ptr<float>();
  float* pp = probs ? probs->data_ptr<float>() : nullptr;
  const int64_t* rowp = kv_rows.defined() ? kv_rows.data_ptr<int64_t>() : nullptr;
  const auto s = static_cast<float>(scale);
  const int64_t k_row = k.stride(0), k_head = k.stride(1), v_row = v.stride(0),
                v_head = v.stride(1);
  const RowFn attend = pick_row_fn();
  kernels::parallel_for(0, batch * heads, 8, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(t_len);
    for (int64_t i = begin; i < end; ++i) {
      const int64_t b = i / heads, h = i % heads;
      const int64_t r = rowp ? rowp[b] : b;
      attend(qp + i * d, kp + r * k_row + h * k_head, vp + r * v_row + h * v_head,
             validp ? validp + (valid_per_query ? b : r) * t_len : nullptr, t_len, d, s,
             scores.data(), op + i * d, pp ? pp + i * t_len : nullptr);
    }
  });
  return out;
}

torch::Tensor single_query_attention_reference(const torch::Tensor& q, const torch::Tensor& k,
                                               const torch::Tensor& v, const torch::Tensor& valid,
                                               double scale, torch::Tensor* probs,
                                               const torch::Tensor& kv_rows, bool valid_per_query) {
  check_shapes(q, k, v, valid, kv_rows, valid_per_query);
  if (kv_rows.defined()) {
    const auto pick = [&](const torch::Tensor& t) {
      return t.defined() ? t.index_select(0, kv_rows) : t;
    };
    return single_query_attention_reference(q, pick(k), pick(v),
                                            valid_per_query ? valid : pick(valid), scale, probs);
  }
  auto qd = q.to(torch::kDouble).unsqueeze(2), kd = k.to(torch::kDouble);
  auto scores = torch::matmul(qd, kd.transpose(-2, -1)).squeeze(2) * scale;  // [B, H, T]
  auto allowed = valid.defined() ? valid.to(torch::kBool).unsqueeze(1).expand_as(scores)
                                 : torch::ones_like(scores, torch::kBool);
  auto p = torch::softmax(scores.masked_fill(allowed.logical_not(), -1e300), -1);
  p = p * allowed.any(-1, true).to(p.scalar_type()) * allowed.to(p.scalar_type());
  if (probs) *probs = p.to(torch::kFloat);
  return torch::matmul(p.unsqueeze(2), v.to(torch::kDouble)).squeeze(2).to(torch::kFloat);
}

}  // namespace swt::kernels
