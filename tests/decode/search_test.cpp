// Search on a hand-built model whose next-token distribution depends only on
// the previous token (a bigram table), so the best outputs are known exactly.
#include "decode/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace swt::decode {

namespace {

constexpr int64_t kV = 10, kD = 16;
constexpr int64_t kA = 4, kB = 5, kX1 = 6, kX2 = 7, kX3 = 8, kX4 = 9;

// Row = previous token, column = next token, probabilities.
torch::Tensor bigram_table(bool never_end) {
  auto p = torch::full({kV, kV}, 1e-6, torch::kDouble);
  p[2][kA] = 0.6;  // after <s>: "a" is likelier than "b" ...
  p[2][kB] = 0.4;
  p[kA][kX1] = 0.3;  // ... but every continuation of "a" is unlikely,
  for (auto x : {kX2, kX3, kX4}) p[kA][x] = 0.7 / 3;
  p[kB][3] = 1.0;  // while "b" ends the sentence for sure: beam search finds "b".
  for (auto x : {kX1, kX2, kX3, kX4}) {
    if (never_end)
      p[x][x] = 1.0;
    else
      p[x][3] = 1.0;
  }
  return p / p.sum(1, true);
}

// Builds a Transformer whose decoder layers add nothing (zero output
// projections) and whose huge one-hot embeddings drown the positions, so the
// logits are W * LayerNorm(embedding(previous token)); W is solved for the table.
model::Transformer bigram_model(bool never_end = false) {
  model::ModelConfig c;
  c.d_model = kD;
  c.heads = 2;
  c.d_ff = 8;
  c.encoder_layers = c.decoder_layers = 2;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = kV;
  c.tie_output = false;
  model::Transformer m(c);
  m->eval();
  torch::NoGradGuard no_grad;
  const double scale = 1e5;
  for (auto& item : m->named_parameters()) {
    const auto& name = item.key();
    if (name.rfind("decoder.", 0) == 0 &&
        (name.find("fc_out") != std::string::npos || name.find("linear2") != std::string::npos))
      item.value().zero_();
    if (name == "tgt_embed.weight") {
      item.value().zero_();
      for (int64_t i = 0; i < kV; ++i) item.value()[i][i] = scale / std::sqrt(double(kD));
    }
  }
  auto onehots = torch::eye(kV, kD, torch::kDouble) * scale;
  auto u = torch::layer_norm(onehots, {kD}).t();          // [D, V]: what the output layer sees
  auto logits = torch::log(bigram_table(never_end)).t();  // [next, prev]
  auto w = torch::matmul(logits, torch::linalg::pinv(u));
  m->named_parameters()["output.weight"].copy_(w.to(torch::kFloat));
  return m;
}

torch::Tensor source() { return torch::tensor({{kX2, int64_t{3}}}, torch::kLong); }

// A small model with random weights (seeded), in eval mode.
model::Transformer random_model(uint64_t seed) {
  torch::manual_seed(seed);
  model::ModelConfig c;
  c.d_model = 32;
  c.heads = 4;
  c.d_ff = 64;
  c.encoder_layers = c.decoder_layers = 2;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = 30;
  model::Transformer m(c);
  m->eval();
  return m;
}

// Three sentences of different lengths, padded, each ending in </s>.
torch::Tensor three_sentences() {
  return torch::tensor({{5, 6, 7, 8, 3}, {9, 3, 0, 0, 0}, {10, 11, 12, 3, 0}}, torch::kLong);
}

}  // namespace

TEST(Search, GreedyTakesTheLocallyBestToken) {
  auto m = bigram_model();
  SearchOptions o;
  o.beam = 1;
  auto out = search(*m, source(), o);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0][0].tokens, (std::vector<int64_t>{kA, kX1}));
  EXPECT_NEAR(out[0][0].score, std::log(0.6 * 0.3) / 3, 1e-3);
}

TEST(Search, BeamFindsTheGloballyBestSequence) {
  auto m = bigram_model();
  SearchOptions o;
  o.beam = 2;
  o.nbest = 2;
  auto out = search(*m, source(), o);
  ASSERT_EQ(out[0].size(), 2u);
  EXPECT_EQ(out[0][0].tokens, (std::vector<int64_t>{kB}));
  EXPECT_NEAR(out[0][0].score, std::log(0.4) / 2, 1e-3);
  EXPECT_EQ(out[0][1].tokens, (std::vector<int64_t>{kA, kX1}));
}

TEST(Search, NoLengthPenaltyScoresRawLogProbability) {
  auto m = bigram_model();
  SearchOptions o;
  o.beam = 3;
  o.length_penalty = 0;
  auto out = search(*m, source(), o);
  EXPECT_EQ(out[0][0].tokens, (std::vector<int64_t>{kB}));
  EXPECT_NEAR(out[0][0].score, std::log(0.4), 1e-3);
}

TEST(Search, StopsAtTheLengthLimit) {
  auto m = bigram_model(/*never_end=*/true);
  SearchOptions o;
  o.beam = 2;
  o.max_length_a = 0;
  o.max_length_b = 5;
  auto out = search(*m, source(), o);
  for (const auto& h : out[0]) EXPECT_LE(h.tokens.size(), 5u);
  EXPECT_FALSE(out[0].empty());
}

TEST(Search, BatchCompositionDoesNotChangeResults) {
  auto m = random_model(7);
  const auto batch = three_sentences();
  for (int64_t beam : {1, 4}) {
    SearchOptions o;
    o.beam = beam;
    o.max_length_b = 8;
    auto together = search(*m, batch, o);
    for (int64_t i = 0; i < batch.size(0); ++i) {
      const auto len = batch[i].ne(0).sum().item<int64_t>();
      auto alone = search(*m, batch.narrow(0, i, 1).narrow(1, 0, len), o);
      EXPECT_EQ(alone[0][0].tokens, together[i][0].tokens) << "beam " << beam << " row " << i;
    }
  }
}

}  // namespace swt::decode

namespace swt::decode {

// SearchOptions::attention keeps, per output token and </s>, a distribution
// over the sentence's own source positions (no padding), whose most-attended
// position is Hypothesis::alignment; the outputs are the same as without it.
TEST(Search, AttentionRowsAreOptInAndMatchTheAlignment) {
  auto m = random_model(11);
  const auto batch = three_sentences();
  for (int64_t beam : {1, 3}) {
    SearchOptions o;
    o.beam = o.nbest = beam;
    o.max_length_b = 6;
    const auto plain = search(*m, batch, o);
    o.attention = true;
    const auto with = search(*m, batch, o);
    for (int64_t i = 0; i < batch.size(0); ++i) {
      const auto src_len = batch[i].ne(0).sum().item<int64_t>();
      ASSERT_EQ(plain[i].size(), with[i].size());
      for (size_t k = 0; k < with[i].size(); ++k) {
        const auto& p = plain[i][k];
        const auto& h = with[i][k];
        EXPECT_TRUE(p.attention.empty());
        EXPECT_EQ(p.tokens, h.tokens);
        EXPECT_EQ(p.score, h.score);
        EXPECT_EQ(p.exits, h.exits);
        // Finished at </s> or at the length limit: a row per token that ran.
        EXPECT_EQ(h.attention.size(), h.exits.size()) << "beam " << beam << " row " << i;
        ASSERT_GE(h.attention.size(), h.tokens.size());
        for (size_t t = 0; t < h.attention.size(); ++t) {
          const auto& row = h.attention[t];
          ASSERT_EQ(static_cast<int64_t>(row.size()), src_len);
          double sum = 0;
          for (float w : row) {
            EXPECT_GE(w, 0);
            sum += w;
          }
          EXPECT_NEAR(sum, 1.0, 1e-4) << "beam " << beam << " row " << i << " token " << t;
          if (t < h.alignment.size())
            EXPECT_EQ(std::max_element(row.begin(), row.end()) - row.begin(), h.alignment[t]);
        }
      }
    }
  }
}

}  // namespace swt::decode
