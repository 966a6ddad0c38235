// swt train --config FILE [--model-dir DIR] [--set key=value]... [--resume] [--dump-config]
#include <iostream>

#include "cli/command.h"
#include "nn/threads.h"
#include "train/trainer.h"

namespace swt::cli {

namespace {

struct TrainArgs {
  std::string config;
  std::string model_dir = "models/model";
  std::vector<std::string> overrides;
  bool resume = false;
  bool dump_config = false;
};

void setup_train(CLI::App& sub) {
  auto args = std::make_shared<TrainArgs>();
  sub.add_option("--config,-c", args->config, "YAML config (see docs/options.md)");
  sub.add_option("--model-dir,-m", args->model_dir, "where the model and checkpoints go")
      ->capture_default_str();
  sub.add_option("--set", args->overrides, "override a config key: --set train.lr=0.0005");
  sub.add_flag("--resume", args->resume, "continue the run in --model-dir from its checkpoint");
  sub.add_flag("--dump-config", args->dump_config, "print the resolved config and exit");
  sub.callback([args] {
    auto config = train::load_train_config(args->config, args->overrides);
    if (args->dump_config) {
      std::cout << train::dump_train_config(config);
      return;
    }
    if (args->config.empty()) throw CLI::RequiredError("--config");
    nn::apply_threads(config.train.threads);
    train::Trainer(config, args->model_dir, args->resume).run();
  });
}

const RegisterCommand kRegister("train", "train a model from a YAML config", setup_train);

}  // namespace

}  // namespace swt::cli
