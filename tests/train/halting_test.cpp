// The adaptive-depth training path end to end on a toy corpus: multi-exit
// main phase, then a halting phase that changes only the halting units.
#include "train/halting.h"

#include <gtest/gtest.h>

#include <cmath>

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
           "model.encoder_layers=3", "model.decoder_layers=3", "model.encoder_min_layers=2",
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

  // What the depth code promises at inference (model/depth.h, transformer.cpp):
  // a sentence leaves the encoder after the first layer, from encoder_min_layers
  // on, whose halting unit gives a probability above the threshold (else it
  // runs every layer); a token leaves the decoder after the first layer whose
  // halting unit is above the threshold (else it runs every layer).
  const int64_t enc_layers = 3, dec_layers = 3, min_layers = 2;
  ASSERT_EQ(after.config.encoder_layers, enc_layers);
  ASSERT_EQ(after.config.depth.encoder_min_layers, min_layers);
  auto translate_at = [&](double threshold) {
    decode::TranslateOptions o;
    o.search.beam = 2;
    o.search.depth.encoder = model::EncoderPolicy::kLearned;
    o.search.depth.decoder = model::DecoderExit::kHalting;
    o.search.depth.threshold = threshold;
    auto out = decode::Translator(after, o).translate(corpus.test.src);
    EXPECT_EQ(out.size(), corpus.test.src.size());
    for (const auto& n : out) EXPECT_FALSE(n[0].exits.empty());
    return out;
  };

  // Threshold 0: every halting probability is above it, so every sentence stops
  // at the earliest exit allowed and every token after the first decoder layer.
  for (const auto& n : translate_at(0.0)) {
    EXPECT_EQ(n[0].encoder_depth, min_layers);
    for (auto e : n[0].exits) EXPECT_EQ(e, 1);
  }
  // Threshold 1: no probability is above it: full depth everywhere.
  for (const auto& n : translate_at(1.0)) {
    EXPECT_EQ(n[0].encoder_depth, enc_layers);
    for (auto e : n[0].exits) EXPECT_EQ(e, dec_layers);
  }
  // Threshold 0.5: each sentence's depth is the one its halting units choose,
  // recomputed here one sentence at a time from the full-depth encoder exits.
  const double threshold = 0.5;
  const auto out = translate_at(threshold);
  decode::Translator tokenizer(after, {});
  torch::NoGradGuard no_grad;
  int checked = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    auto ids = after.src_vocab.encode(tokenizer.source_tokens(corpus.test.src[i]));
    ids.push_back(text::Vocab::kEos);
    auto src = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end())).unsqueeze(0);
    const auto exits = after.model->encode_exits(src);
    int64_t want = enc_layers;
    bool ambiguous = false;
    for (int64_t l = min_layers - 1; l + 1 < enc_layers; ++l) {
      const double p = after.model->encoder_halting(l, exits[l], src.ne(0)).item<double>();
      ambiguous |= std::abs(p - threshold) < 1e-4;  // batching may round either way
      if (p > threshold) {
        want = l + 1;
        break;
      }
    }
    if (ambiguous) continue;
    ++checked;
    EXPECT_EQ(out[i][0].encoder_depth, want) << "sentence " << i;
    for (auto e : out[i][0].exits) {
      EXPECT_GE(e, 1);
      EXPECT_LE(e, dec_layers);
    }
  }
  EXPECT_GT(checked, 0);
}

}  // namespace swt::train
