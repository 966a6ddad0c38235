#include "train/loss.h"

namespace swt::train {

LossSums label_smoothed_loss(const torch::Tensor& logits, const torch::Tensor& target, double eps) {
  auto lp = torch::log_softmax(logits.to(torch::kFloat), -1);
  auto nll = -lp.gather(-1, target.unsqueeze(-1)).squeeze(-1);
  auto smooth = -lp.mean(-1);
  auto keep = target.ne(0).to(lp.scalar_type());
  auto per_token = (1.0 - eps) * nll + eps * smooth;
  return {(per_token * keep).sum(), (nll * keep).sum().detach()};
}

}  // namespace swt::train
