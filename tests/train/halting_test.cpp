// The adaptive-depth training path end to end on a toy corpus: multi-exit
// main phase, then a halting phase that changes only the halting units.
#include "train/halting.h"

#include <gtest/gtest.h>

#include "data/toy_data.h"
#include "decode/translator.h"
#include "model/model_dir.h"
#include "support/run_command.h"
#include "train/trainer.h"

namespace swt::train {

TEST(HaltingTraining, TrainsOnlyTheHaltingUnitsAndTheModelTranslatesAdaptively) {
  const auto root = testing::temp_dir("halting_training");
  data::ToyOptions toy;
  toy.train_size = 200;
  toy.dev_size = toy.test_size = 8;
  auto corpus = data::make_toy_corpus(toy);
  data::write_parallel_splits(root + "/data", corpus.train, corpus.dev, corpus.test);
  auto c = load_train_config(
      "", {"model.preset=tiny", "model.d_model=32", "model.d_ff=64", "model.heads=2",
           "model.adaptive_depth=true", "train.batch_tokens=256", "train.max_steps=4",
           "train.valid_every=4", "train.valid_sentences=4", "train.halting_steps=0"});
  c.data.train_src = root + "/data/train.src";
  c.data.train_tgt = root + "/data/train.tgt";
  c.data.dev_src = root + "/data/dev.src";
  c.data.dev_tgt = root + "/data/dev.tgt";
  Trainer(c, root + "/before", false).run();
  c.train.halting_steps = 5;
  Trainer(c, root + "/after", false).run();
  auto before = model::load_model_dir(root + "/before");
  auto after = model::load_model_dir(root + "/after");
  auto a = model::state_dict(*before.model), b = model::state_dict(*after.model);
  int changed_halting = 0;
  for (const auto& [name, t] : a) {
    const bool halting = name.find("_halt") != std::string::npos;
    if (halting)
      changed_halting += !torch::equal(t, b.at(name));
    else
      EXPECT_TRUE(torch::equal(t, b.at(name))) << name << " changed in the halting phase";
  }
  EXPECT_GT(changed_halting, 0);

  decode::TranslateOptions o;
  o.search.beam = 2;
  o.search.depth.encoder = model::EncoderPolicy::kLearned;
  o.search.depth.decoder = model::DecoderExit::kHalting;
  decode::Translator translator(after, o);
  auto out = translator.translate(corpus.test.src);
  ASSERT_EQ(out.size(), corpus.test.src.size());
  for (const auto& n : out) EXPECT_GE(n[0].encoder_depth, 1);
}

}  // namespace swt::train
