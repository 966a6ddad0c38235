#include "kernels/dropout.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "kernels/isa.h"
#include "kernels/parallel.h"
#include "util/error.h"

namespace swt::kernels {

namespace {

// MurmurHash3's 32-bit finaliser: a bijection whose output bits each depend
// on every input bit, so consecutive indices give independent-looking draws.
inline uint32_t mix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

// Elements are hashed by their low 32 index bits under a key that covers the
// seed and the high bits (constant over 2^32 elements, so the inner loop is
// plain 32-bit arithmetic that vectorises).
inline uint32_t segment_key(uint64_t seed, uint64_t segment) {
  return mix32(
      static_cast<uint32_t>(seed) ^
      mix32(static_cast<uint32_t>(seed >> 32) + 0x9e3779b9u * static_cast<uint32_t>(segment + 1)));
}

inline bool keeps(uint32_t key, uint32_t low, uint32_t threshold) {
  return mix32(low * 0x9e3779b1u + key) >= threshold;
}

// out[i] = keep(first + i) ? f(in[i]) * scale : 0, f = identity or ReLU, for
// n elements within one 2^32 segment.
template <bool kRelu>
__attribute__((always_inline)) inline void mask_scale(const float* in, float* out, int64_t n,
                                                      uint32_t first, uint32_t key,
                                                      uint32_t threshold, float scale) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = kRelu ? std::max(in[i], 0.0f) : in[i];
    out[i] = keeps(key, first + static_cast<uint32_t>(i), threshold) ? v * scale : 0.0f;
  }
}

using MaskFn = void (*)(const float*, float*, int64_t, uint32_t, uint32_t, uint32_t, float);

template <bool kRelu>
void mask_scale_plain(const float* in, float* out, int64_t n, uint32_t first, uint32_t key,
                      uint32_t threshold, float scale) {
  mask_scale<kRelu>(in, out, n, first, key, threshold, scale);
}

#if defined(__x86_64__)
template <bool kRelu>
SWT_AVX2 void mask_scale_avx2(const float* in, float* out, int64_t n, uint32_t first, uint32_t key,
                              uint32_t threshold, float scale) {
  mask_scale<kRelu>(in, out, n, first, key, threshold, scale);
}

template <bool kRelu>
SWT_AVX512 void mask_scale_avx512(const float* in, float* out, int64_t n, uint32_t first,
                                  uint32_t key, uint32_t threshold, float scale) {
  mask_scale<kRelu>(in, out, n, first, key, threshold, scale);
}
#endif

template <bool kRelu>
MaskFn pick_mask_fn() {
  return for_active_isa<MaskFn>(&mask_scale_plain<kRelu>,
                                SWT_ISA_FN(&mask_scale_plain<kRelu>, &mask_scale_avx2<kRelu>),
                                SWT_ISA_FN(&mask_scale_plain<kRelu>, &mask_scale_avx512<kRelu>));
}

// Applies the mask of (seed, p) to every element of x, after ReLU if asked.
torch::Tensor apply_mask(const torch::Tensor& x_in, double p, uint64_t seed, bool relu) {
  const auto x = x_in.contiguous();
  auto out = torch::empty_like(x, at::MemoryFormat::Contiguous);
  const float* in = x.data_ptr<float>();
  float* o = out.data_ptr<float>();
  const uint32_t threshold = dropout_threshold(p);
  const auto scale = static_cast<float>(1.0 / (1.0 - p));
  const MaskFn fn = relu ? pick_mask_fn<true>() : pick_mask_fn<false>();
  kernels::parallel_for(0, x.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    while (begin < end) {  // split at 2^32-element segment boundaries
      const auto segment = static_cast<uint64_t>(begin) >> 32;
      const int64_t stop = std::min<int64_t>(end, static_cast<int64_t>((segment + 1) << 32));
      fn(in + begin, o + begin, stop - begin, static_cast<uint32_t>(begin),
         segment_key(seed, segment), threshold, scale);
      begin = stop;
    }
  });
  return out;
}

bool fused_path(const torch::Tensor& x) {
  return x.device().is_cpu() && x.scalar_type() == torch::kFloat;
}

void check_p(double p) {
  if (!(p >= 0 && p < 1)) fail("dropout probability must be in [0, 1), got " + std::to_string(p));
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct DropoutFunction : public torch::autograd::Function<DropoutFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double p,
                               int64_t seed) {
    ctx->saved_data["p"] = p;
    ctx->saved_data["seed"] = seed;
    return apply_mask(x, p, static_cast<uint64_t>(seed), false);
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const double p = ctx->saved_data["p"].toDouble();
    const auto seed = static_cast<uint64_t>(ctx->saved_data["seed"].toInt());
    return {apply_mask(grad[0], p, seed, false), torch::Tensor(), torch::Tensor()};
  }
};

struct ReluDropoutFunction : public torch::autograd::Function<ReluDropoutFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, double p,
                               int64_t seed) {
    auto out = apply_mask(x, p, static_cast<uint64_t>(seed), true);
    ctx->saved_data["scale"] = 1.0 / (1.0 - p);
    ctx->save_for_backward({out});
    return out;
  }
  // The gradient flows where the output is positive (input positive and
  // kept), scaled like the forward pass: no mask to recompute.
  static variable_list backward(AutogradContext* ctx, variable_list grad) {
    const auto out = ctx->get_saved_variables()[0];
    const double scale = ctx->saved_data["scale"].toDouble();
    return {grad[0] * out.gt(0).to(grad[0].scalar_type()) * scale, torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

uint32_t dropout_threshold(double p) {
  check_p(p);
  return static_cast<uint32_t>(std::min(p * 4294967296.0, 4294967295.0));
}

bool dropout_keeps(uint64_t seed, uint64_t index, uint32_t threshold) {
  return keeps(segment_key(seed, index >> 32), static_cast<uint32_t>(index), threshold);
}

torch::Tensor fused_dropout(const torch::Tensor& x, double p, uint64_t seed) {
  check_p(p);
  if (p == 0) return x;
  if (!fused_path(x)) return torch::dropout(x, p, /*train=*/true);
  return DropoutFunction::apply(x, p, static_cast<int64_t>(seed));
}

torch::Tensor fused_relu_dropout(const torch::Tensor& x, double p, uint64_t seed) {
  check_p(p);
  if (p == 0) return torch::relu(x);
  if (!fused_path(x)) return torch::dropout(torch::relu(x), p, /*train=*/true);
  return ReluDropoutFunction::apply(x, p, static_cast<int64_t>(seed));
}

uint64_t next_dropout_seed() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace swt::kernels
