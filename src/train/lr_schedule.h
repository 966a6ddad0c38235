// Linear warm-up to the peak rate, then inverse square-root decay (Vaswani et al. 2017).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace swt::train {

inline double inverse_sqrt_lr(double peak, int64_t step, int64_t warmup) {
  const double s = static_cast<double>(std::max<int64_t>(step, 1));
  if (warmup <= 0) return peak / std::sqrt(s);
  const double w = static_cast<double>(warmup);
  return peak * std::min(s / w, std::sqrt(w / s));
}

}  // namespace swt::train
