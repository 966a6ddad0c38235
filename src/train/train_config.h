// Everything `swt train` can be told, in one place. Each option has a key
// ("section.name"), a default and a one-line description; the YAML loader,
// `--set key=value`, `--dump-config` and docs/options.md all read this table.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "model/model_config.h"
#include "model/model_dir.h"

namespace swt::train {

struct DataOptions {
  std::string train_src, train_tgt, dev_src, dev_tgt;
  bool shared_vocab = true;
  int64_t vocab_min_count = 1;
  int64_t vocab_max_size = 0;  // 0 = unlimited
  int64_t max_length = 128;    // training pairs with more tokens on either side are skipped
};

struct TrainOptions {
  int64_t batch_tokens = 4096;  // target + source tokens per batch, padding included
  int64_t accumulate = 1;       // batches per optimizer step
  double lr = 7e-4;             // peak learning rate (reached at the end of warm-up)
  int64_t warmup_steps = 4000;
  double adam_beta1 = 0.9, adam_beta2 = 0.98, adam_eps = 1e-9;
  double weight_decay = 0.0;
  double label_smoothing = 0.1;
  double clip_norm = 1.0;  // 0 = no clipping
  int64_t max_steps = 0;   // 0 = no limit
  int64_t max_epochs = 0;
  double max_minutes = 0;         // wall-clock budget, 0 = no limit
  int64_t valid_every = 1000;     // steps between validations (and checkpoints)
  int64_t valid_sentences = 500;  // dev sentences translated for BLEU (0 = all)
  int64_t valid_beam = 1;
  int64_t patience = 10;  // stop after this many validations without a better dev BLEU
  int64_t log_every = 100;
  // Adaptive depth (model.adaptive_depth): after the main phase, train the
  // halting units alone against the oracle exits.
  int64_t halting_steps = 300;
  double halting_epsilon = 0.1;  // oracle: shallowest exit within this loss of the best
  double depth_penalty = 0.01;   // pushes halting units towards earlier exits
  // Training for early exits (docs/adaptive-depth.md): LayerSkip's layer
  // dropout, rising with depth to this rate at the last decoder layer, and the
  // share of the loss each decoder exit gets ("" = equal shares).
  double layer_dropout = 0;
  std::string exit_loss_weights;
  int64_t seed = 1;
  int64_t threads = 0;  // 0 = all cores
  // Matrix products: fp32 | bf16 | auto (bf16 where the CPU has native bf16).
  std::string precision = "auto";
  // model.ffn: moe with several processes: divide each MoE layer's experts
  // among the processes (docs/moe.md); false: every process holds every expert.
  bool expert_parallel = true;
  // Fine-tuning: start from this model directory's weights and vocabularies
  // instead of a random initialisation (ignored when --resume finds a checkpoint).
  std::string init_from;
};

struct TrainConfig {
  std::string preset;  // model.preset: tiny | small | base (applied before explicit sizes)
  DataOptions data;
  model::ModelConfig model;
  model::Preprocess preprocess;
  TrainOptions train;
};

struct OptionInfo {
  std::string key;
  std::string help;
  std::variant<int64_t*, double*, bool*, std::string*> field;
};

// The option table bound to the fields of `config`.
std::vector<OptionInfo> option_table(TrainConfig& config);

// Loads a YAML file (unknown keys and bad values are errors naming file and line),
// then applies `overrides` ("key=value"), resolving model.preset first.
TrainConfig load_train_config(const std::string& yaml_path,
                              const std::vector<std::string>& overrides);

// train.exit_loss_weights as one weight per decoder exit, summing to 1 (equal
// shares when unset). Errors name the option.
std::vector<double> exit_loss_weights(const TrainConfig& config);

// The resolved configuration as YAML, every key with its description.
std::string dump_train_config(const TrainConfig& config);

// Fills model sizes from a preset name; unknown names are errors.
void apply_preset(const std::string& name, model::ModelConfig& model);

}  // namespace swt::train
