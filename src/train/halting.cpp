#include "train/halting.h"

#include <iostream>

namespace swt::train {

torch::Tensor oracle_exit(const torch::Tensor& losses, double epsilon) {
  auto best = std::get<0>(losses.min(0, /*keepdim=*/true));
  auto good = losses.le(best + epsilon);
  // argmax over a bool tensor turned int picks the first true: the shallowest exit.
  return good.to(torch::kInt).argmax(0) + 1;
}

namespace {

// Per-sentence mean NLL of the final decoder exit for encoder exit `memory`.
torch::Tensor sentence_nll(model::TransformerImpl& m, const BatchTensors& b,
                           const model::EncoderOutput& memory) {
  auto h = m.decode_exits(b.tgt_in, memory).back();
  auto lp = torch::log_softmax(m.logits(h), -1);
  auto nll = -lp.gather(-1, b.tgt_out.unsqueeze(-1)).squeeze(-1);
  auto keep = b.tgt_out.ne(0).to(nll.scalar_type());
  return (nll * keep).sum(1) / keep.sum(1).clamp_min(1);
}

// Per-token NLL at every decoder exit: [E, B, T].
torch::Tensor token_nll_per_exit(model::TransformerImpl& m, const BatchTensors& b,
                                 const std::vector<torch::Tensor>& exits) {
  std::vector<torch::Tensor> out;
  for (const auto& h : exits) {
    auto lp = torch::log_softmax(m.logits(h), -1);
    out.push_back(-lp.gather(-1, b.tgt_out.unsqueeze(-1)).squeeze(-1));
  }
  return torch::stack(out);
}

// Binary cross-entropy of "halt here" against "the oracle exit is at or below
// this depth", plus the depth penalty (mean probability of going on).
torch::Tensor halting_loss(const torch::Tensor& p, const torch::Tensor& oracle, int64_t depth,
                           const torch::Tensor& weight, double penalty) {
  auto target = oracle.le(depth).to(p.scalar_type());
  auto bce =
      torch::binary_cross_entropy(p.clamp(1e-6, 1 - 1e-6), target, weight, at::Reduction::Sum);
  return bce + penalty * ((1 - p) * weight).sum();
}

}  // namespace

double train_halting_units(model::TransformerImpl& m, const EncodedCorpus& data,
                           const HaltingOptions& o, torch::Device device, JsonlLog& log) {
  auto halting = m.halting_parameters();
  for (auto& p : m.parameters()) p.requires_grad_(false);
  for (auto& p : halting) p.requires_grad_(true);
  torch::optim::Adam optimizer(halting, torch::optim::AdamOptions(o.lr));
  m.eval();  // no dropout: the oracle must see the model as it will run
  const auto& cfg = m.config();
  const int64_t enc_layers = cfg.encoder_layers, dec_layers = cfg.decoder_layers;
  const int64_t min_layers = cfg.depth.encoder_min_layers;
  double last_loss = 0;
  int64_t step = 0;
  for (int64_t epoch = 0; step < o.steps; ++epoch) {
    auto batches = data::make_epoch_batches(data.lengths(), o.batch_tokens, o.seed + 7919, epoch);
    for (size_t i = 0; i < batches.size() && step < o.steps; ++i, ++step) {
      auto b = make_batch(data, batches[i], device);
      std::vector<torch::Tensor> enc_exits, dec_exits;
      torch::Tensor enc_oracle, dec_oracle;
      {
        torch::NoGradGuard no_grad;
        enc_exits = m.encode_exits(b.src);
        std::vector<torch::Tensor> per_depth;
        for (int64_t k = 1; k <= enc_layers; ++k)
          per_depth.push_back(sentence_nll(m, b, {enc_exits[k - 1], b.src.ne(0), {}, {}}));
        enc_oracle = oracle_exit(torch::stack(per_depth), o.epsilon).clamp_min(min_layers);
        dec_exits = m.decode_exits(b.tgt_in, {enc_exits.back(), b.src.ne(0), {}, {}});
        dec_oracle = oracle_exit(token_nll_per_exit(m, b, dec_exits), o.epsilon);
      }
      auto valid = b.src.ne(0);
      auto sentences = torch::ones({b.src.size(0)}, enc_exits[0].options());
      auto tokens = b.tgt_out.ne(0).to(enc_exits[0].scalar_type());
      torch::Tensor loss = torch::zeros({}, enc_exits[0].options());
      for (int64_t l = min_layers - 1; l + 1 < enc_layers; ++l)
        loss = loss + halting_loss(m.encoder_halting(l, enc_exits[l], valid), enc_oracle, l + 1,
                                   sentences, o.depth_penalty) /
                          static_cast<double>(b.src.size(0));
      for (int64_t l = 0; l + 1 < dec_layers; ++l)
        loss = loss + halting_loss(m.decoder_halting(l, dec_exits[l]), dec_oracle, l + 1, tokens,
                                   o.depth_penalty) /
                          tokens.sum().item<double>();
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      last_loss = loss.item<double>();
      if ((step + 1) % 50 == 0 || step + 1 == o.steps) {
        std::cerr << "halting step " << step + 1 << "/" << o.steps << " | loss " << last_loss
                  << " | oracle encoder depth "
                  << enc_oracle.to(torch::kFloat).mean().item<double>() << " | oracle decoder exit "
                  << (dec_oracle.to(torch::kFloat) * tokens).sum().item<double>() /
                         tokens.sum().item<double>()
                  << "\n";
        log.write({{"event", "halting"}, {"step", step + 1}, {"loss", last_loss}});
      }
    }
  }
  for (auto& p : m.parameters()) p.requires_grad_(true);
  return last_loss;
}

}  // namespace swt::train
