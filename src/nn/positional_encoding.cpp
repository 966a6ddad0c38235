#include "nn/positional_encoding.h"

#include <cmath>

namespace swt::nn {

namespace {

// Row `out` [d_model] for position `pos`: sin at even indices 2i, cos at odd
// indices 2i + 1, frequency 10000^(-2i / d_model).
void fill_position(int64_t pos, int64_t d_model, float* out) {
  const double step = -std::log(10000.0) / static_cast<double>(d_model);
  for (int64_t i = 0; i < d_model; i += 2) {
    const double angle = static_cast<double>(pos) * std::exp(static_cast<double>(i) * step);
    out[i] = static_cast<float>(std::sin(angle));
    if (i + 1 < d_model) out[i + 1] = static_cast<float>(std::cos(angle));
  }
}

}  // namespace

torch::Tensor sinusoidal_positions(int64_t offset, int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options) {
  auto positions = torch::arange(offset, offset + length, torch::TensorOptions(torch::kLong));
  return sinusoidal_positions_at(positions, d_model, options);
}

torch::Tensor sinusoidal_positions_at(const torch::Tensor& positions, int64_t d_model,
                                      const torch::TensorOptions& options) {
  auto pos = positions.to(torch::kCPU, torch::kLong).contiguous();
  auto table = torch::empty({pos.size(0), d_model}, torch::kFloat);
  const int64_t* p = pos.data_ptr<int64_t>();
  float* out = table.data_ptr<float>();
  for (int64_t r = 0; r < pos.size(0); ++r) fill_position(p[r], d_model, out + r * d_model);
  return table.to(options.device()).to(options.dtype().toScalarType());
}

}  // namespace swt::nn
