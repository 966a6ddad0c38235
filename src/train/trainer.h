// The training loop: data, model, optimizer, validation, checkpoints, early
// stopping. `swt train` is a thin wrapper around Trainer::run().
#pragma once

#include <string>

#include "train/distributed.h"
#include "train/train_config.h"

namespace swt::train {

struct TrainSummary {
  int64_t steps = 0;
  double best_bleu = -1;
  double elapsed_seconds = 0;
  double tokens_per_second = 0;
  std::string stop_reason;
};

class Trainer {
 public:
  // `distributed`: this process's place in a data-parallel job (one process by
  // default); rank 0 validates, logs and writes the model directory.
  Trainer(TrainConfig config, std::string model_dir, bool resume,
          DistributedOptions distributed = {});
  TrainSummary run();

 private:
  TrainConfig config_;
  std::string model_dir_;
  bool resume_;
  DistributedOptions distributed_;
};

}  // namespace swt::train
