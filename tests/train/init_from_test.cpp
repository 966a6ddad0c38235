// train.init_from: fine-tuning starts from another model's weights and
// vocabularies; tensors the old model lacks (halting units) start fresh.
#include <gtest/gtest.h>

#include "model/model_dir.h"
#include "support/run_command.h"
#include "support/toy_training.h"
#include "train/trainer.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::train {

namespace {

// Trains the toy model for `steps` steps into ROOT/base; returns its config.
TrainConfig train_base(const std::string& root, int64_t steps) {
  testing::write_toy(root + "/data", 100, 5);
  auto config = testing::toy_config(root + "/data");
  config.train.max_steps = steps;
  Trainer(config, root + "/base", false).run();
  return config;
}

}  // namespace

TEST(InitFrom, AdaptiveFineTuneStartsFromTheVanillaWeights) {
  const auto root = testing::temp_dir("init_from");
  const auto config = train_base(root, 2);

  // A zero learning rate: the shared weights must arrive unchanged.
  auto tune = config;
  tune.model.depth.adaptive = true;
  tune.train.init_from = root + "/base";
  tune.train.lr = 0;
  tune.train.max_steps = 1;
  tune.train.halting_steps = 0;
  Trainer(tune, root + "/tuned", false).run();

  const auto base = model::load_safetensors(root + "/base/model.safetensors");
  const auto tuned = model::load_safetensors(root + "/tuned/model.safetensors");
  EXPECT_GT(tuned.size(), base.size());  // the halting units are new
  for (const auto& [name, t] : base) EXPECT_TRUE(torch::equal(t, tuned.at(name))) << name;
  EXPECT_EQ(read_lines(root + "/base/src.vocab"), read_lines(root + "/tuned/src.vocab"));
}

TEST(InitFrom, MismatchedSizesAreAnError) {
  const auto root = testing::temp_dir("init_from_mismatch");
  const auto config = train_base(root, 1);

  auto wider = config;
  wider.model.d_model = 64;
  wider.train.init_from = root + "/base";
  EXPECT_THROW(Trainer(wider, root + "/wider", false).run(), Error);
}

}  // namespace swt::train
