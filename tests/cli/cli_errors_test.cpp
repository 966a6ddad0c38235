// Bad input through the real `swt` binary: one line on stderr, exit status 1.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/run_command.h"

namespace swt {

TEST(CliErrors, MissingModelDirectory) {
  auto r = testing::run_swt("translate --model /nonexistent/model < /dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "error: /nonexistent/model: model directory does not exist\n");
}

TEST(CliErrors, UnknownConfigKeyNamesFileAndLine) {
  const auto dir = testing::temp_dir("cli_errors");
  const auto cfg = dir + "/bad.yaml";
  std::ofstream(cfg) << "train:\n  lr: 0.001\n  learning_rate: 0.1\n";
  auto r = testing::run_swt("train --config " + cfg + " --dump-config");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "error: " + cfg + ":3: unknown config key 'train.learning_rate'\n");
}

TEST(CliErrors, BadValueAndBrokenYaml) {
  const auto dir = testing::temp_dir("cli_errors");
  const auto cfg = dir + "/badvalue.yaml";
  std::ofstream(cfg) << "train:\n  max_steps: lots\n";
  auto r = testing::run_swt("train --config " + cfg + " --dump-config");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output,
            "error: " + cfg + ":2: train.max_steps must be an integer, got 'lots'\n");
  const auto broken = dir + "/broken.yaml";
  std::ofstream(broken) << "train: [unclosed\n";
  r = testing::run_swt("train --config " + broken);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("invalid YAML"), std::string::npos) << r.output;
}

TEST(CliErrors, ModelDirectoryFromSomethingElse) {
  const auto dir = testing::temp_dir("cli_errors_foreign");
  std::ofstream(dir + "/config.json") << "{\"name\": \"bert\"}";
  auto r = testing::run_swt("translate --model " + dir + " < /dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("not an swt model config"), std::string::npos) << r.output;
}

TEST(CliErrors, DumpConfigShowsResolvedValues) {
  auto r = testing::run_swt("train --dump-config --set model.preset=small --set train.lr=0.002");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("  d_model: 256"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  lr: 0.002"), std::string::npos) << r.output;
}

}  // namespace swt
