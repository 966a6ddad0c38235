// A run interrupted and resumed must end exactly where an uninterrupted run ends.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "model/model_dir.h"
#include "support/run_command.h"
#include "support/toy_training.h"
#include "train/trainer.h"

namespace swt::train {

namespace {

using testing::toy_config;
using testing::write_toy;

model::TensorMap weights_of(const std::string& dir) {
  return model::load_safetensors(dir + "/checkpoint/model.safetensors");
}

}  // namespace

TEST(Checkpoint, ResumedRunEqualsUninterruptedRun) {
  const auto root = testing::temp_dir("checkpoint_resume");
  write_toy(root + "/data", 300, 10);
  auto config = toy_config(root + "/data");
  config.train.max_steps = 6;
  Trainer(config, root + "/straight", false).run();

  auto first_half = config;
  first_half.train.max_steps = 3;
  Trainer(first_half, root + "/resumed", false).run();
  Trainer(config, root + "/resumed", true).run();

  auto a = weights_of(root + "/straight"), b = weights_of(root + "/resumed");
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a) EXPECT_TRUE(torch::equal(t, b.at(name))) << name;
  EXPECT_TRUE(std::filesystem::exists(root + "/resumed/config.json"));
  EXPECT_FALSE(std::filesystem::exists(root + "/resumed/checkpoint.tmp"));
}

TEST(Checkpoint, ModelDirectoryRoundTripGivesTheSameModel) {
  const auto root = testing::temp_dir("checkpoint_model_dir");
  write_toy(root + "/data", 100, 5);
  auto config = toy_config(root + "/data");
  config.train.max_steps = 2;
  Trainer(config, root + "/m", false).run();
  auto a = model::load_model_dir(root + "/m");
  auto b = model::load_model_dir(root + "/m");
  auto src = torch::tensor({{4, 5, 3}}, torch::kLong);
  auto tgt = torch::tensor({{2, 6}}, torch::kLong);
  EXPECT_TRUE(torch::equal(a.model->forward(src, tgt), b.model->forward(src, tgt)));
}

}  // namespace swt::train
