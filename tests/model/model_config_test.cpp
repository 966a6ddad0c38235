// The MoE settings of ModelConfig: config.json round trip, models saved
// before them load as dense, which layers are MoE, and one-line errors that
// name the option (from config.json and from a training config).
#include "model/model_config.h"

#include <gtest/gtest.h>

#include "support/error_message.h"
#include "train/train_config.h"
#include "util/error.h"

namespace swt::model {

namespace {

ModelConfig with_vocab() {
  ModelConfig c;
  c.src_vocab_size = c.tgt_vocab_size = 100;
  return c;
}

}  // namespace

TEST(ModelConfigMoe, RoundTripsThroughConfigJson) {
  auto c = with_vocab();
  c.ffn = "moe";
  c.experts = 4;
  c.moe_every = 3;
  c.capacity_factor = 1.5;
  c.eval_capacity_factor = 3;
  c.moe_aux_loss = 0.02;
  c.moe_z_loss = 0.002;
  c.router_jitter = 0.05;
  c.expert_dropout = 0.3;
  auto d = model_config_from_json(to_json(c), "config.json");
  EXPECT_EQ(to_json(d), to_json(c));
  EXPECT_EQ(d.ffn, "moe");
  EXPECT_EQ(d.experts, 4);
  EXPECT_DOUBLE_EQ(d.expert_dropout, 0.3);
}

TEST(ModelConfigMoe, ModelsSavedBeforeMoeLoadAsDense) {
  auto j = to_json(with_vocab());
  for (const char* key : {"ffn", "experts", "moe_every", "capacity_factor", "eval_capacity_factor",
                          "moe_aux_loss", "moe_z_loss", "router_jitter", "expert_dropout"})
    j.erase(key);
  auto c = model_config_from_json(j, "config.json");
  EXPECT_EQ(c.ffn, "dense");
  EXPECT_FALSE(c.moe_layer(1));
}

TEST(ModelConfigMoe, EveryKthLayerIsMoe) {
  auto c = with_vocab();
  c.ffn = "moe";
  std::vector<bool> got;
  for (int64_t i = 0; i < 6; ++i) got.push_back(c.moe_layer(i));
  EXPECT_EQ(got, (std::vector<bool>{false, true, false, true, false, true}));
  c.moe_every = 1;
  EXPECT_TRUE(c.moe_layer(0));
  c.ffn = "dense";
  EXPECT_FALSE(c.moe_layer(0));
}

TEST(ModelConfigMoe, BadValuesInConfigJsonNameTheOption) {
  const std::vector<std::pair<const char*, nlohmann::json>> bad = {
      {"ffn", "sparse"},      {"experts", 0},         {"experts", kMaxExperts + 1},
      {"moe_every", 0},       {"capacity_factor", 0}, {"eval_capacity_factor", -1},
      {"moe_aux_loss", -0.1}, {"moe_z_loss", -1},     {"router_jitter", 1},
      {"expert_dropout", 1.0}};
  for (const auto& [key, value] : bad) {
    auto j = to_json(with_vocab());
    j[key] = value;
    const auto message =
        testing::error_message([&] { model_config_from_json(j, "m/config.json"); });
    EXPECT_NE(message.find(std::string("model.") + key), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_EQ(message.rfind("m/config.json: ", 0), 0u) << message;
  }
}

TEST(ModelConfigMoe, TrainingConfigSetsAndChecksMoeOptions) {
  auto c = train::load_train_config(
      "", {"model.ffn=moe", "model.experts=16", "model.moe_every=1", "model.capacity_factor=1",
           "model.router_jitter=0", "model.expert_dropout=0.4"});
  EXPECT_EQ(c.model.ffn, "moe");
  EXPECT_EQ(c.model.experts, 16);
  EXPECT_EQ(c.model.moe_every, 1);
  EXPECT_DOUBLE_EQ(c.model.capacity_factor, 1);
  EXPECT_DOUBLE_EQ(c.model.moe_aux_loss, 0.01);  // defaults kept
  EXPECT_DOUBLE_EQ(c.model.moe_z_loss, 0.001);
  EXPECT_DOUBLE_EQ(c.model.expert_dropout, 0.4);
  for (const char* set :
       {"model.ffn=sparse", "model.experts=0", "model.moe_every=0", "model.capacity_factor=0",
        "model.router_jitter=1", "model.expert_dropout=-0.1", "model.moe_z_loss=-1"}) {
    const std::string key = std::string(set).substr(0, std::string(set).find('='));
    const auto message = testing::error_message([&] { train::load_train_config("", {set}); });
    EXPECT_NE(message.find(key), std::string::npos) << set << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

}  // namespace swt::model
