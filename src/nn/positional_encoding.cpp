#include "nn/positional_encoding.h"

#include <cmath>

namespace swt::nn {

torch::Tensor sinusoidal_positions(int64_t offset, int64_t length, int64_t d_model,
                                   const torch::TensorOptions& options) {
  auto f32 = options.dtype(torch::kFloat);
  auto pos = torch::arange(offset, offset + length, f32).unsqueeze(1);
  auto i = torch::arange(0, d_model, 2, f32);
  auto inv_freq = torch::exp(i * (-std::log(10000.0) / static_cast<double>(d_model)));
  auto angles = pos * inv_freq.unsqueeze(0);  // [length, d_model/2]
  auto table = torch::zeros({length, d_model}, f32);
  using torch::indexing::Slice;
  table.index_put_({Slice(), Slice(0, d_model, 2)}, torch::sin(angles));
  table.index_put_({Slice(), Slice(1, d_model, 2)}, torch::cos(angles).narrow(1, 0, d_model / 2));
  return table.to(options.dtype());
}

}  // namespace swt::nn
