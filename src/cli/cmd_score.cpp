// swt score --model DIR --src F --tgt F --out FILE.safetensors [--batch-size N] [--threads N]
// Teacher-forced forward pass over parallel raw sentences, preprocessed and
// tokenized exactly as in training. Writes the logits and the token ids the
// model saw (the reference the PyTorch parity check compares against) and
// prints the mean negative log-likelihood per target token.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <numeric>
#include <string>

#include "cli/command.h"
#include "model/model_dir.h"
#include "model/safetensors.h"
#include "nn/threads.h"
#include "text/vocab.h"
#include "train/training_data.h"
#include "util/error.h"

namespace swt::cli {

namespace {

struct ScoreArgs {
  std::string model, src, tgt, out;
  int64_t batch_size = 32;
  int64_t threads = 0;
};

// All sentences as one padded batch, row i = i-th kept pair in input order.
// Padding to the longest sentence overall (not per chunk) means the ids in the
// dump are exactly what every forward pass saw.
train::BatchTensors encode_all(const model::ModelBundle& bundle, const ScoreArgs& a) {
  const auto corpus = train::read_corpus(a.src, a.tgt, bundle.preprocess);
  const auto encoded =
      train::encode_corpus(corpus, bundle.src_vocab, bundle.tgt_vocab, /*max_length=*/0);
  if (encoded.skipped_too_long > 0)
    std::cerr << "warning: skipped " << encoded.skipped_too_long
              << " pair(s) with an empty side; rows follow the remaining pairs\n";
  if (encoded.src.empty()) fail_at(a.src, 0, "no sentence pairs to score");
  data::Batch rows(encoded.src.size());
  std::iota(rows.begin(), rows.end(), 0);
  return train::make_batch(encoded, rows, torch::kCPU);
}

// Logits [N, T, V] (float32), computed batch_size rows at a time to bound the
// activation memory.
torch::Tensor forward_in_chunks(model::TransformerImpl& m, const train::BatchTensors& b,
                                int64_t batch_size) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  const int64_t n = b.src.size(0);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t rows = std::min(batch_size, n - start);
    parts.push_back(
        m.forward(b.src.narrow(0, start, rows), b.tgt_in.narrow(0, start, rows)).to(torch::kFloat));
  }
  return torch::cat(parts, 0);
}

double mean_nll(const torch::Tensor& logits, const torch::Tensor& tgt_out, int64_t tokens) {
  auto nll = torch::nn::functional::cross_entropy(
      logits.reshape({-1, logits.size(-1)}).to(torch::kDouble), tgt_out.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions()
          .ignore_index(text::Vocab::kPad)
          .reduction(torch::kSum));
  return nll.item<double>() / static_cast<double>(tokens);
}

void run_score(const ScoreArgs& a) {
  nn::apply_threads(a.threads);
  auto bundle = model::load_model_dir(a.model);
  const auto batch = encode_all(bundle, a);
  const auto logits = forward_in_chunks(*bundle.model, batch, a.batch_size);
  const double nll = mean_nll(logits, batch.tgt_out, batch.target_tokens);
  char nll_text[32];
  std::snprintf(nll_text, sizeof nll_text, "%.6f", nll);
  model::save_safetensors(a.out,
                          {{"logits", logits},
                           {"src", batch.src},
                           {"tgt_in", batch.tgt_in},
                           {"tgt_out", batch.tgt_out}},
                          {{"format", "swt-score"},
                           {"mean_nll", nll_text},
                           {"target_tokens", std::to_string(batch.target_tokens)}});
  std::cout << "sentences " << logits.size(0) << "  target tokens " << batch.target_tokens
            << "  mean NLL per token " << nll_text << "\n";
}

void setup_score(CLI::App& sub) {
  auto a = std::make_shared<ScoreArgs>();
  sub.add_option("--model,-m", a->model, "model directory written by swt train")->required();
  sub.add_option("--src", a->src, "source sentences, one per line (raw text)")->required();
  sub.add_option("--tgt", a->tgt, "target sentences, parallel to --src")->required();
  sub.add_option("--out,-o", a->out, "safetensors file for logits [N,T,V] and ids")->required();
  sub.add_option("--batch-size", a->batch_size, "sentences per forward pass")
      ->check(at_least(1))
      ->capture_default_str();
  sub.add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  sub.callback([a] { run_score(*a); });
}

const RegisterCommand kRegister("score",
                                "teacher-forced logits and NLL of a model on parallel text",
                                setup_score);

}  // namespace

}  // namespace swt::cli
