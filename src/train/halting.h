// Second training phase of adaptive depth (SPEC section 5): the model is
// frozen and the halting units learn to predict the oracle exit, the shallowest
// exit whose loss is within epsilon of the best one, with a small push towards
// earlier exits (depth penalty).
#pragma once

#include <torch/torch.h>

#include "model/transformer.h"
#include "train/progress.h"
#include "train/training_data.h"

namespace swt::train {

struct HaltingOptions {
  int64_t steps = 300;
  double epsilon = 0.1;
  double depth_penalty = 0.01;
  double lr = 1e-3;
  int64_t batch_tokens = 4096;
  uint64_t seed = 1;
};

// losses: [E, ...] per exit (exit e = depth e + 1). Returns the 1-based depth of
// the shallowest exit whose loss is within `epsilon` of the minimum, shape [...].
torch::Tensor oracle_exit(const torch::Tensor& losses, double epsilon);

// Returns the final halting loss.
double train_halting_units(model::TransformerImpl& model, const EncodedCorpus& data,
                           const HaltingOptions& options, torch::Device device, JsonlLog& log);

}  // namespace swt::train
