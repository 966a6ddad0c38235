#include "kernels/isa.h"

#include <algorithm>
#include <atomic>

namespace swt::kernels {

namespace {

std::atomic<Isa> g_max_isa{Isa::kAvx512};

Isa cpu_isa() {
#if defined(__x86_64__)
  static const bool avx512 =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx512) return Isa::kAvx512;
  if (avx2) return Isa::kAvx2;
#endif
  return Isa::kScalar;
}

}  // namespace

void set_max_isa(Isa isa) { g_max_isa = isa; }

Isa active_isa() { return std::min(cpu_isa(), g_max_isa.load()); }

}  // namespace swt::kernels
