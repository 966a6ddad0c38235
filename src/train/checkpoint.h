// Training checkpoints: weights, optimizer moments and trainer state, written
// as a set into MODEL_DIR/checkpoint/ so a killed run resumes exactly where
// it stopped (same step, same data position, same random stream).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace swt::train {

struct TrainerState {
  int64_t step = 0;            // optimizer steps done
  int64_t epoch = 0;           // current epoch (0-based)
  int64_t batch_in_epoch = 0;  // next batch of that epoch
  double best_bleu = -1;
  double best_loss = 1e30;
  int64_t bad_validations = 0;  // validations since the last improvement
  double elapsed_seconds = 0;   // training time so far, across resumes
  int64_t tokens_seen = 0;
};

nlohmann::json to_json(const TrainerState& s);
TrainerState trainer_state_from_json(const nlohmann::json& j);

// Writes MODEL_DIR/checkpoint/ atomically as a whole (new directory, then rename).
// `write_extra`, if given, writes further files of the set into the directory it gets.
void save_checkpoint(const std::string& model_dir, torch::nn::Module& model,
                     torch::optim::Optimizer& optimizer, const TrainerState& state,
                     const std::function<void(const std::string& dir)>& write_extra = {});

// True if a checkpoint exists to resume from.
bool has_checkpoint(const std::string& model_dir);
// The complete checkpoint directory to resume from ("" when there is none).
std::string readable_checkpoint(const std::string& model_dir);

// Restores everything save_checkpoint wrote, including the global RNG state.
TrainerState load_checkpoint(const std::string& model_dir, torch::nn::Module& model,
                             torch::optim::Optimizer& optimizer);

}  // namespace swt::train
