// The fused single-query attention kernel against its matmul reference, and
// dense attention's decoding path (which uses it) against its training path.
#include "kernels/single_query_attention.h"

#include <gtest/gtest.h>

#include "nn/attention.h"
#include "support/isa_params.h"

namespace swt::kernels {

namespace {

double max_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

// Every instruction-set path.
using SingleQueryAttentionIsa = test::IsaTest;

TEST_P(SingleQueryAttentionIsa, MatchesReferenceWithMixedValidKeys) {
  torch::manual_seed(5);
  for (int64_t t : {1, 2, 17, 100})
    for (int64_t d : {1, 8, 33, 64}) {
      auto q = torch::randn({3, 2, d}), k = torch::randn({3, 2, t, d});
      auto v = torch::randn({3, 2, t, d});
      auto valid = torch::rand({3, t}).gt(0.3);
      valid[0].fill_(true);
      valid[1].fill_(false);  // all-padding row: zeros
      torch::Tensor p, p_ref;
      auto out = single_query_attention(q, k, v, valid, 0.125, &p);
      auto ref = single_query_attention_reference(q, k, v, valid, 0.125, &p_ref);
      EXPECT_LT(max_diff(out, ref), 1e-5) << t << " " << d;
      EXPECT_LT(max_diff(p, p_ref), 1e-6);
      EXPECT_EQ(out[1].abs().sum().item<float>(), 0.0f);
      auto no_mask = single_query_attention(q, k, v, {}, 0.125);
      EXPECT_LT(max_diff(no_mask, single_query_attention_reference(q, k, v, {}, 0.125)), 1e-5);
    }
}

INSTANTIATE_TEST_SUITE_P(AllPaths, SingleQueryAttentionIsa, test::all_isas(), test::isa_name);

// Shared key rows (beams of one sentence reading one cross-attention cache):
// rows picked in any order, repeated, one query row, all-padding key rows.
TEST(SingleQueryAttention, SharedKeyRowsMatchReference) {
  torch::manual_seed(7);
  for (int64_t t : {1, 9}) {
    auto k = torch::randn({3, 2, t, 16}), v = torch::randn({3, 2, t, 16});
    auto valid = torch::rand({3, t}).gt(0.4);
    valid[0].fill_(true);
    valid[2].fill_(false);
    for (const auto& rows : {std::vector<int64_t>{2, 0, 0, 1, 2, 2}, std::vector<int64_t>{1}}) {
      auto kv_rows = torch::tensor(rows);
      auto q = torch::randn({kv_rows.size(0), 2, 16});
      torch::Tensor p, p_ref;
      auto out = single_query_attention(q, k, v, valid, 0.25, &p, kv_rows);
      auto ref = single_query_attention_reference(q, k, v, valid, 0.25, &p_ref, kv_rows);
      EXPECT_LT(max_diff(out, ref), 1e-5) << t;
      EXPECT_LT(max_diff(p, p_ref), 1e-6) << t;
      // Against materialised copies: the same as giving every query its own row.
      auto copies =
          single_query_attention(q, k.index_select(0, kv_rows), v.index_select(0, kv_rows),
                                 valid.index_select(0, kv_rows), 0.25);
      EXPECT_EQ(max_diff(out, copies), 0.0);
    }
  }
  // Keys and values as views of a longer cache (AttentionCache's storage):
  // read in place, same result.
  auto store_k = torch::randn({3, 2, 12, 16}), store_v = torch::randn({3, 2, 12, 16});
  auto k = store_k.narrow(2, 0, 7), v = store_v.narrow(2, 0, 7);
  auto q = torch::randn({3, 2, 16});
  EXPECT_LT(max_diff(single_query_attention(q, k, v, {}, 0.25),
                     single_query_attention_reference(q, k, v, {}, 0.25)),
            1e-5);
  // Out-of-range rows are errors, not reads past the cache.
  EXPECT_ANY_THROW(single_query_attention(torch::zeros({2, 1, 4}), torch::zeros({1, 1, 3, 4}),
                                          torch::zeros({1, 1, 3, 4}), {}, 1.0, nullptr,
                                          torch::tensor({0, 1})));
}

// One mask per query (speculative verification: several causal queries of a
// sequence share its keys): equals the reference, and equals giving each
// query a copy of its key row with that mask, bit for bit.
TEST(SingleQueryAttention, PerQueryMasksMatchReferenceAndCopies) {
  torch::manual_seed(8);
  auto k = torch::randn({2, 2, 9, 16}), v = torch::randn({2, 2, 9, 16});
  auto kv_rows = torch::tensor({0, 0, 0, 1, 1, 1});
  auto q = torch::randn({6, 2, 16});
  auto valid = torch::rand({6, 9}).gt(0.3);
  valid[2].fill_(false);  // a query that may see nothing: zeros
  valid[4].fill_(false);
  valid[4][0] = true;  // exactly one key: that value
  torch::Tensor p, p_ref;
  auto out = single_query_attention(q, k, v, valid, 0.25, &p, kv_rows, true);
  auto ref = single_query_attention_reference(q, k, v, valid, 0.25, &p_ref, kv_rows, true);
  EXPECT_LT(max_diff(out, ref), 1e-5);
  EXPECT_LT(max_diff(p, p_ref), 1e-6);
  EXPECT_EQ(out[2].abs().sum().item<float>(), 0.0f);
  EXPECT_LT(max_diff(out[4], v[1].select(1, 0)), 1e-6);
  auto copies = single_query_attention(q, k.index_select(0, kv_rows), v.index_select(0, kv_rows),
                                       valid, 0.25);
  EXPECT_EQ(max_diff(out, copies), 0.0);
  // Per-query masks must have one row per query.
  EXPECT_ANY_THROW(
      single_query_attention(q, k, v, valid.narrow(0, 0, 2), 0.25, nullptr, kv_rows, true));
}

TEST(SingleQueryAttention, BadShapesAreErrors) {
  EXPECT_ANY_THROW(single_query_attention(torch::zeros({1, 2, 4}), torch::zeros({1, 2, 3, 5}),
                                          torch::zeros({1, 2, 3, 5}), {}, 1.0));
  EXPECT_ANY_THROW(single_query_attention(torch::zeros({1, 2, 4}), torch::zeros({1, 2, 3, 4}),
                                          torch::zeros({1, 2, 3, 4}), torch::ones({1, 2}), 1.0));
}

// Incremental self- and cross-attention steps (the kernel) equal the full
// causal forward (LibTorch's matmul path), with padded memory rows.
TEST(SingleQueryAttention, DenseDecodingStepsEqualTheFullForward) {
  torch::manual_seed(6);
  nn::AttentionOptions o;
  o.d_model = 32;
  o.heads = 4;
  auto self = nn::make_attention(o, nn::AttentionKind::kSelf);
  auto cross = nn::make_attention(o, nn::AttentionKind::kCross);
  self->eval();
  cross->eval();
  torch::NoGradGuard no_grad;
  const int64_t steps = 20;  // past the cache's first growth (16)
  auto x = torch::randn({2, steps, 32}), memory = torch::randn({2, 5, 32});
  auto mem_valid = torch::tensor({{1, 1, 1, 1, 1}, {1, 1, 1, 0, 0}}).to(torch::kBool);
  auto all = torch::ones({2, steps}, torch::kBool);
  auto full_self = self->forward(x, x, {all, true, 0}, nullptr, nullptr);
  auto full_cross = cross->forward(x, memory, {mem_valid, false, 0}, nullptr, nullptr);
  nn::AttentionCache self_cache, cross_cache;
  cross_cache.is_static = true;
  for (int64_t t = 0; t < steps; ++t) {
    auto xt = x.narrow(1, t, 1);
    auto s = self->forward(xt, xt, {torch::ones({2, t + 1}, torch::kBool), true, t}, &self_cache,
                           nullptr);
    auto c = cross->forward(xt, memory, {mem_valid, false, 0}, &cross_cache, nullptr);
    EXPECT_LT(max_diff(s, full_self.narrow(1, t, 1)), 1e-5) << t;
    EXPECT_LT(max_diff(c, full_cross.narrow(1, t, 1)), 1e-5) << t;
  }
}

}  // namespace swt::kernels
