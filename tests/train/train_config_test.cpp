#include "train/train_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/run_command.h"
#include "train/loss.h"
#include "train/lr_schedule.h"
#include "util/error.h"

namespace swt::train {

TEST(TrainConfig, PresetThenExplicitKeysThenOverrides) {
  const auto dir = testing::temp_dir("train_config");
  std::ofstream(dir + "/c.yaml") << "model:\n  preset: small\n  heads: 8\ntrain:\n  lr: 0.001\n";
  auto c = load_train_config(dir + "/c.yaml", {"train.lr=0.0005", "model.encoder_layers=5"});
  EXPECT_EQ(c.model.d_model, 256);       // from the preset
  EXPECT_EQ(c.model.heads, 8);           // file beats preset
  EXPECT_EQ(c.model.encoder_layers, 5);  // --set beats file
  EXPECT_EQ(c.model.decoder_layers, 3);
  EXPECT_DOUBLE_EQ(c.train.lr, 0.0005);
}

TEST(TrainConfig, DumpedConfigLoadsBackToTheSameValues) {
  const auto dir = testing::temp_dir("train_config_dump");
  auto c = load_train_config("", {"model.preset=base", "data.train_src=a b.txt", "train.seed=9"});
  std::ofstream(dir + "/dump.yaml") << dump_train_config(c);
  auto d = load_train_config(dir + "/dump.yaml", {});
  EXPECT_EQ(dump_train_config(c), dump_train_config(d));
  EXPECT_EQ(d.data.train_src, "a b.txt");
  EXPECT_EQ(d.model.d_model, 512);
}

TEST(TrainConfig, UnknownKeysAndBadValuesAreErrors) {
  EXPECT_THROW(load_train_config("", {"train.nope=1"}), Error);
  EXPECT_THROW(load_train_config("", {"model.preset=huge"}), Error);
  EXPECT_THROW(load_train_config("", {"model.tie_output=maybe"}), Error);
  EXPECT_THROW(load_train_config("", {"train.lr"}), Error);
}

TEST(TrainConfig, ExitLossWeightsAreNormalisedAndCheckedAgainstTheDecoderDepth) {
  auto equal = load_train_config("", {"model.adaptive_depth=true", "model.decoder_layers=4"});
  EXPECT_EQ(exit_loss_weights(equal), std::vector<double>(4, 0.25));
  auto c = load_train_config("", {"model.adaptive_depth=true", "model.decoder_layers=3",
                                  "train.exit_loss_weights=1, 1,2"});
  auto w = exit_loss_weights(c);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 0.25);
  EXPECT_DOUBLE_EQ(w[2], 0.5);
  for (const char* bad : {"1,2", "1,2,3,4", "1,x,2", "1,-1,2", "0,0,0", "1,2,3e"})
    EXPECT_THROW(load_train_config("", {"model.adaptive_depth=true", "model.decoder_layers=3",
                                        std::string("train.exit_loss_weights=") + bad}),
                 Error)
        << bad;
  EXPECT_THROW(load_train_config("", {"train.exit_loss_weights=1,1,1"}), Error);  // not adaptive
  EXPECT_THROW(load_train_config("", {"train.layer_dropout=1"}), Error);
}

TEST(LearningRate, WarmsUpLinearlyThenDecaysAsInverseSqrt) {
  EXPECT_DOUBLE_EQ(inverse_sqrt_lr(1.0, 50, 100), 0.5);
  EXPECT_DOUBLE_EQ(inverse_sqrt_lr(1.0, 100, 100), 1.0);
  EXPECT_DOUBLE_EQ(inverse_sqrt_lr(1.0, 400, 100), 0.5);
}

TEST(Loss, LabelSmoothingMatchesTheDefinition) {
  auto logits = torch::randn({1, 2, 5}, torch::kDouble);
  auto target = torch::tensor({{3, 0}}, torch::kLong);  // second position is padding
  auto sums = label_smoothed_loss(logits, target, 0.1);
  auto lp = torch::log_softmax(logits[0][0], -1);
  const double expected = -(0.9 * lp[3].item<double>() + 0.1 * lp.mean().item<double>());
  EXPECT_NEAR(sums.loss.item<double>(), expected, 1e-6);
  EXPECT_NEAR(sums.nll.item<double>(), -lp[3].item<double>(), 1e-6);
}

}  // namespace swt::train
