// Self-speculative decoding gives greedy search's output bit for bit, with
// mixed source lengths, rows that accept different numbers of drafts (masked
// cache columns), drafts that are always accepted and drafts that are always
// rejected; and its options are checked.
#include "decode/speculative.h"

#include <gtest/gtest.h>

#include "model/transformer.h"
#include "nn/positional_encoding.h"

namespace swt::decode {

namespace {

model::Transformer random_model(const std::string& attention, int64_t decoder_layers,
                                uint64_t seed) {
  torch::manual_seed(seed);
  model::ModelConfig c;
  c.attention = attention;
  c.d_model = 32;
  c.heads = 4;
  c.d_ff = 64;
  c.encoder_layers = 2;
  c.decoder_layers = decoder_layers;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = 24;
  c.window = 4;  // switch attention: short windows, so that its segments matter
  c.max_segment = 4;
  model::Transformer m(c);
  m->eval();
  return m;
}

// Layers from `from` on add nothing (zero output projections): the draft
// through the first `from` layers is then the full model, and every draft
// is accepted.
void silence_layers_from(model::Transformer& m, int64_t from) {
  torch::NoGradGuard no_grad;
  for (auto& item : m->named_parameters()) {
    const auto& name = item.key();
    for (int64_t l = from; l < m->config().decoder_layers; ++l)
      if (name.rfind("decoder." + std::to_string(l) + ".", 0) == 0 &&
          (name.find("fc_out") != std::string::npos || name.find("linear2") != std::string::npos))
        item.value().zero_();
  }
}

// Sources of mixed lengths, each ending in </s> (3), padded with 0.
torch::Tensor sources() {
  return torch::tensor({{5, 6, 7, 8, 9, 10, 11, 3},
                        {12, 3, 0, 0, 0, 0, 0, 0},
                        {13, 14, 15, 3, 0, 0, 0, 0},
                        {4, 3, 0, 0, 0, 0, 0, 0},
                        {16, 17, 18, 19, 20, 3, 0, 0}});
}

SearchOptions greedy_options() {
  SearchOptions o;
  o.beam = 1;
  o.max_length_a = 2;
  o.max_length_b = 6;
  o.attention = true;
  return o;
}

// Bit for bit when `exact` (every product of the decoder then runs on the
// small-rows kernel, whose rows do not depend on each other); otherwise the
// same tokens and alignment, scores to float rounding (past 16 rows the
// products take the BLAS GEMM, which sums in another order, as plain greedy
// search does at large batch sizes).
void expect_same(const std::vector<std::vector<Hypothesis>>& a,
                 const std::vector<std::vector<Hypothesis>>& b, bool exact = true) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].size(), 1u);
    ASSERT_EQ(b[i].size(), 1u);
    const auto &x = a[i][0], &y = b[i][0];
    EXPECT_EQ(x.tokens, y.tokens) << "sentence " << i;
    EXPECT_EQ(x.alignment, y.alignment) << "sentence " << i;
    EXPECT_EQ(x.exits, y.exits) << "sentence " << i;
    if (exact) {
      EXPECT_EQ(x.score, y.score) << "sentence " << i;
      EXPECT_EQ(x.attention, y.attention) << "sentence " << i;
    } else {
      EXPECT_NEAR(x.score, y.score, 1e-5) << "sentence " << i;
    }
    EXPECT_EQ(x.encoder_depth, y.encoder_depth);
  }
}

}  // namespace

class SpeculativeWith : public ::testing::TestWithParam<std::string> {};

TEST_P(SpeculativeWith, EqualsGreedyForEveryDraftSetting) {
  auto m = random_model(GetParam(), 3, 11);
  const auto src = sources();
  auto options = greedy_options();
  const auto greedy = search(*m, src, options);
  for (int64_t layers : {1, 2})
    for (int64_t tokens : {1, 2, 15})
      for (double confidence : {0.0, 0.2}) {
        options.speculative = {true, layers, tokens, confidence};
        SpeculativeStats stats;
        SCOPED_TRACE("layers " + std::to_string(layers) + " tokens " + std::to_string(tokens) +
                     " confidence " + std::to_string(confidence));
        // 5 sentences x (1 + tokens) rows fit the small-rows kernel up to 2
        // tokens. Switch attention decodes one sentence at a time (see
        // speculative.cpp), so its encoder ran at another batch size.
        const bool exact = tokens <= 2 && GetParam() == "vanilla";
        expect_same(greedy, speculative_search(*m, src, options, &stats), exact);
        EXPECT_GT(stats.passes, 0);
        // One sentence at a time (no masked columns), against greedy at
        // batch 1 (the encoder's products, too, take the GEMM past 16 rows):
        // at most 15 drafts keep batch 1 exact.
        for (int64_t i = 0; i < src.size(0); ++i) {
          auto one = src.narrow(0, i, 1);
          auto plain = options;
          plain.speculative.enabled = false;
          expect_same(search(*m, one, plain), speculative_search(*m, one, options));
        }
      }
}

TEST_P(SpeculativeWith, AcceptsEveryDraftWhenTheDeepLayersAddNothing) {
  auto m = random_model(GetParam(), 3, 12);
  silence_layers_from(m, 1);
  auto options = greedy_options();
  const auto greedy = search(*m, sources(), options);
  options.speculative = {true, 1, 4, 0.0};
  SpeculativeStats stats;
  expect_same(greedy, speculative_search(*m, sources(), options, &stats), false);
  ASSERT_GT(stats.drafted, 0);
  EXPECT_EQ(stats.accepted, stats.drafted);
  // Up to 4 drafts and the full model's own token per pass.
  EXPECT_GT(stats.tokens_per_pass(), 2.0);
  EXPECT_LE(stats.tokens_per_pass(), 5.0);
}

INSTANTIATE_TEST_SUITE_P(Attention, SpeculativeWith, ::testing::Values("vanilla", "switch"));

TEST(Speculative, OptionsOutOfRangeAreOneLineErrors) {
  auto m = random_model("vanilla", 2, 13);
  auto options = greedy_options();
  options.speculative.enabled = true;
  auto fails_with = [&](const SearchOptions& o, const std::string& part) {
    try {
      speculative_search(*m, sources(), o);
      ADD_FAILURE() << "no error for " << part;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  };
  auto o = options;
  o.beam = 2;
  fails_with(o, "beam 1");
  o = options;
  o.speculative.draft_layers = 2;  // as many as the model has: nothing left to verify
  fails_with(o, "draft_layers must be between 1 and 1");
  o = options;
  o.speculative.draft_tokens = 0;
  fails_with(o, "draft_tokens");
  o = options;
  o.speculative.draft_confidence = 1.5;
  fails_with(o, "draft_confidence");
  o = options;
  o.depth.decoder = model::DecoderExit::kConfidence;
  fails_with(o, "decoder exits");
}

// The verification pass: k positions in one pass give the bits k one-token
// steps give (logits, cross-attention, every layer's cached keys).
TEST_P(SpeculativeWith, OnePassOverKPositionsEqualsKSteps) {
  auto m = random_model(GetParam(), 2, 15);
  torch::NoGradGuard no_grad;
  auto memory = m->encode(sources());
  const auto tokens = torch::randint(4, 24, {5, 6});
  auto stepped = m->initial_state(), passed = m->initial_state();
  std::vector<torch::Tensor> step_logits, step_weights;
  for (int64_t t = 0; t < 6; ++t) {
    torch::Tensor w;
    step_logits.push_back(m->decode(tokens.narrow(1, t, 1), memory, &stepped, &w));
    step_weights.push_back(w);
  }
  torch::Tensor w;
  auto logits = m->decode(tokens.narrow(1, 0, 3), memory, &passed, nullptr);
  // A draft through the first layer, dropped again, changes nothing.
  m->decode_draft(tokens.narrow(1, 3, 1), memory, passed, 1);
  m->decode_draft(tokens.narrow(1, 4, 1), memory, passed, 1);
  passed.truncate(3);
  logits = torch::cat({logits, m->decode(tokens.narrow(1, 3, 3), memory, &passed, &w)}, 1);
  for (int64_t l = 0; l < 2; ++l)
    EXPECT_TRUE(torch::equal(stepped.self[l].key, passed.self[l].key)) << "layer " << l;
  EXPECT_TRUE(torch::equal(torch::cat(step_logits, 1), logits));
  EXPECT_TRUE(torch::equal(torch::cat(step_weights, 1).narrow(1, 3, 3), w));
}

// The decoder state's column bookkeeping: rows keep different prefixes, the
// columns nobody keeps are dropped, and positions follow the kept columns.
TEST(Speculative, DecoderStateKeepsPrefixesPerRow) {
  auto m = random_model("vanilla", 2, 14);
  torch::NoGradGuard no_grad;
  auto memory = m->encode(sources().narrow(0, 0, 3));
  auto state = m->initial_state();
  m->decode(torch::tensor({{2}, {2}, {2}}), memory, &state);
  m->decode(torch::tensor({{4, 5, 6}, {4, 5, 6}, {4, 5, 6}}), memory, &state);
  EXPECT_EQ(state.columns, 4);
  state.keep_prefixes(1, {3, 1, 0});
  EXPECT_EQ(state.columns, 4);
  EXPECT_TRUE(torch::equal(state.next_positions(3), torch::tensor({4, 2, 1})));
  state.keep_prefixes(2, {1, 0, 0});  // column 3 is kept by no row: dropped
  EXPECT_EQ(state.columns, 3);
  EXPECT_EQ(state.self[0].length(), 3);
  EXPECT_TRUE(torch::equal(state.next_positions(3), torch::tensor({3, 2, 1})));
  state.select(torch::tensor({2}));
  EXPECT_TRUE(torch::equal(state.next_positions(1), torch::tensor({1})));
  state.truncate(1);
  EXPECT_FALSE(state.kept.defined() && !state.kept.all().item<bool>());
  EXPECT_ANY_THROW(state.truncate(2));
}

// A position's encoding has the same bits whichever call asks for it.
TEST(Speculative, PositionsAreTheSameBitsAtAnyOffset) {
  auto table = nn::sinusoidal_positions(0, 300, 30, torch::kFloat);
  auto some = nn::sinusoidal_positions(123, 5, 30, torch::kFloat);
  EXPECT_TRUE(torch::equal(some, table.narrow(0, 123, 5)));
  auto at = nn::sinusoidal_positions_at(torch::tensor({299, 0, 7}), 30, torch::kFloat);
  EXPECT_TRUE(torch::equal(at[0], table[299]));
  EXPECT_TRUE(torch::equal(at[2], table[7]));
  // The formula: sin(p / 10000^(2i/d)) at 2i, cos at 2i + 1.
  EXPECT_NEAR(table[7][4].item<double>(), std::sin(7 / std::pow(10000.0, 4.0 / 30)), 1e-6);
  EXPECT_NEAR(table[7][5].item<double>(), std::cos(7 / std::pow(10000.0, 4.0 / 30)), 1e-6);
}

}  // namespace swt::decode
