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
  config.train.max_steps = 2;  // one validation (at the end): the model directory and
  Trainer(config, root + "/m", false).run();  // the checkpoint hold the same, final model
  // What the trainer held in memory when it stopped, as its checkpoint recorded it
  // (read directly, not through load_model_dir).
  const auto trained = weights_of(root + "/m");
  auto loaded = model::load_model_dir(root + "/m");
  ASSERT_FALSE(loaded.model->is_training()) << "a loaded model is ready to translate";

  // 1. Every tensor of the loaded model is the trained one, bit for bit.
  const auto got = model::state_dict(*loaded.model);
  ASSERT_EQ(got.size(), trained.size());
  for (const auto& [name, t] : trained) {
    ASSERT_TRUE(got.count(name)) << name << " missing from the loaded model";
    EXPECT_TRUE(torch::equal(got.at(name), t)) << name;
  }
  // Every trained parameter differs from a fresh initialisation, also those whose
  // initialisation is deterministic (layer norms, biases): a loader that left a
  // tensor at its initial value fails the comparison above.
  model::Transformer fresh(loaded.config);
  for (const auto& item : fresh->named_parameters())
    EXPECT_FALSE(torch::equal(item.value(), trained.at(item.key())))
        << item.key() << " is still at its initial value after training";

  // 2. The trained model (fresh module, trained tensors copied in by name) and the
  //    loaded one compute the same function.
  {
    torch::NoGradGuard no_grad;
    auto own = model::state_dict(*fresh);
    for (const auto& [name, t] : trained) own.at(name).copy_(t);
  }
  fresh->eval();
  auto src = torch::tensor({{4, 5, 3}, {6, 3, 0}}, torch::kLong);
  auto tgt = torch::tensor({{2, 6, 7}, {2, 5, 0}}, torch::kLong);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(fresh->forward(src, tgt), loaded.model->forward(src, tgt)));

  // 3. An in-memory model saved and loaded again is the same model, including
  //    weights that differ from anything the trainer wrote.
  for (auto& p : fresh->parameters()) p.add_(torch::randn_like(p) * 0.01);
  model::ModelBundle bundle = loaded;
  bundle.model = fresh;
  model::save_model_dir(root + "/copy", bundle);
  auto again = model::load_model_dir(root + "/copy");
  for (const auto& [name, t] : model::state_dict(*fresh))
    EXPECT_TRUE(torch::equal(model::state_dict(*again.model).at(name), t)) << name;
  EXPECT_TRUE(torch::equal(fresh->forward(src, tgt), again.model->forward(src, tgt)));
}

}  // namespace swt::train
