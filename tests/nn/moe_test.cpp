// The Switch-MoE feed-forward against a naive per-token reference (a loop
// over tokens that picks each token's expert and applies its FFN, in double
// precision): values, gradients, padding, capacity overflow, empty experts,
// batch invariance at inference, and the auxiliary losses by hand.
#include "nn/moe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "nn/linear.h"
#include "util/error.h"

namespace swt::nn {

namespace {

constexpr int64_t kD = 8, kF = 16;

MoeOptions options(int64_t experts) {
  MoeOptions o;
  o.d_model = kD;
  o.d_ff = kF;
  o.experts = experts;
  o.dropout = 0;
  o.router_jitter = 0;
  return o;
}

struct Reference {
  torch::Tensor y;              // like x, double
  torch::Tensor balance, z;     // scalars, double, differentiable
  std::vector<int64_t> choice;  // per flattened token; -1 for padding
  std::vector<bool> kept;       // per flattened token: went through its expert
};

// Tokens in flattened position order; an expert serves its first `cap` real tokens.
Reference reference(MoeFeedForwardImpl& m, const torch::Tensor& x, const torch::Tensor& valid,
                    int64_t cap) {
  const auto& o = m.options();
  auto rows = x.reshape({-1, o.d_model}).to(torch::kDouble);
  auto real = valid.defined() ? valid.reshape({-1}) : torch::ones({rows.size(0)}, torch::kBool);
  auto router = m.router.to(torch::kDouble), w1 = m.w1.to(torch::kDouble),
       b1 = m.b1.to(torch::kDouble), w2 = m.w2.to(torch::kDouble), b2 = m.b2.to(torch::kDouble);
  Reference r;
  std::vector<int64_t> used(o.experts, 0);
  std::vector<torch::Tensor> ys, token_logits;
  for (int64_t t = 0; t < rows.size(0); ++t) {
    ys.push_back(torch::zeros({o.d_model}, torch::kDouble));
    r.choice.push_back(-1);
    r.kept.push_back(false);
    if (!real[t].item<bool>()) continue;
    auto logits = router.mv(rows[t]);
    auto p = torch::softmax(logits, 0);
    const int64_t e = p.argmax().item<int64_t>();
    token_logits.push_back(logits);
    r.choice.back() = e;
    if (used[e]++ >= cap) continue;
    auto h = w1[e].mv(rows[t]) + b1[e];
    h = o.activation == "gelu" ? torch::gelu(h) : torch::relu(h);
    ys.back() = (w2[e].mv(h) + b2[e]) * p[e];
    r.kept.back() = true;
  }
  r.y = torch::stack(ys).view(x.sizes());
  if (token_logits.empty()) return r;
  auto logits = torch::stack(token_logits);
  auto f = torch::zeros({o.experts}, torch::kDouble);
  for (auto e : r.choice)
    if (e >= 0) f[e] += 1.0 / static_cast<double>(logits.size(0));
  r.balance = static_cast<double>(o.experts) * (f * torch::softmax(logits, 1).mean(0)).sum();
  r.z = torch::logsumexp(logits, 1).square().mean();
  return r;
}

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tol = 1e-5) {
  ASSERT_EQ(got.sizes(), want.sizes());
  const double err = (got.to(torch::kDouble) - want.to(torch::kDouble)).abs().max().item<double>();
  EXPECT_LE(err, tol * (1 + want.abs().max().item<double>()));
}

torch::Tensor lengths_mask(const std::vector<int64_t>& lengths, int64_t width) {
  auto mask = torch::zeros({static_cast<int64_t>(lengths.size()), width}, torch::kBool);
  for (size_t b = 0; b < lengths.size(); ++b) mask[b].narrow(0, 0, lengths[b]).fill_(true);
  return mask;
}

// Every real token's top choice is expert 0 (positive inputs, one large router row).
void route_all_to_expert_zero(MoeFeedForwardImpl& m) {
  torch::NoGradGuard no_grad;
  m.router.zero_();
  m.router[0].fill_(5);
}

// Four experts in training mode, where every positive input picks expert 0.
MoeFeedForward skewed_training_module(double capacity_factor) {
  auto o = options(4);
  o.capacity_factor = capacity_factor;
  MoeFeedForward m(o);
  route_all_to_expert_zero(*m);
  m->train();
  return m;
}

// Expert parallelism inside one test process: each "process" is a thread
// with its own module, and the exchange goes through shared slots between
// two barriers (everyone has written; everyone has read).
struct ThreadGroup {
  explicit ThreadGroup(int world) : world(world), slots(static_cast<size_t>(world * world)) {}
  void barrier() {
    std::unique_lock<std::mutex> lock(mutex);
    const int64_t generation = generations;
    if (++arrived == world) {
      arrived = 0;
      ++generations;
      changed.notify_all();
      return;
    }
    changed.wait(lock, [&] { return generations != generation; });
  }
  const int world;
  std::vector<torch::Tensor> slots;  // [from * world + to]
  std::mutex mutex;
  std::condition_variable changed;
  int arrived = 0;
  int64_t generations = 0;
};

class ThreadExchange : public ExpertExchange {
 public:
  ThreadExchange(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return group_.world; }
  torch::Tensor all_to_all(const torch::Tensor& rows, const std::vector<int64_t>& send,
                           const std::vector<int64_t>& recv) override {
    const int w = group_.world;
    auto pieces = rows.split_with_sizes(send);
    for (int to = 0; to < w; ++to) group_.slots[rank_ * w + to] = pieces[to].clone();
    group_.barrier();
    std::vector<torch::Tensor> mine;
    for (int from = 0; from < w; ++from) {
      mine.push_back(group_.slots[from * w + rank_]);
      EXPECT_EQ(mine.back().size(0), recv[from]);
    }
    group_.barrier();
    return torch::cat(mine);
  }
  torch::Tensor all_gather(const torch::Tensor& rows) override {
    group_.slots[rank_] = rows.clone();
    group_.barrier();
    std::vector<torch::Tensor> all(group_.slots.begin(), group_.slots.begin() + group_.world);
    auto out = torch::cat(all);
    group_.barrier();
    return out;
  }

 private:
  ThreadGroup& group_;
  int rank_;
};

void copy_parameters(const MoeFeedForwardImpl& from, MoeFeedForwardImpl& to) {
  torch::NoGradGuard no_grad;
  auto target = to.named_parameters();
  for (const auto& p : from.named_parameters()) target[p.key()].copy_(p.value());
}

}  // namespace

TEST(Moe, InferenceMatchesReferenceWithMixedLengthsAndPaddingRows) {
  torch::manual_seed(1);
  for (const char* activation : {"relu", "gelu"}) {
    auto o = options(4);
    o.activation = activation;
    MoeFeedForward m(o);
    m->eval();
    torch::NoGradGuard no_grad;
    auto x = torch::randn({3, 6, kD});
    auto valid = lengths_mask({6, 2, 0}, 6);  // the last row is all padding
    MoeStats stats;
    auto y = m->forward(x, valid, &stats);
    auto want = reference(*m, x, valid, /*cap=*/1000);
    expect_close(y, want.y);
    // Padding gets exactly 0, and takes no part in the statistics.
    EXPECT_EQ(y.masked_select(valid.logical_not().unsqueeze(-1)).abs().max().item<float>(), 0);
    EXPECT_EQ(stats.tokens, 8);
    EXPECT_EQ(stats.dropped, 0);
    EXPECT_NEAR(stats.load.sum().item<double>(), 1, 1e-6);
    EXPECT_NEAR(stats.balance_loss.item<double>(), want.balance.item<double>(), 1e-5);
    EXPECT_NEAR(stats.z_loss.item<double>(), want.z.item<double>(), 1e-5);
  }
}

TEST(Moe, LengthOneAndAllPadding) {
  torch::manual_seed(2);
  MoeFeedForward m(options(3));
  m->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 1, kD});
  expect_close(m->forward(x), reference(*m, x, {}, 1).y);
  MoeStats stats;
  auto none = m->forward(torch::randn({2, 4, kD}), torch::zeros({2, 4}, torch::kBool), &stats);
  EXPECT_EQ(none.abs().max().item<float>(), 0);
  EXPECT_EQ(stats.tokens, 0);
  EXPECT_EQ(stats.balance_loss.item<float>(), 0);
  EXPECT_EQ(stats.z_loss.item<float>(), 0);
  EXPECT_EQ(stats.load.sum().item<float>(), 0);
}

TEST(Moe, GradientsMatchReference) {
  torch::manual_seed(3);
  auto o = options(4);
  o.capacity_factor = 4;  // every token fits: capacity = tokens
  MoeFeedForward m(o);
  m->train();
  auto x0 = torch::randn({2, 5, kD});
  auto valid = lengths_mask({5, 3}, 5);
  auto g = torch::randn({2, 5, kD});
  auto params = std::vector<torch::Tensor>{m->router, m->w1, m->b1, m->w2, m->b2};

  auto x = x0.clone().requires_grad_(true);
  MoeStats stats;
  auto y = m->forward(x, valid, &stats);
  ((y * g).sum() + 0.3 * stats.balance_loss + 0.2 * stats.z_loss).backward();
  std::vector<torch::Tensor> got{x.grad().clone()};
  for (auto& p : params) {
    got.push_back(p.grad().clone());
    p.mutable_grad().zero_();
  }

  auto xr = x0.clone().requires_grad_(true);
  auto want = reference(*m, xr, valid, 1000);
  ((want.y * g).sum() + 0.3 * want.balance + 0.2 * want.z).backward();
  expect_close(got[0], xr.grad());
  for (size_t i = 0; i < params.size(); ++i) {
    SCOPED_TRACE(i);
    expect_close(got[i + 1], params[i].grad());
  }
}

TEST(Moe, CapacityOverflowDropsLaterTokensInPositionOrder) {
  torch::manual_seed(4);
  auto m = skewed_training_module(1);
  auto x = torch::rand({2, 5, kD}) + 0.1;
  // Row 0 has padding at position 1: it takes no capacity. 8 real tokens,
  // capacity ceil(1 * 8 / 4) = 2: expert 0 takes tokens (0,0) and (0,2).
  auto valid = lengths_mask({5, 4}, 5);
  valid[0][1] = false;
  MoeStats stats;
  auto y = m->forward(x, valid, &stats);
  EXPECT_EQ(stats.capacity, 2);
  EXPECT_EQ(stats.tokens, 8);
  EXPECT_DOUBLE_EQ(stats.dropped, 6.0 / 8.0);
  auto want = reference(*m, x, valid, 2);
  expect_close(y, want.y);
  auto kept = y.abs().sum(-1).gt(0);
  auto expected = torch::zeros({2, 5}, torch::kBool);
  expected[0][0] = expected[0][2] = true;
  EXPECT_TRUE(kept.equal(expected)) << kept;
  // Dropped tokens give exactly 0 (the residual passes unscaled).
  EXPECT_EQ(y[1].abs().max().item<float>(), 0);
}

TEST(Moe, EmptyExpertsGetNoTokensAndZeroGradients) {
  torch::manual_seed(5);
  auto m = skewed_training_module(4);
  auto x = torch::rand({3, 4, kD}) + 0.1;
  MoeStats stats;
  auto y = m->forward(x, {}, &stats);
  expect_close(y, reference(*m, x, {}, 1000).y);
  EXPECT_TRUE(stats.load.equal(torch::tensor({1.f, 0.f, 0.f, 0.f}))) << stats.load;
  EXPECT_EQ(stats.dropped, 0);
  y.sum().backward();
  EXPECT_GT(m->w1.grad()[0].abs().sum().item<float>(), 0);
  for (int64_t e = 1; e < 4; ++e) {
    EXPECT_EQ(m->w1.grad()[e].abs().sum().item<float>(), 0);
    EXPECT_EQ(m->b2.grad()[e].abs().sum().item<float>(), 0);
  }
}

TEST(Moe, CapacityFollowsTheMode) {
  auto o = options(4);
  MoeFeedForward m(o);
  m->train();
  EXPECT_EQ(m->capacity(10), 4);  // ceil(1.25 * 10 / 4)
  EXPECT_EQ(m->capacity(0), 0);
  m->eval();
  EXPECT_EQ(m->capacity(10), 5);  // eval_capacity_factor 2, with a gradient
  {
    torch::NoGradGuard no_grad;
    EXPECT_EQ(m->capacity(10), 10);  // inference: every token
  }
  o.capacity_factor = 1.1;
  o.experts = 1;
  MoeFeedForward one(o);
  one->train();
  EXPECT_EQ(one->capacity(10), 10);  // 1.1 * 10 is 11 (not 12), capped at the tokens
}

// Inference drops no token even when every token picks the same expert (a
// capacity from eval_capacity_factor would drop half of them here), so each
// sentence's output is what it gets alone.
TEST(Moe, InferenceIsBatchInvariant) {
  torch::manual_seed(6);
  MoeFeedForward m(options(4));
  m->eval();
  torch::NoGradGuard no_grad;
  for (bool skewed : {false, true}) {
    if (skewed) route_all_to_expert_zero(*m);
    const std::vector<int64_t> lengths{7, 3, 5, 1};
    auto x = torch::rand({4, 7, kD}) + 0.1;
    auto valid = lengths_mask(lengths, 7);
    MoeStats stats;
    auto batch = m->forward(x, valid, &stats);
    EXPECT_EQ(stats.dropped, 0);
    for (int64_t b = 0; b < 4; ++b) {
      auto alone = m->forward(x[b].narrow(0, 0, lengths[b]).unsqueeze(0));
      expect_close(batch[b].narrow(0, 0, lengths[b]), alone[0]);
    }
  }
}

// Jitter multiplies the router's input only: with one expert (probability 1)
// the training output equals the eval output whatever the jitter.
TEST(Moe, JitterTouchesOnlyTheRouter) {
  torch::manual_seed(7);
  auto o = options(1);
  o.router_jitter = 0.5;
  MoeFeedForward m(o);
  auto x = torch::randn({2, 3, kD});
  m->train();
  auto trained = m->forward(x).detach();
  m->eval();
  torch::NoGradGuard no_grad;
  expect_close(trained, m->forward(x), 1e-6);
}

TEST(Moe, ExpertDropoutOnlyWhileTraining) {
  torch::manual_seed(8);
  auto o = options(2);
  o.expert_dropout = 0.5;
  o.capacity_factor = 2;
  MoeFeedForward m(o);
  auto x = torch::randn({2, 6, kD});
  auto want = reference(*m, x, {}, 1000).y;
  m->train();
  const double diff = (m->forward(x).detach().to(torch::kDouble) - want).abs().max().item<double>();
  EXPECT_GT(diff, 1e-3);
  m->eval();
  torch::NoGradGuard no_grad;
  expect_close(m->forward(x), want);
}

// Two experts, router = identity, three real tokens and one padding token:
// the losses written out by hand.
TEST(Moe, AuxiliaryLossesByHand) {
  auto o = options(2);
  o.d_model = 2;
  MoeFeedForward m(o);
  {
    torch::NoGradGuard no_grad;
    m->router.copy_(torch::tensor({1.f, 0.f, 0.f, 1.f}).view({2, 2}));
  }
  auto x = torch::tensor({2.f, 0.f, 0.f, 1.f, 1.f, 0.5f, 5.f, 5.f}).view({1, 4, 2});
  auto valid = torch::tensor({true, true, true, false}).view({1, 4});
  m->eval();
  MoeStats stats;
  m->forward(x, valid, &stats);
  // logits (2, 0), (0, 1), (1, 0.5): top choices 0, 1, 0.
  const double l[3][2] = {{2, 0}, {0, 1}, {1, 0.5}};
  double p0 = 0, p1 = 0, z = 0, entropy = 0;
  for (const auto& row : l) {
    const double s = std::exp(row[0]) + std::exp(row[1]);
    const double q0 = std::exp(row[0]) / s, q1 = std::exp(row[1]) / s;
    p0 += q0 / 3;
    p1 += q1 / 3;
    z += std::log(s) * std::log(s) / 3;
    entropy -= (q0 * std::log(q0) + q1 * std::log(q1)) / 3;
  }
  const double balance = 2 * (2.0 / 3 * p0 + 1.0 / 3 * p1);
  EXPECT_NEAR(stats.balance_loss.item<double>(), balance, 1e-6);
  EXPECT_NEAR(stats.z_loss.item<double>(), z, 1e-5);
  EXPECT_NEAR(stats.entropy, entropy, 1e-6);
  EXPECT_NEAR(stats.load[0].item<double>(), 2.0 / 3, 1e-7);
  EXPECT_NEAR(stats.load[1].item<double>(), 1.0 / 3, 1e-7);
}

namespace {

MoeStats made_up_stats(double balance, double z, double dropped, double entropy,
                       std::vector<float> load) {
  MoeStats s;
  s.balance_loss = torch::tensor(balance);
  s.z_loss = torch::tensor(z);
  s.dropped = dropped;
  s.entropy = entropy;
  s.load = torch::tensor(load);
  return s;
}

}  // namespace

// Two passes over two MoE layers: per-layer means, means over layers, and
// the sums round trip (as they travel through an all-reduce).
// Two processes with two of four experts each give what each would compute
// holding all four (its own routing, capacity and drops): outputs, input
// gradients, router gradients per process, and expert gradients summed over
// the processes. Joining gives every process the original weights back.
TEST(Moe, SplitExpertsMatchEveryProcessHoldingEveryExpert) {
  torch::manual_seed(11);
  auto o = options(4);
  o.capacity_factor = 1.0;  // tight: some tokens are dropped
  MoeFeedForward whole(o);
  whole->train();
  const int world = 2;
  const std::vector<torch::Tensor> xs = {torch::randn({3, 5, kD}), torch::randn({2, 7, kD})};
  const std::vector<torch::Tensor> valids = {lengths_mask({5, 2, 4}, 5), {}};
  std::vector<torch::Tensor> seeds, want_y, want_dx, want_router;
  for (int r = 0; r < world; ++r) {
    auto x = xs[r].clone().requires_grad_();
    auto y = whole->forward(x, valids[r]);
    seeds.push_back(torch::randn_like(y));
    (y * seeds[r]).sum().backward();
    want_y.push_back(y.detach());
    want_dx.push_back(x.grad());
    want_router.push_back(whole->router.grad().clone() -
                          (r == 0 ? torch::zeros_like(whole->router) : want_router[0]));
  }
  std::vector<MoeFeedForward> ranks;
  for (int r = 0; r < world; ++r) {
    ranks.emplace_back(o);
    copy_parameters(*whole, *ranks[r]);
    ranks[r]->train();
  }
  ThreadGroup group(world);
  std::vector<torch::Tensor> got_y(world), got_dx(world), got_w1(world), got_b2(world);
  std::vector<torch::Tensor> joined(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      auto& m = *ranks[r];
      m.split_experts(std::make_shared<ThreadExchange>(group, r));
      auto x = xs[r].clone().requires_grad_();
      auto y = m.forward(x, valids[r]);
      (y * seeds[r]).sum().backward();
      got_y[r] = y.detach();
      got_dx[r] = x.grad();
      got_w1[r] = m.w1.grad().clone();
      got_b2[r] = m.b2.grad().clone();
      m.join_experts();
      joined[r] = m.w1.detach().clone();
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < world; ++r) {
    expect_close(got_y[r], want_y[r]);
    expect_close(got_dx[r], want_dx[r]);
    expect_close(ranks[r]->router.grad(), want_router[r]);
    // Process r holds experts 2r and 2r + 1: their gradients from both processes.
    expect_close(got_w1[r], whole->w1.grad().narrow(0, 2 * r, 2));
    expect_close(got_b2[r], whole->b2.grad().narrow(0, 2 * r, 2));
    EXPECT_TRUE(joined[r].equal(whole->w1.detach()));
    EXPECT_FALSE(ranks[r]->experts_split());
  }
}

TEST(Moe, SplitNeedsAMultipleOfTheProcesses) {
  MoeFeedForward m(options(3));
  ThreadGroup group(2);
  EXPECT_THROW(m->split_experts(std::make_shared<ThreadExchange>(group, 0)), Error);
  EXPECT_FALSE(m->experts_split());
}

// swt translate --int8: each expert matrix w1[e], w2[e] has its int8 copy.
TEST(Moe, Int8CopiesServeTheExperts) {
  torch::manual_seed(12);
  MoeFeedForward m(options(4));
  m->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 6, kD});
  auto exact = m->forward(x);
  use_int8_weights(*m);
  auto q = m->forward(x);
  EXPECT_FALSE(q.equal(exact));
  expect_close(q, exact, 0.05);
  forget_int8_weights(*m);
  EXPECT_TRUE(m->forward(x).equal(exact));
}

TEST(MoeSummary, AveragesPassesAndLayers) {
  MoeSummary summary(2, 2);
  EXPECT_TRUE(summary.empty());
  summary.add({made_up_stats(1.0, 2.0, 0.0, 0.5, {0.5f, 0.5f}),
               made_up_stats(1.5, 4.0, 0.1, 0.7, {1.0f, 0.0f})});
  summary.add({made_up_stats(1.2, 3.0, 0.2, 0.6, {0.25f, 0.75f}),
               made_up_stats(1.5, 6.0, 0.3, 0.9, {1.0f, 0.0f})});
  auto j = summary.json();
  EXPECT_NEAR(j["layers"][0]["balance"].get<double>(), 1.1, 1e-6);
  EXPECT_NEAR(j["layers"][1]["z_loss"].get<double>(), 5.0, 1e-6);
  EXPECT_NEAR(j["layers"][0]["load"][1].get<double>(), 0.625, 1e-6);
  EXPECT_NEAR(j["balance"].get<double>(), (1.1 + 1.5) / 2, 1e-6);
  EXPECT_NEAR(j["dropped"].get<double>(), (0.1 + 0.2) / 2, 1e-6);
  EXPECT_NEAR(j["entropy"].get<double>(), (0.55 + 0.8) / 2, 1e-6);
  EXPECT_EQ(summary.line(), "moe balance 1.30 | z 3.75 | dropped 15.0% | entropy 0.68");

  // Another process's identical window: the summed sums average the same.
  auto sums = summary.sums();
  for (auto& v : sums) v *= 2;
  MoeSummary reduced(2, 2);
  reduced.set_sums(sums);
  EXPECT_EQ(reduced.json(), j);
  EXPECT_THROW(reduced.set_sums({1.0}), Error);
  EXPECT_THROW(reduced.add({made_up_stats(1, 1, 0, 0, {1.f, 0.f})}), Error);
  reduced.clear();
  EXPECT_TRUE(reduced.empty());
}

}  // namespace swt::nn
