// include/swt/swt.h gives the same translations as the internal translator.
#include <gtest/gtest.h>
#include <swt/swt.h>

#include "decode/translator.h"
#include "support/run_command.h"
#include "support/toy_training.h"
#include "train/trainer.h"

namespace swt {

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
  EXPECT_THROW(Translator("/nonexistent/model"), std::runtime_error);
  TranslatorOptions bad;
  bad.beam = 0;
  EXPECT_THROW(Translator("/nonexistent/model", bad), std::runtime_error);
  EXPECT_FALSE(version().empty());
}

}  // namespace swt
