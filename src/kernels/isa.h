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

}  // namespace swt::kernels

#if defined(__x86_64__)
#define SWT_AVX2 __attribute__((target("avx2,fma")))
#define SWT_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#endif
