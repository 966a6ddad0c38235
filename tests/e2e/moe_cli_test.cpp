// model.ffn: moe through the real CLI: train a small Switch-MoE model on the
// toy reverse task, check the routing in the progress line and the JSON-lines
// log, and that translations do not depend on the batch (inference drops no
// token) and are written with the model's config.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/run_command.h"
#include "util/text_file.h"

namespace swt {

TEST(MoeCli, TrainsLogsRoutingAndTranslatesBatchInvariantly) {
  const auto dir = testing::temp_dir("moe_cli");
  const std::string cd = "cd " + dir + " && ";
  auto r = testing::run_shell(cd + SWT_BINARY +
                              " data toy --task reverse --out data --train-size 2000"
                              " --dev-size 20 --test-size 60 --max-len 8");
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::run_shell(
      cd + SWT_BINARY + " train --config " + SWT_SOURCE_DIR +
      "/configs/tiny.yaml --model-dir model"
      " --set data.train_src=data/train.src --set data.train_tgt=data/train.tgt"
      " --set data.dev_src=data/dev.src --set data.dev_tgt=data/dev.tgt"
      " --set model.d_model=64 --set model.d_ff=128 --set model.heads=2"
      " --set model.encoder_layers=2 --set model.decoder_layers=2"
      " --set model.ffn=moe --set model.experts=4 --set train.max_steps=60"
      " --set train.valid_every=60 --set train.valid_sentences=5 --set train.warmup_steps=20"
      " --set train.lr=0.003 --set train.batch_tokens=1024 --set train.log_every=20"
      " --set train.threads=2");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("| moe balance "), std::string::npos) << r.output;

  std::vector<nlohmann::json> train_records;
  for (const auto& line : read_lines(dir + "/model/train.log.jsonl")) {
    auto j = nlohmann::json::parse(line);
    if (j["event"] == "train") train_records.push_back(j);
  }
  ASSERT_EQ(train_records.size(), 3u);
  for (const auto& j : train_records) {
    const auto& moe = j.at("moe");
    ASSERT_EQ(moe.at("layers").size(), 2u);  // encoder layer 1, decoder layer 1
    for (const auto& layer : moe["layers"]) {
      double load = 0;
      for (const auto& f : layer.at("load")) load += f.get<double>();
      EXPECT_NEAR(load, 1, 1e-6);
      EXPECT_GT(layer.at("balance").get<double>(), 0);
      EXPECT_GT(layer.at("entropy").get<double>(), 0);
      EXPECT_GE(layer.at("dropped").get<double>(), 0);
      EXPECT_LT(layer.at("dropped").get<double>(), 1);
    }
  }
  EXPECT_LT(train_records.back()["loss"].get<double>(),
            train_records.front()["loss"].get<double>());

  std::ifstream config(dir + "/model/config.json");
  const auto model = nlohmann::json::parse(config)["model"];
  EXPECT_EQ(model["ffn"], "moe");
  EXPECT_EQ(model["experts"], 4);

  for (const char* batch : {"1", "32"}) {
    r = testing::run_shell(cd + SWT_BINARY +
                           " translate --model model --input data/test.src --beam 3"
                           " --output test" +
                           batch + ".hyp --batch-size " + batch);
    ASSERT_EQ(r.status, 0) << r.output;
  }
  const auto one = read_lines(dir + "/test1.hyp"), many = read_lines(dir + "/test32.hyp");
  ASSERT_EQ(one.size(), 60u);
  EXPECT_EQ(one, many);
}

}  // namespace swt
