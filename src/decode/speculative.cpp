#include "decode/speculative.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <sstream>

#include "kernels/small_linear.h"
#include "text/vocab.h"
#include "util/error.h"

namespace swt::decode {

namespace {

constexpr int64_t kBos = text::Vocab::kBos;
constexpr int64_t kEos = text::Vocab::kEos;
constexpr int64_t kPad = text::Vocab::kPad;
// A verification pass past this many positions gains nothing (acceptance
// decays geometrically); and at batch 1 the pass's rows (drafts + 1) then
// stay on the small-rows linear kernel, whose rows do not depend on each
// other, so every position gets the bits a one-token step gives.
constexpr int64_t kMaxDraftTokens = kernels::kSmallLinearMaxRows - 1;

// One sentence being decoded: the greedy hypothesis so far.
struct Row {
  int64_t sentence = 0;
  Hypothesis hyp;
  double logprob = 0;
  int64_t next = kBos;  // the token to feed next (chosen by the full model, not yet fed)
  int64_t max_length = 0;
  int64_t source_length = 0;  // with </s>
  bool finished = false;

  // How many more tokens the row may emit before its length limit ends it.
  int64_t room() const { return max_length - static_cast<int64_t>(hyp.tokens.size()); }
};

struct Choice {
  int64_t token;
  float logprob;
};

// search()'s beam-1 choice among a row's best tokens: the best total
// log-probability (the running total decides ties exactly as there).
Choice choose(const float* lp, const int64_t* tok, int64_t k, double total) {
  struct Cand {
    double total;
    int64_t token;
    float lp;
  };
  std::vector<Cand> cands;
  for (int64_t j = 0; j < k; ++j) cands.push_back({total + lp[j], tok[j], lp[j]});
  std::partial_sort(cands.begin(), cands.end(), cands.end(),
                    [](const Cand& a, const Cand& b) { return a.total > b.total; });
  return {cands[0].token, cands[0].lp};
}

// Draft tokens for every row with the first `layers` decoder layers: a row
// drafts while the draft is at least `confidence` sure, up to `most` tokens,
// and never past </s> or the room its length limit leaves. The draft's cache
// columns are dropped again afterwards.
std::vector<std::vector<int64_t>> draft(model::TransformerImpl& model,
                                        const model::EncoderOutput& memory,
                                        model::DecoderState& state, const std::vector<Row>& rows,
                                        const SpeculativeOptions& spec, SpeculativeStats& stats) {
  const auto n = static_cast<int64_t>(rows.size());
  const int64_t mark = state.columns;
  std::vector<std::vector<int64_t>> drafts(n);
  std::vector<int64_t> feed(n);
  std::vector<bool> drafting(n);
  for (int64_t b = 0; b < n; ++b) {
    feed[b] = rows[b].next;
    drafting[b] = rows[b].room() > 1;  // the verification pass adds one token itself
  }
  const auto device = memory.hidden.device();
  for (int64_t j = 0; j < spec.draft_tokens; ++j) {
    if (std::none_of(drafting.begin(), drafting.end(), [](bool d) { return d; })) break;
    auto input = torch::tensor(feed, torch::TensorOptions().dtype(torch::kLong)).view({n, 1});
    auto logits = model.decode_draft(input.to(device), memory, state, spec.draft_layers,
                                     spec.draft_vocabulary);
    ++stats.draft_steps;
    auto probs = torch::softmax(logits.select(1, 0).to(torch::kFloat).cpu(), -1);
    probs.select(1, kPad).zero_();
    probs.select(1, kBos).zero_();
    auto [conf_t, tok_t] = probs.max(-1);
    const auto conf = conf_t.contiguous(), tok = tok_t.contiguous();
    for (int64_t b = 0; b < n; ++b) {
      if (!drafting[b]) continue;
      if (conf.data_ptr<float>()[b] < spec.draft_confidence) {
        drafting[b] = false;
        continue;
      }
      const int64_t t = tok.data_ptr<int64_t>()[b];
      drafts[b].push_back(t);
      feed[b] = t;
      const auto drafted = static_cast<int64_t>(drafts[b].size());
      if (t == kEos || drafted + 1 >= rows[b].room()) drafting[b] = false;
    }
  }
  state.truncate(mark);
  return drafts;
}

// Appends the full model's tokens at the verified positions of one row: the
// drafts it agrees with, then its own next token. Returns how many of the
// fed positions (the row's `next` and its drafts) stay in the cache.
int64_t accept(Row& row, const std::vector<int64_t>& drafts, const float* top_lp,
               const int64_t* top_tok, int64_t k, const int64_t* attended, const float* attention,
               int64_t attention_stride, int64_t layers, double alpha, SpeculativeStats& stats) {
  const auto positions = static_cast<int64_t>(drafts.size()) + 1;
  for (int64_t i = 0; i < positions; ++i) {
    const Choice c = choose(top_lp + i * k, top_tok + i * k, k, row.logprob);
    auto& h = row.hyp;
    const bool at_limit = static_cast<int64_t>(h.tokens.size()) + 1 >= row.max_length;
    row.logprob += c.logprob;
    h.exits.push_back(layers);
    if (attention) {
      const float* a = attention + i * attention_stride;
      h.attention.emplace_back(a, a + row.source_length);
    }
    ++stats.emitted;
    if (c.token != kEos) {
      h.tokens.push_back(c.token);
      h.alignment.push_back(attended[i]);
    }
    if (c.token == kEos || at_limit) {
      const int64_t length = static_cast<int64_t>(h.tokens.size()) + 1;  // + </s>
      h.score = normalise(row.logprob, length, alpha);
      row.finished = true;
      return i + 1;
    }
    row.next = c.token;
    if (i == positions - 1 || drafts[i] != c.token) return i + 1;
    ++stats.accepted;  // the draft at position i was the full model's choice
  }
  return positions;
}

}  // namespace

std::string format_speculative_stats(const SpeculativeStats& s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << "speculative: " << s.passes << " passes, "
      << s.tokens_per_pass() << " tokens/pass, acceptance " << s.acceptance() << " (" << s.accepted
      << " of " << s.drafted << " drafts), draft step " << s.ms_per_draft_step()
      << " ms, verification pass " << s.ms_per_verify_pass() << " ms\n";
  return out.str();
}

void check_speculative_options(const SearchOptions& options, const model::ModelConfig& model) {
  const auto& spec = options.speculative;
  if (options.beam != 1) fail("speculative decoding is greedy: it needs beam 1");
  if (options.depth.decoder != model::DecoderExit::kNone || options.depth.decoder_layers != 0)
    fail("speculative decoding runs the whole decoder: it cannot be combined with decoder exits");
  if (spec.draft_layers < 1 || spec.draft_layers >= model.decoder_layers)
    fail("draft_layers must be between 1 and " + std::to_string(model.decoder_layers - 1) +
         " (fewer than the model's " + std::to_string(model.decoder_layers) +
         " decoder layers), got " + std::to_string(spec.draft_layers));
  if (spec.draft_tokens < 1 || spec.draft_tokens > kMaxDraftTokens)
    fail("draft_tokens must be between 1 and " + std::to_string(kMaxDraftTokens) + ", got " +
         std::to_string(spec.draft_tokens));
  if (!(spec.draft_confidence >= 0 && spec.draft_confidence <= 1))
    fail("draft_confidence must be between 0 and 1, got " + c10::str(spec.draft_confidence));
  if (spec.draft_vocabulary < 0 || (spec.draft_vocabulary > 0 && spec.draft_vocabulary <= kEos))
    fail("draft_vocabulary must be 0 (all) or more than " + std::to_string(kEos) + ", got " +
         std::to_string(spec.draft_vocabulary));
}

SpeculativeStats& SpeculativeStats::operator+=(const SpeculativeStats& o) {
  passes += o.passes;
  drafted += o.drafted;
  accepted += o.accepted;
  emitted += o.emitted;
  draft_steps += o.draft_steps;
  verify_passes += o.verify_passes;
  draft_seconds += o.draft_seconds;
  verify_seconds += o.verify_seconds;
  return *this;
}

std::vector<std::vector<Hypothesis>> speculative_search(model::TransformerImpl& model,
                                                        const torch::Tensor& src,
                                                        const SearchOptions& options,
                                                        SpeculativeStats* stats_out) {
  const auto& spec = options.speculative;
  const auto& config = model.config();
  check_speculative_options(options, config);
  torch::NoGradGuard no_grad;
  const int64_t batch = src.size(0);
  if (batch > 1 && config.attention != "vanilla") {
    // Rows that keep different numbers of drafts leave masked columns in the
    // self-attention cache; only dense attention reads such a cache as if the
    // columns were not there (switch attention's segments are by column).
    // Other kinds decode one sentence at a time, where no row falls behind.
    std::vector<std::vector<Hypothesis>> results;
    for (int64_t i = 0; i < batch; ++i)
      results.push_back(speculative_search(model, src.narrow(0, i, 1), options, stats_out).at(0));
    return results;
  }
  auto memory = model.encode(src, &options.depth);
  auto state = model.initial_state();
  auto src_lengths = src.ne(kPad).sum(1).cpu();
  std::vector<Row> rows(batch);
  for (int64_t i = 0; i < batch; ++i) {
    rows[i].sentence = i;
    rows[i].source_length = src_lengths[i].item<int64_t>();
    rows[i].max_length = options.max_length_a * rows[i].source_length + options.max_length_b;
    rows[i].hyp.encoder_depth = memory.depth[i].item<int64_t>();
  }
  std::vector<std::vector<Hypothesis>> results(batch);
  SpeculativeStats stats;
  const auto device = memory.hidden.device();
  while (!rows.empty()) {
    const auto n = static_cast<int64_t>(rows.size());
    const int64_t mark = state.columns;
    using Clock = std::chrono::steady_clock;
    const auto draft_start = Clock::now();
    auto drafts = draft(model, memory, state, rows, spec, stats);
    const auto verify_start = Clock::now();
    stats.draft_seconds += std::chrono::duration<double>(verify_start - draft_start).count();
    // Verify: each row feeds its next token and its drafts (short rows are
    // padded; those columns are dropped below). One pass, every layer.
    int64_t width = 1;
    for (const auto& d : drafts) width = std::max<int64_t>(width, 1 + d.size());
    auto input = torch::full({n, width}, kPad, torch::TensorOptions().dtype(torch::kLong));
    for (int64_t b = 0; b < n; ++b) {
      input[b][0] = rows[b].next;
      for (size_t j = 0; j < drafts[b].size(); ++j) input[b][j + 1] = drafts[b][j];
    }
    torch::Tensor weights;
    auto logits = model.decode(input.to(device), memory, &state, &weights);
    // The full model's best next tokens at every position, as search() finds them.
    torch::Tensor top_lp, top_tok;
    best_tokens(row_blocks_log_softmax(
                    logits.reshape({n * width, -1}).to(torch::kFloat).cpu().contiguous()),
                1, top_lp, top_tok);
    const int64_t k = top_lp.size(1);
    ++stats.verify_passes;
    stats.verify_seconds += std::chrono::duration<double>(Clock::now() - verify_start).count();
    auto attended = weights.argmax(-1).cpu().contiguous();  // [n, width]
    torch::Tensor attention;
    if (options.attention) attention = weights.to(torch::kFloat).cpu().contiguous();
    const int64_t stride = options.attention ? attention.size(2) : 0;
    std::vector<int64_t> keep(n);
    std::vector<int64_t> carry_on;
    stats.passes += n;
    for (int64_t b = 0; b < n; ++b) {
      stats.drafted += static_cast<int64_t>(drafts[b].size());
      keep[b] = accept(
          rows[b], drafts[b], top_lp.data_ptr<float>() + b * width * k,
          top_tok.data_ptr<int64_t>() + b * width * k, k, attended.data_ptr<int64_t>() + b * width,
          options.attention ? attention.data_ptr<float>() + b * width * stride : nullptr, stride,
          config.decoder_layers, options.length_penalty, stats);
      if (rows[b].finished)
        results[rows[b].sentence].push_back(std::move(rows[b].hyp));
      else
        carry_on.push_back(b);
    }
    state.keep_prefixes(mark, keep);
    if (static_cast<int64_t>(carry_on.size()) == n) continue;
    auto index = torch::tensor(carry_on, torch::TensorOptions().dtype(torch::kLong));
    state.select(index.to(device));
    memory.select(index.to(device));
    std::vector<Row> left;
    left.reserve(carry_on.size());
    for (int64_t b : carry_on) left.push_back(std::move(rows[b]));
    rows = std::move(left);
  }
  if (stats_out) *stats_out += stats;
  return results;
}

}  // namespace swt::decode
