// The training loop: data, model, optimizer, validation, checkpoints, early
// stopping. `swt train` is a thin wrapper around Trainer::run().
#pragma once

#include <string>

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
  Trainer(TrainConfig config, std::string model_dir, bool resume);
  TrainSummary run();

 private:
  TrainConfig config_;
  std::string model_dir_;
  bool resume_;
};

}  // namespace swt::train
