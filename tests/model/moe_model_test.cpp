// model.ffn: moe in the Transformer: which layers hold experts (and their
// tensor names), the stats a training pass leaves for the loss (real tokens
// only), batch invariance and incremental decoding at inference.
#include <gtest/gtest.h>

#include "model/transformer.h"
#include "train/loss.h"

namespace swt::model {

namespace {

ModelConfig moe_config() {
  ModelConfig c;
  c.d_model = 16;
  c.heads = 2;
  c.d_ff = 32;
  c.encoder_layers = 2;
  c.decoder_layers = 3;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = 20;
  c.ffn = "moe";
  c.experts = 4;
  c.router_jitter = 0;
  return c;
}

}  // namespace

TEST(MoeModel, EveryOtherLayerHoldsStackedExperts) {
  Transformer model(moe_config());
  auto params = model->named_parameters();
  EXPECT_TRUE(params.contains("encoder.0.ffn.linear1.weight"));
  EXPECT_TRUE(params.contains("decoder.2.ffn.linear2.bias"));
  for (const char* layer : {"encoder.1", "decoder.1"}) {
    const std::string p = std::string(layer) + ".ffn.";
    EXPECT_EQ(params[p + "router"].sizes(), torch::IntArrayRef({4, 16}));
    EXPECT_EQ(params[p + "w1"].sizes(), torch::IntArrayRef({4, 32, 16}));
    EXPECT_EQ(params[p + "b1"].sizes(), torch::IntArrayRef({4, 32}));
    EXPECT_EQ(params[p + "w2"].sizes(), torch::IntArrayRef({4, 16, 32}));
    EXPECT_EQ(params[p + "b2"].sizes(), torch::IntArrayRef({4, 16}));
    EXPECT_FALSE(params.contains(p + "linear1.weight"));
  }
  EXPECT_EQ(model->moe_layers(), 2);
  auto dense = moe_config();
  dense.ffn = "dense";
  Transformer plain(dense);
  EXPECT_EQ(plain->moe_layers(), 0);
  plain->train();
  plain->decode(torch::tensor({{2, 5}}), plain->encode(torch::tensor({{5, 3}})));
  EXPECT_TRUE(plain->take_moe_stats().empty());
}

TEST(MoeModel, TrainingPassLeavesStatsOfRealTokensOnce) {
  torch::manual_seed(11);
  Transformer model(moe_config());
  model->train();
  auto src = torch::tensor({{5, 6, 7, 3, 0}, {8, 9, 3, 0, 0}}, torch::kLong);  // 7 real
  auto tgt = torch::tensor({{2, 11, 12, 0}, {2, 14, 0, 0}}, torch::kLong);     // 5 real
  auto logits = model->decode(tgt, model->encode(src));
  auto stats = model->take_moe_stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].tokens, 7);  // encoder layer 1
  EXPECT_EQ(stats[1].tokens, 5);  // decoder layer 1
  for (const auto& s : stats) EXPECT_NEAR(s.load.sum().item<double>(), 1, 1e-6);
  // The weighted losses reach the routers.
  const auto aux = train::moe_aux_loss(model->config(), stats);
  const double want = 0.01 * (stats[0].balance_loss + stats[1].balance_loss).item<double>() +
                      0.001 * (stats[0].z_loss + stats[1].z_loss).item<double>();
  EXPECT_NEAR(aux.item<double>(), want, 1e-6);
  (logits.sum() * 0 + aux).backward();
  auto params = model->named_parameters();
  EXPECT_GT(params["encoder.1.ffn.router"].grad().abs().sum().item<float>(), 0);
  EXPECT_GT(params["decoder.1.ffn.router"].grad().abs().sum().item<float>(), 0);
  // Taken once: a second take has nothing from a pass (zeros).
  auto again = model->take_moe_stats();
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].tokens, 0);
  EXPECT_EQ(again[1].balance_loss.item<float>(), 0);
  // Inference records nothing.
  model->eval();
  torch::NoGradGuard no_grad;
  model->decode(tgt, model->encode(src));
  EXPECT_EQ(model->take_moe_stats()[0].tokens, 0);
}

// A router that sends every token to one expert: with a capacity this would
// drop most tokens, and a sentence's output would depend on its neighbours.
TEST(MoeModel, InferenceIsBatchInvariantAndIncrementalDecodingMatches) {
  torch::manual_seed(12);
  Transformer model(moe_config());
  {
    torch::NoGradGuard no_grad;
    for (auto& item : model->named_parameters())
      if (item.key().find("ffn.router") != std::string::npos) item.value().zero_();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  auto alone = torch::tensor({{5, 6, 3}}, torch::kLong);
  auto tgt = torch::tensor({{2, 12, 13}}, torch::kLong);
  auto a = model->decode(tgt, model->encode(alone));
  auto batched = torch::tensor({{5, 6, 3, 0, 0, 0}, {7, 8, 9, 10, 11, 3}}, torch::kLong);
  auto tgts = torch::tensor({{2, 12, 13, 0}, {2, 14, 15, 16}}, torch::kLong);
  auto memory = model->encode(batched);
  auto b = model->decode(tgts, memory);
  EXPECT_TRUE(torch::allclose(a[0], b[0].narrow(0, 0, 3), 1e-5, 1e-5));
  auto state = model->initial_state();
  for (int64_t t = 0; t < tgts.size(1); ++t) {
    auto step = model->decode(tgts.narrow(1, t, 1), memory, &state);
    EXPECT_TRUE(torch::allclose(step.squeeze(1)[1], b[1][t], 1e-5, 1e-5)) << "step " << t;
  }
}

}  // namespace swt::model
