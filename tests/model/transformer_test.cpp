#include "model/transformer.h"

#include <gtest/gtest.h>

namespace swt::model {

namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.d_model = 32;
  c.heads = 4;
  c.d_ff = 64;
  c.encoder_layers = 2;
  c.decoder_layers = 2;
  c.dropout = c.attention_dropout = 0;
  c.src_vocab_size = c.tgt_vocab_size = 20;
  return c;
}

}  // namespace

TEST(Transformer, IncrementalDecodingEqualsFullCausalForward) {
  torch::manual_seed(3);
  Transformer model(small_config());
  model->eval();
  torch::NoGradGuard no_grad;
  auto src = torch::tensor({{5, 6, 7, 3, 0}, {8, 9, 3, 0, 0}}, torch::kLong);
  auto tgt = torch::tensor({{2, 11, 12, 13}, {2, 14, 15, 16}}, torch::kLong);
  auto memory = model->encode(src);
  auto full = model->decode(tgt, memory);
  auto state = model->initial_state();
  for (int64_t t = 0; t < tgt.size(1); ++t) {
    auto step = model->decode(tgt.narrow(1, t, 1), memory, &state);
    EXPECT_TRUE(torch::allclose(step.squeeze(1), full.select(1, t), 1e-5, 1e-5)) << "step " << t;
  }
}

TEST(Transformer, PaddingDoesNotChangeASentence) {
  torch::manual_seed(4);
  Transformer model(small_config());
  model->eval();
  torch::NoGradGuard no_grad;
  auto alone = torch::tensor({{5, 6, 3}}, torch::kLong);
  auto batched = torch::tensor({{5, 6, 3, 0, 0, 0}, {7, 8, 9, 10, 11, 3}}, torch::kLong);
  auto tgt = torch::tensor({{2, 12, 13}}, torch::kLong);
  auto a = model->decode(tgt, model->encode(alone));
  auto mem = model->encode(batched);
  auto b = model->decode(torch::cat({tgt, torch::tensor({{2, 14, 15}}, torch::kLong)}), mem);
  EXPECT_TRUE(torch::allclose(a[0], b[0], 1e-5, 1e-5));
  EXPECT_TRUE(mem.hidden.isfinite().all().item<bool>());
}

TEST(Transformer, LengthOneAndAllPaddingRowsStayFinite) {
  torch::manual_seed(5);
  Transformer model(small_config());
  model->eval();
  torch::NoGradGuard no_grad;
  auto src = torch::tensor({{3, 0}, {0, 0}}, torch::kLong);  // length 1, and an all-padding row
  auto tgt = torch::tensor({{2}, {2}}, torch::kLong);
  auto logits = model->forward(src, tgt);
  EXPECT_TRUE(logits.isfinite().all().item<bool>());
}

TEST(Transformer, TiedOutputSharesTheEmbedding) {
  auto c = small_config();
  c.tie_output = true;
  Transformer tied(c);
  c.tie_output = false;
  Transformer untied(c);
  int64_t n_tied = 0, n_untied = 0;
  for (const auto& p : tied->parameters()) n_tied += p.numel();
  for (const auto& p : untied->parameters()) n_untied += p.numel();
  EXPECT_EQ(n_untied - n_tied, c.d_model * c.tgt_vocab_size);
}

}  // namespace swt::model
