// The precision of matrix products: float32, or bfloat16 operands with
// float32 accumulation (`train.precision`, `swt translate --precision`).
// Weights, optimizer state, softmax, layer norm, the loss and reductions stay
// float32 either way; only nn::linear's products change (like PyTorch's CPU
// autocast, which also runs linear layers and matmuls in bfloat16).
#pragma once

#include <string>

namespace swt::nn {

enum class Precision { kFp32, kBf16 };

// "fp32", "bf16" or "auto" -> a precision; `auto` is bf16 where the CPU has
// native bf16 dot products, fp32 elsewhere. `what` names the option in errors.
Precision parse_precision(const std::string& name, const std::string& what);
const char* precision_name(Precision p);

// True where the CPU has AVX512-BF16 or AMX-BF16 (and the kernels may use
// AVX-512: kernels::set_max_isa below kAvx512 turns it off, which is how the
// tests force the fallback).
bool cpu_has_native_bf16();

// The precision nn::linear uses on this thread (fp32 until set).
Precision matmul_precision();

// Sets the thread's matmul precision for its lifetime, then restores it.
class MatmulPrecisionGuard {
 public:
  explicit MatmulPrecisionGuard(Precision p);
  ~MatmulPrecisionGuard();
  MatmulPrecisionGuard(const MatmulPrecisionGuard&) = delete;
  MatmulPrecisionGuard& operator=(const MatmulPrecisionGuard&) = delete;

 private:
  Precision previous_;
};

}  // namespace swt::nn
