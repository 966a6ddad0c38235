// Inner loops shared by the CPU kernels, written so that GCC vectorises them
// at -O2 without -ffast-math.
#pragma once

#include <cstdint>

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

// y += alpha * x
template <typename T>
inline void axpy(T alpha, const T* x, T* y, int64_t d) {
  for (int64_t j = 0; j < d; ++j) y[j] += alpha * x[j];
}

}  // namespace swt::kernels
