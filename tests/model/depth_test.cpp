// Adaptive depth (SPEC section 5): exits must skip work without changing what
// they do not skip.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "decode/search.h"
#include "model/model_dir.h"
#include "model/transformer.h"
#include "train/halting.h"

namespace swt::model {

namespace {

ModelConfig adaptive_config(int64_t enc = 3, int64_t dec = 3,
                            const std::string& attention = "vanilla") {
  ModelConfig c;
  c.attention = attention;
  c.d_model = 32;
  c.heads = 4;
  c.d_ff = 64;
  c.encoder_layers = enc;
  c.decoder_layers = dec;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = 30;
  c.depth.adaptive = true;
  c.depth.length_thresholds = "2,4";
  return c;
}

Transformer make_model(const ModelConfig& c, uint64_t seed) {
  torch::manual_seed(seed);
  Transformer m(c);
  m->eval();
  return m;
}

// Halting units that say "stop" for some inputs and "go on" for others.
void randomise_halting(Transformer& m) {
  torch::NoGradGuard no_grad;
  for (auto& p : m->halting_parameters()) p.normal_(0, 3.0);
}

torch::Tensor batch() {
  return torch::tensor({{5, 6, 7, 8, 9, 10, 3},
                        {11, 3, 0, 0, 0, 0, 0},
                        {12, 13, 14, 3, 0, 0, 0},
                        {15, 16, 17, 18, 3, 0, 0}},
                       torch::kLong);
}

std::vector<std::vector<decode::Hypothesis>> run(Transformer& m, const torch::Tensor& src,
                                                 const DepthOptions& depth, int64_t beam = 3) {
  decode::SearchOptions o;
  o.beam = beam;
  o.max_length_b = 6;
  o.depth = depth;
  return decode::search(*m, src, o);
}

// The exit guarantees hold for every attention kind (SPEC section 5 runs on
// top of section 4).
class AdaptiveDepthWith : public ::testing::TestWithParam<std::string> {
 protected:
  ModelConfig config(int64_t enc = 3, int64_t dec = 3) const {
    return adaptive_config(enc, dec, GetParam());
  }
};

}  // namespace

TEST_P(AdaptiveDepthWith, ThresholdThatNeverHaltsReproducesFullDepth) {
  auto m = make_model(config(), 1);
  randomise_halting(m);
  DepthOptions never;
  never.encoder = EncoderPolicy::kLearned;
  never.decoder = DecoderExit::kHalting;
  never.threshold = 1.5;  // probabilities never exceed it
  auto full = run(m, batch(), DepthOptions{});
  auto adaptive = run(m, batch(), never);
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(full[i][0].tokens, adaptive[i][0].tokens) << i;
    EXPECT_NEAR(full[i][0].score, adaptive[i][0].score, 1e-5) << i;
    EXPECT_EQ(adaptive[i][0].encoder_depth, 3);
    for (auto e : adaptive[i][0].exits) EXPECT_EQ(e, 3);
  }
}

TEST_P(AdaptiveDepthWith, FixedKLayersEqualsAKLayerModel) {
  auto deep = make_model(config(3, 3), 2);
  auto shallow_config = config(2, 2);
  Transformer shallow(shallow_config);
  shallow->eval();
  {
    auto weights = state_dict(*deep);
    torch::NoGradGuard no_grad;
    for (auto& item : shallow->named_parameters()) item.value().copy_(weights.at(item.key()));
  }
  DepthOptions two;
  two.encoder_layers = 2;
  two.decoder_layers = 2;
  auto src = batch();
  auto a = deep->encode(src, &two);
  auto b = shallow->encode(src);
  EXPECT_TRUE(torch::allclose(a.hidden, b.hidden, 1e-5, 1e-5));
  auto state_a = deep->initial_state(), state_b = shallow->initial_state();
  auto tokens = torch::full({src.size(0), 1}, 2, torch::kLong);
  for (int step = 0; step < 3; ++step) {
    auto la = deep->decode_step(tokens, a, state_a, two, nullptr, nullptr);
    auto lb = shallow->decode(tokens, b, &state_b);
    ASSERT_TRUE(torch::allclose(la, lb, 1e-5, 1e-5)) << "step " << step;
    tokens = la.argmax(-1);
  }
}

TEST_P(AdaptiveDepthWith, MixedExitsInABatchEqualEachSentenceAlone) {
  auto m = make_model(config(), 3);
  randomise_halting(m);
  DepthOptions d;
  d.encoder = EncoderPolicy::kLearned;
  d.decoder = DecoderExit::kHalting;
  d.threshold = 0.5;
  auto src = batch();
  auto together = run(m, src, d);
  std::set<int64_t> encoder_depths, decoder_exits;
  for (int64_t i = 0; i < src.size(0); ++i) {
    const auto len = src[i].ne(0).sum().item<int64_t>();
    auto alone = run(m, src.narrow(0, i, 1).narrow(1, 0, len), d);
    EXPECT_EQ(alone[0][0].tokens, together[i][0].tokens) << i;
    EXPECT_EQ(alone[0][0].exits, together[i][0].exits) << i;
    EXPECT_EQ(alone[0][0].encoder_depth, together[i][0].encoder_depth) << i;
    encoder_depths.insert(together[i][0].encoder_depth);
    for (auto e : together[i][0].exits) decoder_exits.insert(e);
  }
  // The test only means something if the exits really differ.
  EXPECT_GT(encoder_depths.size() + decoder_exits.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Attention, AdaptiveDepthWith, ::testing::Values("vanilla", "switch"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST(AdaptiveDepth, LengthPolicyGoesDeeperForLongerSentences) {
  auto m = make_model(adaptive_config(), 4);
  DepthOptions d;
  d.encoder =
      EncoderPolicy::kLength;  // thresholds 2,4 from min 1: lengths 1-2 -> 1, 3-4 -> 2, 5+ -> 3
  auto out = m->encode(batch(), &d);
  EXPECT_EQ(out.depth[0].item<int64_t>(), 3);  // 7 tokens
  EXPECT_EQ(out.depth[1].item<int64_t>(), 1);  // 2 tokens
  EXPECT_EQ(out.depth[2].item<int64_t>(), 2);  // 4 tokens
  EXPECT_EQ(out.depth[3].item<int64_t>(), 3);  // 5 tokens
}

TEST(AdaptiveDepth, HaltingNeverRunsPastTheLastLayer) {
  auto m = make_model(adaptive_config(), 5);
  randomise_halting(m);
  for (double threshold : {0.0, 0.3, 0.7, 0.99}) {
    DepthOptions d;
    d.encoder = EncoderPolicy::kLearned;
    d.decoder = DecoderExit::kHalting;
    d.threshold = threshold;
    for (const auto& nbest : run(m, batch(), d)) {
      EXPECT_GE(nbest[0].encoder_depth, 1);
      EXPECT_LE(nbest[0].encoder_depth, 3);
      for (auto e : nbest[0].exits) {
        EXPECT_GE(e, 1);
        EXPECT_LE(e, 3);
      }
    }
  }
}

TEST(LayerDropout, RateRisesExponentiallyFromZeroAtTheFirstLayerToTheRateAtTheLast) {
  EXPECT_DOUBLE_EQ(layer_dropout_rate(0, 6, 0.2), 0.0);
  EXPECT_NEAR(layer_dropout_rate(5, 6, 0.2), 0.2, 1e-12);
  EXPECT_NEAR(layer_dropout_rate(2, 5, 0.4), 0.4 * (std::sqrt(2.0) - 1), 1e-12);
  for (int64_t l = 1; l < 6; ++l)
    EXPECT_GT(layer_dropout_rate(l, 6, 0.2), layer_dropout_rate(l - 1, 6, 0.2));
  EXPECT_DOUBLE_EQ(layer_dropout_rate(0, 1, 0.5), 0.0);  // a one-layer decoder keeps its layer
}

// Every exit of decoder layer l is either its input unchanged (the sentence
// skipped the layer) or the layer's output; skips happen per sentence, only
// in training mode, never at the first layer.
TEST(LayerDropout, SentencesSkipWholeLayersInTrainingModeOnly) {
  auto c = adaptive_config(2, 4);  // no dropout: training mode is otherwise deterministic
  auto m = make_model(c, 7);
  auto src = torch::randint(4, 30, {64, 6}, torch::kLong);
  auto tgt = torch::randint(4, 30, {64, 5}, torch::kLong);
  tgt.slice(0, 0, 8).slice(1, 2).fill_(0);  // padded rows too
  torch::NoGradGuard no_grad;
  const auto memory = m->encode(src);
  const auto reference = m->decode_exits(tgt, memory);
  m->set_layer_dropout(0.9999);
  const auto in_eval = m->decode_exits(tgt, memory);
  m->train();
  torch::manual_seed(3);
  const auto dropped = m->decode_exits(tgt, memory);
  ASSERT_EQ(dropped.size(), 4u);
  for (size_t l = 0; l < 4; ++l) EXPECT_TRUE(torch::equal(in_eval[l], reference[l])) << l;
  EXPECT_TRUE(torch::allclose(dropped[0], reference[0]));  // the first layer always runs
  // Rate 0.9999 at the last layer: every sentence skips it.
  EXPECT_TRUE(torch::equal(dropped[3], dropped[2]));
  // Layer 2 (rate 0.9999 * (2^(2/3) - 1) = 0.587): some sentences skip it, others do not.
  auto same = (dropped[2] - dropped[1]).abs().amax({1, 2}).eq(0);
  const auto skipped = same.sum().item<int64_t>();
  EXPECT_GT(skipped, 20);
  EXPECT_LT(skipped, 56);
  // A sentence that ran every layer up to l matches the reference there.
  auto ran_all = (dropped[1] - reference[1]).abs().amax({1, 2}).lt(1e-5);
  EXPECT_GT(ran_all.sum().item<int64_t>(), 30);  // layer 1 rate: 0.9999 * (2^(1/3) - 1) = 0.26
}

TEST(LayerDropout, LayersEverySentenceSkippedGetNoGradient) {
  auto c = adaptive_config(2, 3);
  auto m = make_model(c, 11);
  m->train();
  m->set_layer_dropout(0.9999);  // the last layer is skipped by every sentence
  torch::manual_seed(5);
  auto src = torch::randint(4, 30, {16, 5}, torch::kLong);
  auto tgt = torch::randint(4, 30, {16, 4}, torch::kLong);
  auto exits = m->decode_exits(tgt, m->encode(src));
  exits.back().pow(2).sum().backward();
  auto norm = [](const torch::Tensor& g) { return g.defined() ? g.norm().item<double>() : 0.0; };
  int skipped = 0, ran = 0;
  for (const auto& p : m->named_parameters()) {
    const bool last = p.key().rfind("decoder.2.", 0) == 0,
               first = p.key().rfind("decoder.0.", 0) == 0;
    if (last) EXPECT_EQ(norm(p.value().grad()), 0.0) << p.key();
    if (first) EXPECT_GT(norm(p.value().grad()), 0.0) << p.key();
    skipped += last;
    ran += first;
  }
  EXPECT_GT(skipped, 0);
  EXPECT_EQ(skipped, ran);
}

TEST(AdaptiveDepth, OracleIsTheShallowestExitNearTheBest) {
  auto losses = torch::tensor({{3.0, 1.0}, {1.05, 0.5}, {1.0, 0.2}});  // [exits, items]
  auto oracle = train::oracle_exit(losses, 0.1);
  EXPECT_EQ(oracle[0].item<int64_t>(), 2);  // 1.05 is within 0.1 of 1.0
  EXPECT_EQ(oracle[1].item<int64_t>(), 3);
}

}  // namespace swt::model
