// Expert parallelism for the multi-process trainer (model.ffn: moe with
// train.expert_parallel): each of W processes keeps 1/W of every MoE layer's
// experts, with their gradients and Adam moments; tokens reach their expert's
// process by c10d all-to-all (nn/moe.h). Everything else stays data-parallel:
// replicated weights, gradients summed over the processes.
//
// Validation and checkpoints see the whole model: the experts are gathered
// into every process first (join) and divided again afterwards (split), so a
// checkpoint has the single-process layout and can resume on any number of
// processes.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "model/transformer.h"
#include "train/distributed.h"
#include "train/train_config.h"

namespace swt::train {

// One-line error if `config` asks for expert parallelism over `world_size`
// processes and model.experts is not a multiple of it.
void check_expert_parallel(const TrainConfig& config, int world_size);

class ExpertParallel {
 public:
  // Active when `enabled`, the job has several processes and the model MoE layers.
  ExpertParallel(Distributed& dist, model::Transformer model, bool enabled);

  bool active() const { return active_; }
  bool split_now() const { return split_; }
  // Keeps this process's experts, weights and optimizer moments.
  void split(torch::optim::Adam& optimizer);
  // Every expert back in every process (all processes call it).
  void join(torch::optim::Adam& optimizer);

  // The parameters whose gradients are summed over the processes: all but the
  // split experts'. Theirs are whole already: the exchanges' backward pass
  // brought every process's share to the expert's process.
  std::vector<torch::Tensor> replicated_parameters();
  // Zero gradients for split experts that no token reached in any process,
  // so that Adam steps them as it steps the whole stacked tensor in one process.
  void fill_missing_gradients();
  // Scales the gradients so that the global norm (the split experts' squares
  // summed over the processes, the rest counted once) is at most `max_norm`.
  void clip_grad_norm(double max_norm);
  // Experts each MoE layer holds in this process.
  int64_t local_experts();

 private:
  Distributed& dist_;
  model::Transformer model_;
  bool active_ = false, split_ = false;
  std::shared_ptr<nn::ExpertExchange> exchange_;
  // Active: the MoE layers' w1, b1, w2, b2, and every other parameter.
  std::vector<torch::Tensor> expert_parameters_, replicated_parameters_;
};

}  // namespace swt::train
