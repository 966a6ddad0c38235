// include/swt/swt.h gives the same translations as the internal translator.
#include <gtest/gtest.h>
#include <swt/swt.h>

#include "decode/translator.h"
#include "model/model_dir.h"
#include "support/run_command.h"
#include "support/toy_training.h"
#include "train/trainer.h"

namespace swt {

namespace {

// A valid model directory without training: a small untrained model saved with
// the model-directory API (milliseconds instead of a training run).
std::string save_untrained_model(const std::string& dir) {
  model::ModelBundle b;
  b.src_vocab = b.tgt_vocab = text::Vocab::build({{"a", "b", "c", "d"}}, 1, 0);
  b.config.d_model = 16;
  b.config.heads = 2;
  b.config.d_ff = 32;
  b.config.encoder_layers = b.config.decoder_layers = 1;
  b.config.src_vocab_size = b.src_vocab.size();
  b.config.tgt_vocab_size = b.tgt_vocab.size();
  b.model = model::Transformer(b.config);
  model::save_model_dir(dir, b);
  return dir;
}

// The message of the std::runtime_error `make` throws ("" if it throws none).
template <typename Fn>
std::string error_of(Fn make) {
  try {
    make();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PublicApi, TranslatesLikeTheInternalTranslator) {
  const auto root = testing::temp_dir("public_api");
  testing::write_toy(root + "/data", 100, 5);
  auto config = testing::toy_config(root + "/data");
  config.train.max_steps = 2;
  train::Trainer(config, root + "/m", false).run();
  const std::vector<std::string> lines = {"a b c", "", "d e f g"};

  TranslatorOptions options;
  options.beam = 2;
  options.max_length_b = 5;
  options.threads = 1;
  Translator api(root + "/m", options);
  const auto got = api.translate(lines);

  auto bundle = model::load_model_dir(root + "/m");
  decode::TranslateOptions internal;
  internal.search.beam = 2;
  internal.search.max_length_b = 5;
  const auto want = decode::Translator(bundle, internal).translate(lines);
  ASSERT_EQ(got.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(got[i], want[i].empty() ? "" : want[i][0].text) << i;
  EXPECT_EQ(got[1], "");
}

TEST(PublicApi, BadModelDirectoryOrOptionsThrow) {
  EXPECT_NE(error_of([] { Translator t("/nonexistent/model"); }), "");
  EXPECT_FALSE(version().empty());

  // With a model directory that loads, an option out of range is what fails.
  const auto dir = save_untrained_model(testing::temp_dir("public_api_options") + "/m");
  TranslatorOptions good;
  good.threads = 1;
  ASSERT_EQ(error_of([&] { Translator t(dir, good); t.translate({"a b"}); }), "")
      << "the model directory must be valid for the checks below to mean anything";
  auto bad = good;
  bad.beam = 0;
  const auto beam_error = error_of([&] { Translator t(dir, bad); });
  EXPECT_NE(beam_error.find("beam"), std::string::npos) << "error: '" << beam_error << "'";
  bad = good;
  bad.batch_size = 0;
  const auto batch_error = error_of([&] { Translator t(dir, bad); });
  EXPECT_NE(batch_error.find("batch_size"), std::string::npos) << "error: '" << batch_error << "'";
}

}  // namespace swt
