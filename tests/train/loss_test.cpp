// The training loss as the trainer computes it (output projection only on
// real target rows, fused cross-entropy) against the plain definition on the
// full logits (LibTorch's composition): the same loss and the same gradients.
#include "train/loss.h"

#include <gtest/gtest.h>

#include "kernels/label_smoothed_ce.h"

namespace swt::train {

namespace {

model::ModelConfig tiny() {
  model::ModelConfig c;
  c.d_model = 32;
  c.heads = 4;
  c.d_ff = 64;
  c.encoder_layers = c.decoder_layers = 2;
  c.dropout = c.attention_dropout = 0;  // both passes must see the same network
  c.src_vocab_size = c.tgt_vocab_size = 40;
  return c;
}

std::vector<torch::Tensor> gradients(model::Transformer& m) {
  std::vector<torch::Tensor> out;
  for (auto& p : m->parameters()) {
    out.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
    p.mutable_grad() = torch::Tensor();
  }
  return out;
}

}  // namespace

TEST(TargetLoss, EqualsTheLossOnFullLogitsWithPadding) {
  torch::manual_seed(21);
  model::Transformer m(tiny());
  auto src = torch::tensor({{5, 6, 7, 3, 0}, {8, 9, 3, 0, 0}}, torch::kLong);
  auto tgt_in = torch::tensor({{2, 11, 12, 13}, {2, 14, 0, 0}}, torch::kLong);
  auto tgt_out = torch::tensor({{11, 12, 13, 3}, {14, 3, 0, 0}}, torch::kLong);

  auto fast = target_loss(*m, m->decode_hidden(tgt_in, m->encode(src)), tgt_out, 0.1);
  fast.loss.backward();
  const auto fast_grads = gradients(m);

  auto logits = m->forward(src, tgt_in);
  auto plain = kernels::label_smoothed_cross_entropy_reference(
      logits.reshape({-1, logits.size(-1)}), tgt_out.reshape({-1}), 0.1);
  plain.loss.backward();
  const auto plain_grads = gradients(m);

  EXPECT_NEAR(fast.loss.item<double>(), plain.loss.item<double>(), 1e-4);
  EXPECT_NEAR(fast.nll.item<double>(), plain.nll.item<double>(), 1e-4);
  ASSERT_EQ(fast_grads.size(), plain_grads.size());
  for (size_t i = 0; i < fast_grads.size(); ++i)
    EXPECT_LT((fast_grads[i] - plain_grads[i]).abs().max().item<double>(), 1e-5) << i;
}

}  // namespace swt::train
