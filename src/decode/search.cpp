#include "decode/search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "kernels/parallel.h"
#include "text/vocab.h"
#include "util/error.h"

namespace swt::decode {

namespace {

constexpr int64_t kBos = text::Vocab::kBos;
constexpr int64_t kEos = text::Vocab::kEos;
constexpr int64_t kPad = text::Vocab::kPad;

// One live hypothesis of one sentence.
struct Beam {
  std::vector<int64_t> tokens, alignment, exits;
  std::vector<std::vector<float>> attention;  // SearchOptions::attention only
  double logprob = 0;
  int64_t parent = 0;  // which live beam of the previous step it extends
};

struct SentenceSearch {
  std::vector<Beam> live;
  std::vector<Hypothesis> finished;
  int64_t max_length = 0;
  int64_t source_length = 0;  // with </s>
  bool done = false;
};

// Log-probabilities of the next token and the most-attended source positions
// for every row of the active batch; with `attention`, the rows' whole
// cross-attention [rows, S] too.
void step(model::TransformerImpl& model, const std::vector<int64_t>& last_tokens,
          model::EncoderOutput& memory, model::DecoderState& state,
          const model::DepthOptions& depth, torch::Tensor& logprobs, torch::Tensor& attended,
          torch::Tensor& exits, torch::Tensor* attention) {
  auto input = torch::tensor(last_tokens, torch::TensorOptions().dtype(torch::kLong))
                   .to(memory.hidden.device())
                   .view({-1, 1});
  torch::Tensor weights;
  auto logits = model.decode_step(input, memory, state, depth, &weights, &exits);
  logprobs = row_blocks_log_softmax(logits.select(1, 0).to(torch::kFloat).cpu().contiguous());
  attended = weights.select(1, 0).argmax(-1).cpu();
  if (attention) *attention = weights.select(1, 0).to(torch::kFloat).cpu().contiguous();
}

// True when every row carries on in place (greedy search until a sentence
// ends): the caches need no reordering copy.
bool is_identity(const std::vector<int64_t>& rows, int64_t previous_rows) {
  if (static_cast<int64_t>(rows.size()) != previous_rows) return false;
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i] != static_cast<int64_t>(i)) return false;
  return true;
}

void finish(SentenceSearch& s, const Beam& b, double alpha) {
  const int64_t length = static_cast<int64_t>(b.tokens.size()) + 1;  // + </s>
  s.finished.push_back(
      {b.tokens, b.alignment, normalise(b.logprob, length, alpha), b.exits, 0, b.attention});
}

// Expands the beams of one sentence from its rows [row, row + live) of the
// per-row best tokens (`lp`, `tok`: k per row). Returns the new live beams;
// appends finished hypotheses. `attention` (null unless SearchOptions::attention):
// the rows' cross-attention, `stride` floats per row.
std::vector<Beam> expand(SentenceSearch& s, const float* lp, const int64_t* tok, int64_t k,
                         const int64_t* att, const int64_t* exits, const float* attention,
                         int64_t stride, int64_t beam, double alpha) {
  const int64_t live = static_cast<int64_t>(s.live.size());
  // Best 2*beam (beam, token) candidates by total log-probability: enough to
  // refill the beam even if `beam` of them end the sentence.
  struct Cand {
    double total;
    int64_t row, token;
  };
  std::vector<Cand> cands;
  cands.reserve(live * k);
  for (int64_t r = 0; r < live; ++r)
    for (int64_t j = 0; j < k; ++j)
      cands.push_back({s.live[r].logprob + lp[r * k + j], r, tok[r * k + j]});
  const size_t keep = std::min<size_t>(cands.size(), 2 * beam);
  std::partial_sort(cands.begin(), cands.begin() + keep, cands.end(),
                    [](const Cand& a, const Cand& b) { return a.total > b.total; });
  std::vector<Beam> next;
  const bool at_limit = static_cast<int64_t>(s.live[0].tokens.size()) + 1 >= s.max_length;
  for (size_t i = 0; i < keep && static_cast<int64_t>(next.size()) < beam; ++i) {
    const auto& c = cands[i];
    Beam b = s.live[c.row];
    b.logprob = c.total;
    b.parent = c.row;
    b.exits.push_back(exits[c.row]);
    if (attention) {
      const float* row = attention + c.row * stride;
      b.attention.emplace_back(row, row + s.source_length);
    }
    if (c.token == kEos) {
      if (static_cast<int64_t>(s.finished.size()) < beam) finish(s, b, alpha);
      continue;
    }
    b.tokens.push_back(c.token);
    b.alignment.push_back(att[c.row]);
    if (at_limit) {
      finish(s, b, alpha);  // out of room: end it here
      continue;
    }
    next.push_back(std::move(b));
  }
  // Done when `beam` hypotheses have finished, or nothing is left to extend.
  if (static_cast<int64_t>(s.finished.size()) >= beam || next.empty() || at_limit) {
    s.done = true;
    next.clear();
  }
  return next;
}

}  // namespace

double normalise(double logprob, int64_t length, double alpha) {
  return alpha == 0 ? logprob : logprob / std::pow(static_cast<double>(length), alpha);
}

namespace {
// Rows of a [rows, vocab] step per parallel block: enough to amortise a block.
constexpr int64_t kRowsPerBlock = 4;
}  // namespace

// log_softmax over the last dimension, row blocks on the thread pool: the
// same LibTorch kernel per row, so the same values as one call.
torch::Tensor row_blocks_log_softmax(const torch::Tensor& logits) {
  auto out = torch::empty_like(logits);
  kernels::parallel_for(0, logits.size(0), kRowsPerBlock, [&](int64_t lo, int64_t hi) {
    auto block = out.narrow(0, lo, hi - lo);
    at::_log_softmax_out(block, logits.narrow(0, lo, hi - lo), 1, false);
  });
  return out;
}

// The best `k` next tokens of every row: [rows, k] log-probabilities and
// token ids, with <pad> and <s> ruled out. A sentence's best 2*beam
// (beam, token) pairs are all among its rows' own best 2*beam, so the
// per-sentence choice below only looks at live * k candidates, not live * vocab.
void best_tokens(torch::Tensor logprobs, int64_t beam, torch::Tensor& values,
                 torch::Tensor& tokens) {
  logprobs.select(1, kPad).fill_(-std::numeric_limits<float>::infinity());
  logprobs.select(1, kBos).fill_(-std::numeric_limits<float>::infinity());
  const int64_t k = std::min<int64_t>(2 * beam, logprobs.size(1) - 2);
  values = torch::empty({logprobs.size(0), k}, logprobs.options());
  tokens = torch::empty({logprobs.size(0), k}, logprobs.options().dtype(torch::kLong));
  // Row blocks on the thread pool; each row's top k as one topk call gives.
  kernels::parallel_for(0, logprobs.size(0), kRowsPerBlock, [&](int64_t lo, int64_t hi) {
    auto v = values.narrow(0, lo, hi - lo), t = tokens.narrow(0, lo, hi - lo);
    at::topk_out(v, t, logprobs.narrow(0, lo, hi - lo), k, /*dim=*/1);
  });
}

std::vector<std::vector<Hypothesis>> search(model::TransformerImpl& model, const torch::Tensor& src,
                                            const SearchOptions& options) {
  if (options.beam < 1) fail("beam size must be at least 1");
  if (options.nbest < 1 || options.nbest > options.beam)
    fail("--nbest must be between 1 and the beam size");
  torch::NoGradGuard no_grad;
  const int64_t batch = src.size(0);
  auto memory = model.encode(src, &options.depth);
  const auto encoder_depth = memory.depth.clone();
  auto state = model.initial_state();
  auto src_lengths = src.ne(kPad).sum(1).cpu();
  std::vector<SentenceSearch> sentences(batch);
  for (int64_t i = 0; i < batch; ++i) {
    sentences[i].live.push_back(Beam{});
    sentences[i].source_length = src_lengths[i].item<int64_t>();
    sentences[i].max_length =
        options.max_length_a * sentences[i].source_length + options.max_length_b;
  }
  // row_sentence[r]: the sentence that row r of the active batch belongs to;
  // a sentence's live beams occupy consecutive rows.
  std::vector<int64_t> row_sentence(batch);
  for (int64_t i = 0; i < batch; ++i) row_sentence[i] = i;
  std::vector<int64_t> last_tokens(batch, kBos);
  while (!row_sentence.empty()) {
    torch::Tensor logprobs, attended, exits, attention;
    step(model, last_tokens, memory, state, options.depth, logprobs, attended, exits,
         options.attention ? &attention : nullptr);
    torch::Tensor top_lp, top_tok;
    best_tokens(logprobs, options.beam, top_lp, top_tok);
    const int64_t k = top_lp.size(1);
    const float* lp = top_lp.data_ptr<float>();
    const int64_t* tok = top_tok.data_ptr<int64_t>();
    const int64_t* att = attended.data_ptr<int64_t>();
    const int64_t* ex = exits.data_ptr<int64_t>();
    const float* rows = options.attention ? attention.data_ptr<float>() : nullptr;
    const int64_t stride = options.attention ? attention.size(1) : 0;
    std::vector<int64_t> keep_rows, next_sentence, next_tokens;
    int64_t row = 0;
    while (row < static_cast<int64_t>(row_sentence.size())) {
      auto& s = sentences[row_sentence[row]];
      const int64_t live = static_cast<int64_t>(s.live.size());
      auto next = expand(s, lp + row * k, tok + row * k, k, att + row, ex + row,
                         rows ? rows + row * stride : nullptr, stride, options.beam,
                         options.length_penalty);
      // Each new beam continues the cache row of the beam it extends.
      for (const auto& b : next) {
        keep_rows.push_back(row + b.parent);
        next_sentence.push_back(row_sentence[row]);
        next_tokens.push_back(b.tokens.back());
      }
      s.live = std::move(next);
      row += live;
    }
    if (keep_rows.empty()) break;
    if (!is_identity(keep_rows, static_cast<int64_t>(row_sentence.size()))) {
      auto index = torch::tensor(keep_rows, torch::TensorOptions().dtype(torch::kLong))
                       .to(memory.hidden.device());
      // Copies the self-attention caches; the encoder output and the
      // cross-attention caches stay one row per sentence (memory.rows).
      state.select(index);
      memory.select(index);
    }
    row_sentence = std::move(next_sentence);
    last_tokens = std::move(next_tokens);
  }
  std::vector<std::vector<Hypothesis>> results(batch);
  for (int64_t i = 0; i < batch; ++i) {
    auto& f = sentences[i].finished;
    std::stable_sort(f.begin(), f.end(),
                     [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    if (static_cast<int64_t>(f.size()) > options.nbest) f.resize(options.nbest);
    for (auto& h : f) h.encoder_depth = encoder_depth[i].item<int64_t>();
    results[i] = std::move(f);
  }
  return results;
}

}  // namespace swt::decode
