// Inner loops shared by the CPU kernels, written so that GCC vectorises them
// at -O2 without -ffast-math.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace swt::kernels {

// Eight independent accumulators let the compiler vectorise the reduction
// (it may not reorder a single floating-point sum).
template <typename T>
inline T dot(const T* a, const T* b, int64_t d) {
  T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= d; j += 8)
    for (int u = 0; u < 8; ++u) acc[u] += a[j + u] * b[j + u];
  T sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < d; ++j) sum += a[j] * b[j];
  return sum;
}

// exp(x) for x <= 88 (Cephes' expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-6
// polynomial for e^r, 2^n through the exponent bits) in plain arithmetic, so
// that loops over it vectorise (std::exp is a library call per element);
// about 1 ulp. Below -87 it returns a tiny normal number (~1e-38) instead of
// underflowing: callers that need an exact zero (masked keys) select it.
inline float exp_approx(float x) {
  x = std::max(x, -87.0f);
  x = std::min(x, 88.0f);
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504088896341f + shifter) - shifter;
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// y += alpha * x
template <typename T>
inline void axpy(T alpha, const T* x, T* y, int64_t d) {
  for (int64_t j = 0; j < d; ++j) y[j] += alpha * x[j];
}

}  // namespace swt::kernels
