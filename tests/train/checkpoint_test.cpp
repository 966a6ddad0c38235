// A run interrupted and resumed must end exactly where an uninterrupted run ends.
#include "train/checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "data/toy_data.h"
#include "model/model_dir.h"
#include "support/run_command.h"
#include "train/trainer.h"

namespace swt::train {

namespace {

TrainConfig toy_config(const std::string& data_dir) {
  auto c =
      load_train_config("", {"model.preset=tiny", "model.d_model=32", "model.d_ff=64",
                             "model.heads=2", "model.encoder_layers=1", "model.decoder_layers=1",
                             "train.batch_tokens=256", "train.valid_every=3", "train.log_every=1",
                             "train.valid_sentences=5", "train.patience=0"});
  c.data.train_src = data_dir + "/train.src";
  c.data.train_tgt = data_dir + "/train.tgt";
  c.data.dev_src = data_dir + "/dev.src";
  c.data.dev_tgt = data_dir + "/dev.tgt";
  return c;
}

void write_toy(const std::string& dir, size_t train, size_t dev) {
  data::ToyOptions toy;
  toy.train_size = train;
  toy.dev_size = toy.test_size = dev;
  auto corpus = data::make_toy_corpus(toy);
  data::write_parallel_splits(dir, corpus.train, corpus.dev, corpus.test);
}

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
