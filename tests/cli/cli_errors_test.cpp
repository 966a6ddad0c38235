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
  EXPECT_EQ(r.output, "error: " + cfg + ":2: train.max_steps must be an integer, got 'lots'\n");
  const auto broken = dir + "/broken.yaml";
  std::ofstream(broken) << "train: [unclosed\n";
  r = testing::run_swt("train --config " + broken);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("invalid YAML"), std::string::npos) << r.output;
}

TEST(CliErrors, UnknownPrecisionNamesTheOption) {
  const auto dir = testing::temp_dir("cli_errors");
  const auto cfg = dir + "/precision.yaml";
  std::ofstream(cfg) << "train:\n  precision: fp16\n";
  auto r = testing::run_swt("train --config " + cfg + " --dump-config");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output,
            "error: " + cfg + ":2: train.precision must be fp32, bf16 or auto, got 'fp16'\n");
  r = testing::run_swt("train --dump-config --set train.precision=half");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output,
            "error: --set train.precision: train.precision must be fp32, bf16 or auto, got "
            "'half'\n");
  r = testing::run_swt("translate --model /nonexistent --precision int4 < /dev/null");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "error: --precision must be fp32, bf16 or auto, got 'int4'\n");
}

TEST(CliErrors, OutOfRangeOptionsAreRefusedBeforeAnyWork) {
  const auto dir = testing::temp_dir("cli_errors_ranges");
  const auto cfg = dir + "/ranges.yaml";
  std::ofstream(cfg) << "train:\n  lr: 0.001\n  log_every: 0\n";
  auto r = testing::run_swt("train --config " + cfg + " --model-dir " + dir + "/model");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "error: " + cfg + ":3: train.log_every must be >= 1, got 0\n");
  EXPECT_FALSE(std::filesystem::exists(dir + "/model"));  // nothing written
  const std::pair<const char*, const char*> cases[] = {
      {"train.valid_every=0", "train.valid_every must be >= 1, got 0"},
      {"train.lr=-1", "train.lr must be > 0, got -1"},
      {"train.accumulate=0", "train.accumulate must be >= 1, got 0"},
      {"train.batch_tokens=0", "train.batch_tokens must be >= 1, got 0"},
      {"model.dropout=1", "model.dropout must be in [0, 1), got 1"},
      {"train.adam_beta2=1", "train.adam_beta2 must be in [0, 1), got 1"},
  };
  for (const auto& [set, message] : cases) {
    const std::string key = std::string(set).substr(0, std::string(set).find('='));
    r = testing::run_swt(std::string("train --dump-config --set ") + set);
    EXPECT_EQ(r.status, 1) << set;
    EXPECT_EQ(r.output, "error: --set " + key + ": " + message + "\n");
  }
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

namespace swt {

namespace {

// A model trained for two steps on toy data (enough to exercise the CLI).
std::string quick_model(const std::string& dir) {
  const std::string cd = "cd " + dir + " && ";
  testing::run_shell(cd + SWT_BINARY + " data toy --task copy --out data --train-size 200" +
                     " --dev-size 5 --test-size 5");
  auto r = testing::run_shell(
      cd + SWT_BINARY + " train --model-dir model --set model.preset=tiny" +
      " --set data.train_src=data/train.src --set data.train_tgt=data/train.tgt" +
      " --set data.dev_src=data/dev.src --set data.dev_tgt=data/dev.tgt" +
      " --set train.max_steps=2 --set train.valid_every=2 --set train.valid_sentences=2" +
      " --config /dev/null");
  EXPECT_EQ(r.status, 0) << r.output;
  return dir + "/model";
}

}  // namespace

TEST(CliErrors, TranslateRefusesOverlongLinesAndKeepsEmptyLines) {
  const auto dir = testing::temp_dir("cli_translate_input");
  const auto model = quick_model(dir);
  std::ofstream(dir + "/in.txt") << "baba\n\nbaba baba baba baba baba\n";
  auto r = testing::run_swt("translate --model " + model + " --input " + dir +
                            "/in.txt --max-input-tokens 3 --beam 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.output, "error: " + dir + "/in.txt:3: line has 5 tokens, more than " +
                          "--max-input-tokens 3\n");
  r = testing::run_swt("translate --model " + model + " --input " + dir + "/in.txt --output " +
                       dir + "/out.txt --beam 2");
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream out(dir + "/out.txt");
  std::vector<std::string> lines;
  for (std::string line; std::getline(out, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "");
  EXPECT_NE(lines[0], "");
}

TEST(CliErrors, TrainingOnMismatchedFilesNamesBothFiles) {
  const auto dir = testing::temp_dir("cli_mismatch");
  std::ofstream(dir + "/a.src") << "one\ntwo\nthree\n";
  std::ofstream(dir + "/a.tgt") << "one\ntwo\n";
  auto r = testing::run_swt("train --config /dev/null --model-dir " + dir + "/m" +
                            " --set data.train_src=" + dir + "/a.src --set data.train_tgt=" + dir +
                            "/a.tgt --set data.dev_src=" + dir + "/a.src" +
                            " --set data.dev_tgt=" + dir + "/a.tgt");
  EXPECT_EQ(r.status, 1);
  const std::string expected = "error: " + dir + "/a.tgt: has 2 lines but " + dir +
                               "/a.src has 3 (parallel files must match line for line)\n";
  ASSERT_GE(r.output.size(), expected.size());
  EXPECT_EQ(r.output.substr(r.output.size() - expected.size()), expected) << r.output;
}

}  // namespace swt
