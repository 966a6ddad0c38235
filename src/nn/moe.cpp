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
  const auto count = counts.accessor<int64_t, 1>();
  std::vector<int64_t> take(static_cast<size_t>(experts));
  std::vector<torch::Tensor> kept;
  int64_t begin = 0, dropped = 0;
  for (int64_t e = 0; e < experts; ++e) {
    take[e] = std::min(count[e], cap);
    dropped += count[e] - take[e];
    if (take[e] > 0) kept.push_back(order.narrow(0, begin, take[e]));
    begin += count[e];
  }
  // `sent`: the kept tokens (rows of `input`), grouped by expert.
  auto sent = kept.empty() ? order.narrow(0, 0, 0) : torch::cat(kept);
  auto expert_in = input.index_select(0, sent);
  auto y = exchange_ ? run_remote_experts(expert_in, take) : run_experts(expert_in, take);
  y = y * gate.index_select(0, sent).unsqueeze(1);
  auto out = torch::zeros_like(rows);
  out.index_add_(0, token.defined() ? token.index_select(0, sent) : sent, y.to(out.dtype()));

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

torch::Tensor MoeFeedForwardImpl::expert(int64_t e, const torch::Tensor& x) {
  auto h = linear(x, w1[e], b1[e]);
  h = options_.activation == "gelu"
          ? nn::dropout(torch::gelu(h), options_.expert_dropout, is_training())
          : relu_dropout(h, options_.expert_dropout, is_training());
  return linear(h, w2[e], b2[e]);
}

torch::Tensor MoeFeedForwardImpl::run_experts(const torch::Tensor& rows,
                                              const std::vector<int64_t>& counts) {
  std::vector<torch::Tensor> out;
  int64_t at = 0;
  for (size_t e = 0; e < counts.size(); ++e) {
    if (counts[e] > 0)
      out.push_back(expert(static_cast<int64_t>(e), rows.narrow(0, at, counts[e])));
    at += counts[e];
  }
  // No token: an empty view of the input keeps the (empty) gradient path, so
  // that every process runs the same exchanges in its backward pass.
  if (out.empty()) return rows.narrow(0, 0, 0);
  return out.size() == 1 ? out[0] : torch::cat(out);
}

int64_t MoeFeedForwardImpl::first_expert() const {
  return exchange_ ? exchange_->rank() * local_experts() : 0;
}

int64_t MoeFeedForwardImpl::local_experts() const {
  return exchange_ ? options_.experts / exchange_->world_size() : options_.experts;
}

void MoeFeedForwardImpl::split_experts(std::shared_ptr<ExpertExchange> exchange) {
  if (exchange_) fail("MoE experts are already split");
  const int64_t world = exchange->world_size();
  if (options_.experts % world != 0)
    fail("MoE: " + std::to_string(options_.experts) + " experts cannot be split evenly among " +
         std::to_string(world) + " processes");
  exchange_ = std::move(exchange);
  torch::NoGradGuard no_grad;
  for (auto& p : expert_parameters())
    p.set_data(p.detach().narrow(0, first_expert(), local_experts()).clone());
}

void MoeFeedForwardImpl::join_experts() {
  if (!exchange_) return;
  torch::NoGradGuard no_grad;
  for (auto& p : expert_parameters()) p.set_data(exchange_->all_gather(p.detach()));
  exchange_.reset();
}

torch::Tensor MoeFeedForwardImpl::run_remote_experts(const torch::Tensor& rows,
                                                     const std::vector<int64_t>& take) {
  const int64_t world = exchange_->world_size(), local = local_experts();
  // Rows for each process (its experts are consecutive), and what every
  // process sends to each of this process's experts: incoming[s][e].
  std::vector<int64_t> send(static_cast<size_t>(world), 0);
  for (size_t e = 0; e < take.size(); ++e) send[e / local] += take[e];
  const std::vector<int64_t> per_rank(static_cast<size_t>(world), local);
  const auto incoming =
      exchange_->all_to_all(torch::tensor(take, torch::kDouble).unsqueeze(1), per_rank, per_rank)
          .view({world, local});
  const auto in = incoming.accessor<double, 2>();
  std::vector<int64_t> recv(static_cast<size_t>(world), 0), counts(static_cast<size_t>(local), 0);
  // The received rows come by source process, then expert; the experts want
  // them by expert, then source process: `order` reorders, `inverse` undoes it.
  std::vector<int64_t> start(static_cast<size_t>(world * local));
  int64_t at = 0;
  for (int64_t s = 0; s < world; ++s)
    for (int64_t e = 0; e < local; ++e) {
      const auto n = static_cast<int64_t>(in[s][e]);
      start[s * local + e] = at;
      at += n;
      recv[s] += n;
      counts[e] += n;
    }
  std::vector<int64_t> to_expert;
  to_expert.reserve(static_cast<size_t>(at));
  for (int64_t e = 0; e < local; ++e)
    for (int64_t s = 0; s < world; ++s)
      for (int64_t i = 0; i < static_cast<int64_t>(in[s][e]); ++i)
        to_expert.push_back(start[s * local + e] + i);
  const auto order = torch::tensor(to_expert, torch::kLong);
  auto inverse = torch::empty_like(order);
  inverse.index_put_({order}, torch::arange(at, torch::kLong));
  auto received = exchange_rows(exchange_, rows, send, recv);
  auto results = run_experts(received.index_select(0, order), counts).index_select(0, inverse);
  return exchange_rows(exchange_, results, recv, send);
}

namespace {

// Keeps the exchange alive in the autograd graph until the backward pass.
struct ExchangeHolder : torch::CustomClassHolder {
  explicit ExchangeHolder(std::shared_ptr<ExpertExchange> e) : exchange(std::move(e)) {}
  std::shared_ptr<ExpertExchange> exchange;
};

struct ExchangeFunction : torch::autograd::Function<ExchangeFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& rows,
                               const std::shared_ptr<ExpertExchange>& exchange,
                               const std::vector<int64_t>& send, const std::vector<int64_t>& recv) {
    ctx->saved_data["exchange"] =
        c10::IValue::make_capsule(c10::make_intrusive<ExchangeHolder>(exchange));
    ctx->saved_data["send"] = send;
    ctx->saved_data["recv"] = recv;
    return exchange->all_to_all(rows, send, recv);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto holder =
        c10::static_intrusive_pointer_cast<ExchangeHolder>(ctx->saved_data["exchange"].toCapsule());
    const auto send = ctx->saved_data["send"].toIntVector();
    const auto recv = ctx->saved_data["recv"].toIntVector();
    return {holder->exchange->all_to_all(grads[0], recv, send), {}, {}, {}};
  }
};

}  // namespace

torch::Tensor exchange_rows(const std::shared_ptr<ExpertExchange>& exchange,
                            const torch::Tensor& rows, const std::vector<int64_t>& send,
                            const std::vector<int64_t>& recv) {
  return ExchangeFunction::apply(rows, exchange, send, recv);
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
