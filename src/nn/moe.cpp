#include "nn/moe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "nn/dropout.h"
#include "nn/linear.h"
#include "util/error.h"

namespace swt::nn {

namespace {

// N(0, std) redrawn beyond two standard deviations: Switch's router
// initialisation (std sqrt(0.1 / d)), small so that routing starts near
// uniform and no expert wins every token before training has begun.
void truncated_normal_(torch::Tensor& w, double std) {
  torch::NoGradGuard no_grad;
  w.normal_(0, std);
  for (auto out = w.abs().gt(2 * std); out.any().item<bool>(); out = w.abs().gt(2 * std))
    w.masked_scatter_(out, torch::empty_like(w).normal_(0, std).masked_select(out));
}

// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): what torch::nn::Linear gives the dense
// FFN's weights and biases, so that an expert starts like a dense FFN.
torch::Tensor uniform(torch::IntArrayRef shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return torch::empty(shape).uniform_(-bound, bound);
}

}  // namespace

MoeFeedForwardImpl::MoeFeedForwardImpl(const MoeOptions& o) : options_(o) {
  if (o.activation != "relu" && o.activation != "gelu")
    fail("unknown activation '" + o.activation + "' (known: relu, gelu)");
  if (o.experts < 1) fail("model.experts must be >= 1, got " + std::to_string(o.experts));
  const int64_t e = o.experts, d = o.d_model, f = o.d_ff;
  router = register_parameter("router", torch::empty({e, d}));
  truncated_normal_(router, std::sqrt(0.1 / static_cast<double>(d)));
  w1 = register_parameter("w1", uniform({e, f, d}, d));
  b1 = register_parameter("b1", uniform({e, f}, d));
  w2 = register_parameter("w2", uniform({e, d, f}, f));
  b2 = register_parameter("b2", uniform({e, d}, f));
}

int64_t MoeFeedForwardImpl::capacity(int64_t tokens) const {
  // Inference: every token, so no sentence can lose a token to its neighbours.
  if (!is_training() && !torch::GradMode::is_enabled()) return tokens;
  const double factor = is_training() ? options_.capacity_factor : options_.eval_capacity_factor;
  // The small slack keeps 1.1 * 10 / 1 (11.000000000000002) from becoming 12.
  const double slots = std::ceil(
      factor * static_cast<double>(tokens) / static_cast<double>(options_.experts) - 1e-9);
  // More than `tokens` would change nothing: no buffer is sized by capacity.
  return std::min<int64_t>(tokens, static_cast<int64_t>(std::max(0.0, slots)));
}

torch::Tensor MoeFeedForwardImpl::forward(const torch::Tensor& x, const torch::Tensor& valid,
                                          MoeStats* stats) {
  const int64_t d = options_.d_model, experts = options_.experts;
  if (x.dim() < 1 || x.size(-1) != d)
    fail("MoE input must have " + std::to_string(d) + " features, got shape " +
         c10::str(x.sizes()));
  auto rows = x.reshape({-1, d});
  // `token`: the rows of the real tokens, in position order (undefined: all rows).
  torch::Tensor token, input = rows;
  if (valid.defined()) {
    if (valid.numel() != rows.size(0))
      fail("MoE valid mask has " + std::to_string(valid.numel()) + " entries for " +
           std::to_string(rows.size(0)) + " tokens");
    token = valid.reshape({-1}).to(torch::kBool).nonzero().squeeze(1).to(x.device());
    input = rows.index_select(0, token);
  }
  const int64_t n = input.size(0);

  // Router in fp32 whatever the thread's matmul precision: routing decisions
  // are discrete, and bf16 rounding would flip near-ties between runs.
  auto router_in = input.to(torch::kFloat);
  if (is_training() && options_.router_jitter > 0)
    router_in = router_in * torch::empty_like(router_in).uniform_(1 - options_.router_jitter,
                                                                  1 + options_.router_jitter);
  auto logits = torch::mm(router_in, router.to(torch::kFloat).t());
  auto probs = torch::softmax(logits, -1);
  auto [gate, choice] = probs.max(-1);

  // Tokens grouped by expert, in position order within each group (stable
  // sort): an expert's first `cap` tokens are the ones it takes.
  const int64_t cap = capacity(n);
  auto counts = torch::bincount(choice, {}, experts).cpu();
  auto order = std::get<1>(torch::sort(choice, /*stable=*/c10::optional<bool>(true), /*dim=*/0));
  auto out = torch::zeros_like(rows);
  const auto w1s = w1.unbind(0), b1s = b1.unbind(0), w2s = w2.unbind(0), b2s = b2.unbind(0);
  const bool gelu = options_.activation == "gelu";
  const auto count = counts.accessor<int64_t, 1>();
  int64_t begin = 0, dropped = 0;
  for (int64_t e = 0; e < experts; ++e) {
    const int64_t take = std::min(count[e], cap);
    dropped += count[e] - take;
    if (take > 0) {
      auto mine = order.narrow(0, begin, take);
      auto h = linear(input.index_select(0, mine), w1s[e], b1s[e]);
      h = gelu ? nn::dropout(torch::gelu(h), options_.expert_dropout, is_training())
               : relu_dropout(h, options_.expert_dropout, is_training());
      auto y = linear(h, w2s[e], b2s[e]) * gate.index_select(0, mine).unsqueeze(1);
      out.index_add_(0, token.defined() ? token.index_select(0, mine) : mine, y.to(out.dtype()));
    }
    begin += count[e];
  }

  if (stats) {
    const auto f32 = torch::TensorOptions().dtype(torch::kFloat).device(x.device());
    stats->tokens = n;
    stats->capacity = cap;
    if (n == 0) {
      stats->balance_loss = torch::zeros({}, f32);
      stats->z_loss = torch::zeros({}, f32);
      stats->load = torch::zeros({experts}, f32);
      stats->dropped = stats->entropy = 0;
    } else {
      stats->load = counts.to(f32) / static_cast<double>(n);
      stats->balance_loss = static_cast<double>(experts) * (stats->load * probs.mean(0)).sum();
      stats->z_loss = torch::logsumexp(logits, -1).square().mean();
      stats->dropped = static_cast<double>(dropped) / static_cast<double>(n);
      torch::NoGradGuard no_grad;
      stats->entropy = -(probs * torch::log_softmax(logits, -1)).sum(-1).mean().item<double>();
    }
  }
  return nn::dropout(out, options_.dropout, is_training()).view(x.sizes());
}

MoeSummary::MoeSummary(int64_t layers, int64_t experts)
    : experts_(experts), layers_(static_cast<size_t>(layers)) {
  clear();
}

void MoeSummary::clear() {
  passes_ = 0;
  for (auto& l : layers_) l = Layer{0, 0, 0, 0, std::vector<double>(experts_, 0.0)};
}

void MoeSummary::add(const std::vector<MoeStats>& layers) {
  if (layers.size() != layers_.size())
    fail("MoE summary of " + std::to_string(layers_.size()) + " layers got " +
         std::to_string(layers.size()));
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& s = layers[i];
    auto& l = layers_[i];
    l.balance += s.balance_loss.item<double>();
    l.z += s.z_loss.item<double>();
    l.dropped += s.dropped;
    l.entropy += s.entropy;
    auto load = s.load.to(torch::kDouble).cpu().contiguous();
    for (int64_t e = 0; e < experts_; ++e) l.load[e] += load.data_ptr<double>()[e];
  }
  ++passes_;
}

std::vector<double> MoeSummary::sums() const {
  std::vector<double> out{passes_};
  for (const auto& l : layers_) {
    out.insert(out.end(), {l.balance, l.z, l.dropped, l.entropy});
    out.insert(out.end(), l.load.begin(), l.load.end());
  }
  return out;
}

void MoeSummary::set_sums(const std::vector<double>& sums) {
  const size_t per_layer = 4 + static_cast<size_t>(experts_);
  if (sums.size() != 1 + layers_.size() * per_layer)
    fail("MoE summary: " + std::to_string(sums.size()) + " sums for " +
         std::to_string(layers_.size()) + " layers");
  passes_ = sums[0];
  for (size_t i = 0; i < layers_.size(); ++i) {
    const double* at = sums.data() + 1 + i * per_layer;
    auto& l = layers_[i];
    l.balance = at[0];
    l.z = at[1];
    l.dropped = at[2];
    l.entropy = at[3];
    l.load.assign(at + 4, at + per_layer);
  }
}

MoeSummary::Layer MoeSummary::mean(const Layer& l) const {
  const double n = std::max(passes_, 1.0);
  Layer m{l.balance / n, l.z / n, l.dropped / n, l.entropy / n, l.load};
  for (auto& v : m.load) v /= n;
  return m;
}

MoeSummary::Layer MoeSummary::overall() const {
  Layer total{0, 0, 0, 0, {}};
  for (const auto& l : layers_) {
    const auto m = mean(l);
    total.balance += m.balance;
    total.z += m.z;
    total.dropped += m.dropped;
    total.entropy += m.entropy;
  }
  const double n = std::max<double>(static_cast<double>(layers_.size()), 1);
  return {total.balance / n, total.z / n, total.dropped / n, total.entropy / n, {}};
}

std::string MoeSummary::line() const {
  const auto m = overall();
  char text[128];
  std::snprintf(text, sizeof text, "moe balance %.2f | z %.2f | dropped %.1f%% | entropy %.2f",
                m.balance, m.z, 100 * m.dropped, m.entropy);
  return text;
}

nlohmann::json MoeSummary::json() const {
  auto fields = [](const Layer& l) {
    return nlohmann::json{
        {"balance", l.balance}, {"z_loss", l.z}, {"dropped", l.dropped}, {"entropy", l.entropy}};
  };
  auto j = fields(overall());
  j["layers"] = nlohmann::json::array();
  for (const auto& l : layers_) {
    const auto m = mean(l);
    auto entry = fields(m);
    entry["load"] = m.load;
    j["layers"].push_back(entry);
  }
  return j;
}

}  // namespace swt::nn
