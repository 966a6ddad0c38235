#include "train/loss.h"

namespace swt::train {

LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps) {
  return kernels::label_smoothed_cross_entropy(logits.reshape({-1, logits.size(-1)}),
                                               target.reshape({-1}), eps, /*ignore_index=*/0);
}

LossSums target_loss(model::TransformerImpl& model, const torch::Tensor& hidden,
                     const torch::Tensor& target, double eps) {
  const auto flat_target = target.reshape({-1});
  const auto rows = flat_target.ne(0).nonzero().squeeze(1);
  const auto states = hidden.reshape({-1, hidden.size(-1)}).index_select(0, rows);
  return label_smoothed_loss(model.logits(states), flat_target.index_select(0, rows), eps);
}

torch::Tensor moe_aux_loss(const model::ModelConfig& c, const std::vector<nn::MoeStats>& layers) {
  auto total = torch::zeros({});
  for (const auto& s : layers)
    total = total + c.moe_aux_loss * s.balance_loss + c.moe_z_loss * s.z_loss;
  return total;
}

}  // namespace swt::train
