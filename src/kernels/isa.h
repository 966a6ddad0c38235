// Which x86 vector instruction set the CPU kernels use. Each kernel has a
// plain C++ path and AVX2 / AVX-512 paths compiled with GCC target
// attributes, picked at run time, so one binary runs on any x86-64 CPU.
#pragma once

namespace swt::kernels {

enum class Isa { kScalar, kAvx2, kAvx512 };

// The widest instruction set the kernels may use; the CPU's best by default.
// Tests lower it to check every code path against its reference.
void set_max_isa(Isa isa);

// The widest set both the CPU supports and set_max_isa allows.
Isa active_isa();

// Of one kernel's three builds, the one for active_isa(). Off x86 there is
// only the plain build: pass it three times (active_isa() is then kScalar).
template <typename Fn>
Fn for_active_isa(Fn plain, Fn avx2, Fn avx512) {
  switch (active_isa()) {
    case Isa::kAvx512:
      return avx512;
    case Isa::kAvx2:
      return avx2;
    case Isa::kScalar:
      break;
  }
  return plain;
}

}  // namespace swt::kernels

// Target attributes for the AVX2 and AVX-512 builds of a kernel; SWT_ISA_FN
// names a build, falling back to the plain one off x86.
#if defined(__x86_64__)
#define SWT_AVX2 __attribute__((target("avx2,fma")))
#define SWT_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define SWT_ISA_FN(plain, isa_build) isa_build
#else
#define SWT_ISA_FN(plain, isa_build) plain
#endif
