#include "nn/switch_attention.h"

#include <gtest/gtest.h>

#include "model/transformer.h"
#include "nn/masked_softmax.h"
#include "nn/switch_kernels.h"
#include "nn/switch_reference.h"
#include "nn/switch_self_bank.h"
#include "support/gradcheck.h"

namespace swt::nn {

namespace {

// Small geometry so that short test sequences already switch resolution.
SwitchGeometry small_geometry() {
  SwitchGeometry g;
  g.memory_slots = 4;
  g.max_segment = 8;
  g.zoom = 2;
  g.window = 2;
  g.top_k = 2;
  g.rel_clip = 3;
  return g;
}

AttentionOptions small_options(int64_t fine, int64_t coarse) {
  AttentionOptions o;
  o.kind = "switch";
  o.d_model = 4 * (fine + coarse);
  o.heads = fine + coarse;
  o.dropout = 0;
  o.fine_heads = fine;
  o.coarse_heads = coarse;
  const auto g = small_geometry();
  o.memory_slots = g.memory_slots;
  o.max_segment = g.max_segment;
  o.zoom = g.zoom;
  o.window = g.window;
  o.top_k = g.top_k;
  o.rel_clip = g.rel_clip;
  return o;
}

// Random key mask with the given number of valid keys per row, not necessarily a prefix.
torch::Tensor random_valid(const std::vector<int64_t>& lengths, int64_t tk) {
  auto valid = torch::zeros({static_cast<int64_t>(lengths.size()), tk}, torch::kBool);
  for (size_t b = 0; b < lengths.size(); ++b) {
    auto perm = torch::randperm(tk, torch::kLong).narrow(0, 0, lengths[b]);
    valid[b].index_fill_(0, std::get<0>(perm.sort()), true);
  }
  return valid;
}

struct Case {
  SwitchMode mode;
  int64_t fine, coarse;
  std::vector<int64_t> lengths;
  int64_t tq = 0;  // cross only
};

struct Inputs {
  torch::Tensor q, k, v, valid, bias;
};

Inputs random_inputs(const Case& c, int64_t d, torch::Dtype dtype) {
  const int64_t heads = c.fine + c.coarse;
  const int64_t tk = *std::max_element(c.lengths.begin(), c.lengths.end()) + 2;
  const int64_t tq = c.mode == SwitchMode::kCross ? c.tq : tk;
  const int64_t batch = static_cast<int64_t>(c.lengths.size());
  const auto g = small_geometry();
  const int64_t cols = c.mode == SwitchMode::kCross ? 0 : g.levels() * g.bias_width();
  auto opts = torch::TensorOptions().dtype(dtype);
  return {torch::randn({batch, tq, heads, d}, opts), torch::randn({batch, tk, heads, d}, opts),
          torch::randn({batch, tk, heads, d}, opts), random_valid(c.lengths, tk),
          torch::randn({heads, cols}, opts)};
}

SwitchCall call_for(const Case& c) {
  SwitchCall call;
  call.mode = c.mode;
  call.geometry = small_geometry();
  call.fine_heads = c.fine;
  return call;
}

// The reference, one sequence at a time, scattered back into the padded layout.
torch::Tensor reference_padded(const Inputs& in, const Case& c) {
  std::vector<torch::Tensor> outs;
  for (int64_t b = 0; b < in.q.size(0); ++b) {
    auto keys = in.valid[b].nonzero().view(-1);
    auto k = in.k[b].index_select(0, keys).transpose(0, 1);
    auto v = in.v[b].index_select(0, keys).transpose(0, 1);
    torch::Tensor rows = c.mode == SwitchMode::kCross ? torch::arange(in.q.size(1)) : keys;
    std::vector<int64_t> positions;
    for (int64_t i = 0; i < rows.size(0); ++i) positions.push_back(i);
    auto q = in.q[b].index_select(0, rows).transpose(0, 1);
    auto ref = switch_reference(q, k, v, in.bias, positions, c.mode, small_geometry(), c.fine);
    outs.push_back(torch::zeros_like(in.q[b]).index_copy(0, rows, ref.transpose(0, 1)));
  }
  return torch::stack(outs);
}

std::vector<Case> reference_cases() {
  const std::vector<int64_t> mixed{1, 23, 0, 40, 7, 13};
  std::vector<Case> cases;
  for (auto mode : {SwitchMode::kBidirectional, SwitchMode::kCausal, SwitchMode::kCross})
    for (auto [fine, coarse] : {std::pair{1, 1}, {2, 2}, {3, 1}, {0, 2}})
      cases.push_back({mode, fine, coarse, mixed, 5});
  return cases;
}

const char* mode_name(SwitchMode m) {
  return m == SwitchMode::kCausal ? "causal" : m == SwitchMode::kCross ? "cross" : "bidirectional";
}

// Dense attention with bias[h, clip(j - i)] (token level): what the layer must equal
// when n <= window + 1 and n <= memory_slots.
torch::Tensor exact_attention(SwitchAttentionImpl& layer, const torch::Tensor& x,
                              const torch::Tensor& memory, const torch::Tensor& valid, bool causal,
                              bool cross) {
  auto named = layer.named_modules("", false);
  auto lin = [&](const char* name, const torch::Tensor& t) {
    return named[name]->as<torch::nn::LinearImpl>()->forward(t);
  };
  const int64_t heads = layer.rel_bias().size(0), tq = x.size(1), tk = memory.size(1);
  const int64_t d = x.size(2) / heads, clip = layer.geometry().rel_clip;
  auto split = [&](const torch::Tensor& t) {
    return t.view({t.size(0), t.size(1), heads, d}).transpose(1, 2);
  };
  auto q = split(lin("q_linear", x)), k = split(lin("k_linear", memory)),
       v = split(lin("v_linear", memory));
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
  auto dist =
      (torch::arange(tk).view({1, tk}) - torch::arange(tq).view({tq, 1})).clamp(-clip, clip) + clip;
  if (!cross)
    scores = scores + layer.rel_bias().index_select(1, dist.view(-1)).view({1, heads, tq, tk});
  auto allowed = valid.view({valid.size(0), 1, 1, tk});
  if (causal) allowed = allowed.logical_and(torch::ones({tq, tk}, torch::kBool).tril());
  auto out = torch::matmul(masked_softmax(scores, allowed), v);
  return lin("fc_out", out.transpose(1, 2).reshape({x.size(0), tq, heads * d}));
}

}  // namespace

TEST(SwitchLayout, SegmentSizeSwitchesWithLength) {
  const auto g = small_geometry();  // memory_slots 4, max_segment 8
  const std::vector<std::pair<int64_t, int64_t>> expected{
      {0, 1}, {1, 1}, {4, 1}, {5, 2}, {8, 2}, {9, 4}, {16, 4}, {17, 8}, {32, 8}, {100, 8}};
  for (auto [n, r] : expected) EXPECT_EQ(g.segment_size(n), r) << "n = " << n;
}

TEST(SwitchLayout, EveryQueryVisitsABoundedNumberOfKeys) {
  SwitchGeometry g;
  g.memory_slots = 16;
  g.max_segment = 64;
  g.zoom = 4;
  g.window = 5;
  g.top_k = 3;
  const int64_t n = 1000, heads = 4;
  const auto plan = make_pool_plan({n}, g);
  auto q = torch::randn({heads, n, 8});
  auto bank = pool_bank(torch::randn({n, heads * 8}), plan).view({-1, heads, 8}).transpose(0, 1);
  QueryInfo queries;
  for (int64_t i = 0; i < n; ++i) {
    queries.seq.push_back(0);
    queries.pos.push_back(i);
  }
  const int64_t bound = 2 * g.window + 1 + g.memory_slots + g.top_k * g.zoom;
  for (auto mode : {SwitchMode::kBidirectional, SwitchMode::kCausal, SwitchMode::kCross}) {
    auto layout = build_layout(g, mode, plan, queries, 2, q, bank.contiguous());
    EXPECT_LE(layout.count.max().item<int64_t>(), bound) << mode_name(mode);
    EXPECT_GT(layout.count.min().item<int64_t>(), 0) << mode_name(mode);
  }
}

TEST(SwitchAttention, ShortSequencesAreExactFullAttentionWithRelativeBias) {
  torch::manual_seed(1);
  auto opts = small_options(2, 2);
  opts.window = 6;  // n <= window + 1 and n <= memory_slots below
  opts.memory_slots = 8;
  for (auto role : {AttentionKind::kSelf, AttentionKind::kCross})
    for (bool causal : {false, true}) {
      if (role == AttentionKind::kCross && causal) continue;
      auto holder = std::make_shared<SwitchAttentionImpl>(opts, role);
      auto& layer = *holder;
      torch::NoGradGuard no_grad;
      if (role == AttentionKind::kSelf) layer.rel_bias().normal_();
      auto x = torch::randn({3, 7, opts.d_model});
      auto memory = role == AttentionKind::kCross ? torch::randn({3, 6, opts.d_model}) : x;
      auto valid = torch::ones({3, memory.size(1)}, torch::kBool);
      valid[1].narrow(0, 4, memory.size(1) - 4).fill_(false);
      valid[2].narrow(0, 1, memory.size(1) - 1).fill_(false);
      AttentionMask mask{valid, causal, 0};
      auto got = layer.forward(x, memory, mask, nullptr, nullptr);
      auto want = exact_attention(layer, x, memory, valid, causal, role == AttentionKind::kCross);
      auto rows = role == AttentionKind::kCross ? torch::ones({3, 7}, torch::kBool) : valid;
      auto diff = (got - want).abs().amax(-1).masked_select(rows);
      EXPECT_LT(diff.max().item<double>(), 1e-5) << (role == AttentionKind::kCross ? "cross"
                                                     : causal                      ? "causal"
                                                              : "bidirectional");
    }
}

TEST(SwitchAttention, KernelsMatchDenseReferenceForwardAndGradients) {
  torch::manual_seed(2);
  for (const auto& c : reference_cases()) {
    auto in = random_inputs(c, 5, torch::kDouble);
    for (auto* t : {&in.q, &in.k, &in.v, &in.bias}) t->requires_grad_(true);
    auto got = switch_attention_heads(in.q, in.k, in.v, in.valid, in.bias, call_for(c));
    auto want = reference_padded(in, c);
    const std::string what = std::string(mode_name(c.mode)) + " " + std::to_string(c.fine) + "+" +
                             std::to_string(c.coarse);
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-10) << what;
    auto w = torch::randn(got.sizes(), torch::kDouble);
    auto grads_got = torch::autograd::grad({(got * w).sum()}, {in.q, in.k, in.v, in.bias}, {},
                                           false, false, /*allow_unused=*/true);
    auto grads_want = torch::autograd::grad({(want * w).sum()}, {in.q, in.k, in.v, in.bias}, {},
                                            false, false, /*allow_unused=*/true);
    const char* names[] = {"q", "k", "v", "bias"};
    for (int j = 0; j < 4; ++j) {
      if (!grads_want[j].defined()) continue;  // e.g. no bias in cross-attention
      ASSERT_TRUE(grads_got[j].defined()) << what << " " << names[j];
      EXPECT_LT((grads_got[j] - grads_want[j]).abs().max().item<double>(), 1e-10)
          << what << " grad " << names[j];
    }
  }
}

TEST(SwitchAttention, GradientsMatchFiniteDifferences) {
  torch::manual_seed(3);
  for (auto mode : {SwitchMode::kBidirectional, SwitchMode::kCausal, SwitchMode::kCross}) {
    Case c{mode, 1, 1, {9, 1, 0, 6}, 3};
    auto in = random_inputs(c, 3, torch::kDouble);
    const auto call = call_for(c);
    auto run = [&](const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                   const torch::Tensor& b) {
      return switch_attention_heads(q, k, v, in.valid, b, call);
    };
    using swt::testing::max_gradient_error;
    const std::string what = mode_name(mode);
    EXPECT_LT(max_gradient_error(
                  [&](const torch::Tensor& x) { return run(x, in.k, in.v, in.bias); }, in.q),
              1e-6)
        << what << " q";
    EXPECT_LT(max_gradient_error(
                  [&](const torch::Tensor& x) { return run(in.q, x, in.v, in.bias); }, in.k),
              1e-6)
        << what << " k";
    EXPECT_LT(max_gradient_error(
                  [&](const torch::Tensor& x) { return run(in.q, in.k, x, in.bias); }, in.v),
              1e-6)
        << what << " v";
    if (in.bias.size(1) > 0)
      EXPECT_LT(max_gradient_error([&](const torch::Tensor& x) { return run(in.q, in.k, in.v, x); },
                                   in.bias),
                1e-6)
          << what << " bias";
  }
}

TEST(SwitchAttention, EmptyRowsGiveZerosAndFiniteGradients) {
  torch::manual_seed(4);
  Case c{SwitchMode::kBidirectional, 1, 1, {0, 3}, 0};
  auto in = random_inputs(c, 4, torch::kFloat);
  in.q.requires_grad_(true);
  auto out = switch_attention_heads(in.q, in.k, in.v, in.valid, in.bias, call_for(c));
  EXPECT_EQ(out[0].abs().sum().item<double>(), 0.0);
  out.sum().backward();
  EXPECT_TRUE(in.q.grad().isfinite().all().item<bool>());
  EXPECT_EQ(in.q.grad()[0].abs().sum().item<double>(), 0.0);
}

TEST(SwitchAttention, IncrementalDecodingEqualsFullCausalForward) {
  torch::manual_seed(5);
  SwitchAttentionImpl layer(small_options(2, 2), AttentionKind::kSelf);
  layer.eval();
  torch::NoGradGuard no_grad;
  layer.rel_bias().normal_();
  const int64_t batch = 2, steps = 37;  // r grows 1 -> 8 while decoding
  auto x = torch::randn({batch, steps, layer.rel_bias().size(0) * 4});
  auto all_valid = [&](int64_t t) { return torch::ones({batch, t}, torch::kBool); };
  auto full = layer.forward(x, x, AttentionMask{all_valid(steps), true, 0}, nullptr, nullptr);
  AttentionCache cache;
  for (int64_t t = 0; t < steps; ++t) {
    auto xt = x.narrow(1, t, 1);
    auto step = layer.forward(xt, xt, AttentionMask{all_valid(t + 1), true, t}, &cache, nullptr);
    EXPECT_TRUE(torch::allclose(step.squeeze(1), full.select(1, t), 1e-5, 1e-5)) << "step " << t;
  }
}

// The decoding bank that grows with the cache (nn/switch_self_bank.h) against
// the general path, which packs and pools the whole prefix at every call (it
// runs when the mask maps query rows to key rows): the same outputs, bit for bit, through
// steps of one and of several positions, beam reordering (rows duplicated and
// dropped), truncation (rejected drafts) and the store's regrowth.
TEST(SwitchAttention, GrowingDecodingBankEqualsRebuildingIt) {
  torch::manual_seed(6);
  SwitchAttentionImpl layer(small_options(2, 2), AttentionKind::kSelf);
  layer.eval();
  torch::NoGradGuard no_grad;
  layer.rel_bias().normal_();
  const int64_t d = layer.rel_bias().size(0) * 4;
  AttentionCache grown, rebuilt;
  int64_t rows = 3;
  auto step = [&](int64_t added) {
    const int64_t before = grown.length();
    auto x = torch::randn({rows, added, d});
    const AttentionMask mask{torch::ones({rows, before + added}, torch::kBool), true, before};
    auto fast = layer.forward(x, x, mask, &grown, nullptr);
    AttentionMask general = mask;
    general.key_rows = torch::arange(rows, torch::kLong);  // row b reads row b
    auto slow = layer.forward(x, x, general, &rebuilt, nullptr);
    EXPECT_TRUE(fast.equal(slow)) << "at " << before << " + " << added << ": "
                                  << (fast - slow).abs().max().item<float>();
    auto* bank = dynamic_cast<SwitchSelfBank*>(grown.extra.get());
    ASSERT_NE(bank, nullptr);
    EXPECT_EQ(bank->length(), grown.length());
  };
  for (int64_t t = 0; t < 20; ++t) step(1);
  step(3);
  const auto beams = torch::tensor({2, 0, 0, 1}, torch::kLong);
  grown.select(beams);
  rebuilt.select(beams);
  rows = 4;
  for (int64_t t = 0; t < 9; ++t) step(1);
  grown.truncate(grown.length() - 5);  // a rejected draft of 5 positions
  rebuilt.truncate(rebuilt.length() - 5);
  step(2);
  for (int64_t t = 0; t < 40; ++t) step(1);  // past 64 positions: the store grows again
  EXPECT_EQ(grown.length(), 69);
}

TEST(SwitchAttention, StaticCrossCacheEqualsRecomputing) {
  torch::manual_seed(6);
  SwitchAttentionImpl layer(small_options(1, 1), AttentionKind::kCross);
  torch::NoGradGuard no_grad;
  auto memory = torch::randn({2, 30, 8});
  auto valid = torch::ones({2, 30}, torch::kBool);
  valid[1].narrow(0, 11, 19).fill_(false);
  AttentionMask mask{valid, false, 0};
  AttentionCache cache;
  cache.is_static = true;
  for (int t = 0; t < 3; ++t) {
    auto x = torch::randn({2, 1, 8});
    torch::Tensor weights;
    auto cached = layer.forward(x, memory, mask, &cache, &weights);
    auto fresh = layer.forward(x, memory, mask, nullptr, nullptr);
    EXPECT_TRUE(torch::allclose(cached, fresh, 1e-6, 1e-6));
    EXPECT_TRUE(torch::allclose(weights.sum(-1), torch::ones({2, 1}), 1e-5, 1e-5));
    EXPECT_EQ(weights[1].narrow(1, 11, 19).abs().sum().item<double>(), 0.0);
  }
}

TEST(SwitchAttention, CrossBankIsBuiltOnceAndSharedByBeams) {
  torch::manual_seed(8);
  SwitchAttentionImpl layer(small_options(2, 2), AttentionKind::kCross);
  layer.eval();
  torch::NoGradGuard no_grad;
  const int64_t dm = 16, tk = 45;  // r = 8 (max_segment): tokens, 2-, 4- and 8-slots pooled
  auto memory = torch::randn({2, tk, dm});
  auto valid = torch::ones({2, tk}, torch::kBool);
  valid[1].narrow(0, 23, tk - 23).fill_(false);
  AttentionCache cache;
  cache.is_static = true;
  layer.forward(torch::zeros({2, 1, dm}), memory, AttentionMask{valid, false, 0}, &cache,
                nullptr);  // primes the cache, as Transformer::prime_cross_cache
  // Each step, six beams read the two sentences in a mixed order, as beam search does.
  auto check_steps = [&](const torch::Tensor& mem, const torch::Tensor& val,
                         const torch::Tensor& rows) {
    for (int step = 0; step < 4; ++step) {
      auto q = torch::randn({rows.size(0), 1, dm});
      torch::Tensor w_cached, w_fresh;
      auto cached = layer.forward(q, mem, AttentionMask{val, false, 0, rows}, &cache, &w_cached);
      // The reference: every beam given its own copy of its sentence, no cache.
      auto fresh =
          layer.forward(q, mem.index_select(0, rows),
                        AttentionMask{val.index_select(0, rows), false, 0}, nullptr, &w_fresh);
      EXPECT_TRUE(torch::allclose(cached, fresh, 1e-6, 1e-6)) << step;
      EXPECT_TRUE(torch::allclose(w_cached, w_fresh, 1e-6, 1e-6)) << step;
    }
  };
  check_steps(memory, valid, torch::tensor({1, 0, 1, 0, 0, 1}, torch::kLong));
  EXPECT_EQ(layer.cross_banks_built(), 1);
  // Sentence 0 finishes: the cache keeps row 1 only (a new key tensor), the bank is
  // rebuilt once for it.
  const auto keep = torch::tensor({1}, torch::kLong);
  cache.select(keep);
  check_steps(memory.index_select(0, keep), valid.index_select(0, keep),
              torch::tensor({0, 0, 0}, torch::kLong));
  EXPECT_EQ(layer.cross_banks_built(), 2);
  // Training or gradients: the bank is not kept (the cache path recomputes as before).
  torch::AutoGradMode grad(true);
  layer.forward(torch::randn({1, 1, dm}), memory.index_select(0, keep),
                AttentionMask{valid.index_select(0, keep), false, 0}, &cache, nullptr);
  EXPECT_EQ(layer.cross_banks_built(), 2);
}

TEST(SwitchAttention, BatchCompositionDoesNotChangeASequence) {
  torch::manual_seed(7);
  SwitchAttentionImpl layer(small_options(2, 2), AttentionKind::kSelf);
  torch::NoGradGuard no_grad;
  layer.rel_bias().normal_();
  const int64_t dm = 16, n = 29;
  auto alone = torch::randn({1, n, dm});
  for (bool causal : {false, true}) {
    auto a =
        layer.forward(alone, alone, AttentionMask{torch::ones({1, n}, torch::kBool), causal, 0},
                      nullptr, nullptr);
    // The same sentence second in a batch, padded, next to a longer and a shorter one.
    auto batch = torch::randn({3, 40, dm});
    batch[1].narrow(0, 0, n).copy_(alone[0]);
    auto valid = torch::zeros({3, 40}, torch::kBool);
    valid[0].fill_(true);
    valid[1].narrow(0, 0, n).fill_(true);
    valid[2].narrow(0, 0, 3).fill_(true);
    auto b = layer.forward(batch, batch, AttentionMask{valid, causal, 0}, nullptr, nullptr);
    EXPECT_TRUE(torch::allclose(a[0], b[1].narrow(0, 0, n), 1e-6, 1e-6)) << causal;
  }
}

TEST(SwitchAttention, TransformerDecodesIncrementallyAndTrains) {
  torch::manual_seed(8);
  model::ModelConfig c;
  c.attention = "switch";
  c.d_model = 16;
  c.heads = 4;
  c.d_ff = 32;
  c.encoder_layers = c.decoder_layers = 2;
  c.src_vocab_size = c.tgt_vocab_size = 30;
  c.memory_slots = 4;
  c.max_segment = 8;
  c.window = 2;
  c.top_k = 2;
  c.zoom = 2;
  model::Transformer net(c);
  auto src = torch::randint(3, 30, {2, 25}, torch::kLong);
  src[1].narrow(0, 9, 16).fill_(0);
  auto tgt = torch::randint(3, 30, {2, 21}, torch::kLong);
  net->train();
  net->forward(src, tgt).sum().backward();  // dropout inside the kernels
  // Every parameter takes part in the forward pass, so every one receives a
  // gradient (through the switch-attention kernels' backward), finite and not
  // all zero.
  for (const auto& item : net->named_parameters()) {
    const auto& g = item.value().grad();
    ASSERT_TRUE(g.defined()) << item.key() << " received no gradient";
    EXPECT_TRUE(g.isfinite().all().item<bool>()) << item.key();
    EXPECT_GT(g.abs().sum().item<double>(), 0) << item.key() << " has an all-zero gradient";
  }
  net->eval();
  torch::NoGradGuard no_grad;
  auto memory = net->encode(src);
  auto full = net->decode(tgt, memory);
  auto state = net->initial_state();
  for (int64_t t = 0; t < tgt.size(1); ++t) {
    auto step = net->decode(tgt.narrow(1, t, 1), memory, &state);
    EXPECT_TRUE(torch::allclose(step.squeeze(1), full.select(1, t), 1e-4, 1e-4)) << "step " << t;
  }
}

}  // namespace swt::nn
