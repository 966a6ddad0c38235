#include "train/expert_parallel.h"

#include <cmath>
#include <unordered_set>

#include "util/error.h"

namespace swt::train {

namespace {

// nn::ExpertExchange over the trainer's c10d process group.
class GlooExchange : public nn::ExpertExchange {
 public:
  explicit GlooExchange(Distributed& dist) : dist_(dist) {}
  int rank() const override { return dist_.rank(); }
  int world_size() const override { return dist_.world_size(); }
  torch::Tensor all_to_all(const torch::Tensor& rows, const std::vector<int64_t>& send,
                           const std::vector<int64_t>& recv) override {
    return dist_.all_to_all(rows, send, recv);
  }
  torch::Tensor all_gather(const torch::Tensor& rows) override { return dist_.all_gather(rows); }

 private:
  Distributed& dist_;
};

// Adam's moments of `p` (none before its first step).
torch::optim::AdamParamState* adam_state(torch::optim::Adam& optimizer, const torch::Tensor& p) {
  auto& states = optimizer.state();
  auto it = states.find(c10::guts::to_string(p.unsafeGetTensorImpl()));
  return it == states.end() ? nullptr
                            : static_cast<torch::optim::AdamParamState*>(it->second.get());
}

// Applies `reshape` to every defined moment of `p`'s Adam state.
template <typename F>
void reshape_moments(torch::optim::Adam& optimizer, const torch::Tensor& p, F reshape) {
  auto* s = adam_state(optimizer, p);
  if (!s) return;
  s->exp_avg(reshape(s->exp_avg()));
  s->exp_avg_sq(reshape(s->exp_avg_sq()));
  if (s->max_exp_avg_sq().defined()) s->max_exp_avg_sq(reshape(s->max_exp_avg_sq()));
}

}  // namespace

void check_expert_parallel(const TrainConfig& config, int world_size) {
  const auto& m = config.model;
  if (world_size > 1 && m.ffn == "moe" && config.train.expert_parallel &&
      m.experts % world_size != 0)
    fail("expert parallelism: model.experts (" + std::to_string(m.experts) +
         ") must be a multiple of the number of processes (" + std::to_string(world_size) +
         "); or set train.expert_parallel=false");
  // A layer every sentence of a process skips would leave the other processes
  // waiting in that layer's expert exchange.
  if (world_size > 1 && m.ffn == "moe" && config.train.expert_parallel &&
      config.train.layer_dropout > 0)
    fail(
        "train.layer_dropout is not supported with expert parallelism; set "
        "train.expert_parallel=false");
}

ExpertParallel::ExpertParallel(Distributed& dist, model::Transformer model, bool enabled)
    : dist_(dist), model_(std::move(model)) {
  active_ = enabled && dist_.active() && !model_->moe_feed_forwards().empty();
  if (!active_) return;
  exchange_ = std::make_shared<GlooExchange>(dist_);
  // The partition is fixed: splitting and joining replace the tensors' data,
  // not the tensors.
  std::unordered_set<const c10::TensorImpl*> experts;
  for (auto& moe : model_->moe_feed_forwards())
    for (const auto& p : moe->expert_parameters()) {
      expert_parameters_.push_back(p);
      experts.insert(p.unsafeGetTensorImpl());
    }
  for (const auto& p : model_->parameters())
    if (!experts.count(p.unsafeGetTensorImpl())) replicated_parameters_.push_back(p);
}

void ExpertParallel::split(torch::optim::Adam& optimizer) {
  if (!active_ || split_) return;
  torch::NoGradGuard no_grad;
  for (auto& moe : model_->moe_feed_forwards()) {
    moe->split_experts(exchange_);
    const int64_t first = moe->first_expert(), count = moe->local_experts();
    for (const auto& p : moe->expert_parameters())
      reshape_moments(optimizer, p,
                      [&](const torch::Tensor& m) { return m.narrow(0, first, count).clone(); });
  }
  split_ = true;
}

void ExpertParallel::join(torch::optim::Adam& optimizer) {
  if (!split_) return;
  torch::NoGradGuard no_grad;
  for (auto& moe : model_->moe_feed_forwards()) {
    for (const auto& p : moe->expert_parameters())
      reshape_moments(optimizer, p, [&](const torch::Tensor& m) { return dist_.all_gather(m); });
    moe->join_experts();
  }
  split_ = false;
}

std::vector<torch::Tensor> ExpertParallel::replicated_parameters() {
  return split_ ? replicated_parameters_ : model_->parameters();
}

void ExpertParallel::fill_missing_gradients() {
  for (const auto& p : expert_parameters_)
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
}

void ExpertParallel::clip_grad_norm(double max_norm) {
  auto squares = [](const std::vector<torch::Tensor>& params) {
    double sum = 0;
    for (const auto& p : params)
      if (p.grad().defined()) sum += p.grad().to(torch::kDouble).square().sum().item<double>();
    return sum;
  };
  const double norm = std::sqrt(squares(replicated_parameters_) +
                                dist_.all_reduce_sum({squares(expert_parameters_)})[0]);
  // As torch::nn::utils::clip_grad_norm_.
  const double coefficient = max_norm / (norm + 1e-6);
  if (coefficient >= 1) return;
  torch::NoGradGuard no_grad;
  for (const auto& p : model_->parameters())
    if (p.grad().defined()) p.mutable_grad().mul_(coefficient);
}

int64_t ExpertParallel::local_experts() {
  const auto moes = model_->moe_feed_forwards();
  return moes.empty() ? 0 : moes.front()->local_experts();
}

}  // namespace swt::train
