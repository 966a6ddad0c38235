#include "nn/precision.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "kernels/isa.h"
#include "util/error.h"

namespace swt::nn {

namespace {

thread_local Precision t_precision = Precision::kFp32;

bool cpuid_bf16() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool amx_bf16 = (edx >> 22) & 1u;
  __cpuid_count(7, 1, eax, ebx, ecx, edx);
  const bool avx512_bf16 = (eax >> 5) & 1u;
  return amx_bf16 || avx512_bf16;
#else
  return false;
#endif
}

}  // namespace

bool cpu_has_native_bf16() {
  static const bool cpu = cpuid_bf16();
  return cpu && kernels::active_isa() == kernels::Isa::kAvx512;
}

Precision parse_precision(const std::string& name, const std::string& what) {
  if (name == "fp32") return Precision::kFp32;
  if (name == "bf16") return Precision::kBf16;
  if (name == "auto") return cpu_has_native_bf16() ? Precision::kBf16 : Precision::kFp32;
  fail(what + " must be fp32, bf16 or auto, got '" + name + "'");
}

const char* precision_name(Precision p) { return p == Precision::kBf16 ? "bf16" : "fp32"; }

Precision matmul_precision() { return t_precision; }

MatmulPrecisionGuard::MatmulPrecisionGuard(Precision p) : previous_(t_precision) {
  t_precision = p;
}

MatmulPrecisionGuard::~MatmulPrecisionGuard() { t_precision = previous_; }

}  // namespace swt::nn
