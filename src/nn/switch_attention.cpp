#include "nn/switch_attention.h"

#include "nn/linear.h"
#include "nn/switch_kernels.h"
#include "nn/switch_self_bank.h"
#include "util/error.h"

namespace swt::nn {

namespace {

// Where the valid keys of a padded batch go in the packed layout.
struct KeyPacking {
  std::vector<int64_t> lengths;
  std::vector<int64_t> key_rows;  // flat b * Tk + t of every packed key
  std::vector<int64_t> rank;      // [B * Tk]: packed position among row b's keys, -1 = padding
  int64_t tk = 0;
};

KeyPacking pack_keys(const torch::Tensor& key_valid) {
  auto valid = key_valid.to(torch::kCPU).to(torch::kBool).contiguous();
  const int64_t batch = valid.size(0), tk = valid.size(1);
  const bool* v = valid.data_ptr<bool>();
  KeyPacking p;
  p.tk = tk;
  p.rank.assign(static_cast<std::size_t>(batch * tk), -1);
  for (int64_t b = 0; b < batch; ++b) {
    int64_t n = 0;
    for (int64_t t = 0; t < tk; ++t)
      if (v[b * tk + t]) {
        p.rank[b * tk + t] = n++;
        p.key_rows.push_back(b * tk + t);
      }
    p.lengths.push_back(n);
  }
  return p;
}

// Where the queries go: query row b reads key sequence seq_of_row[b] (row b when empty).
struct QueryPacking {
  std::vector<int64_t> query_rows;  // flat b * Tq + t of every packed query
  QueryInfo queries;
};

QueryPacking pack_queries(const SwitchBank& keys, int64_t batch, int64_t tq,
                          const std::vector<int64_t>& seq_of_row, const SwitchCall& call) {
  QueryPacking p;
  const int64_t sequences = static_cast<int64_t>(keys.lengths.size());
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t seq = seq_of_row.empty() ? b : seq_of_row[b];
    if (seq < 0 || seq >= sequences)
      fail("switch attention: query row " + std::to_string(b) + " reads key row " +
           std::to_string(seq) + " of " + std::to_string(sequences));
    for (int64_t t = 0; t < tq; ++t) {
      int64_t pos = 0;
      if (call.mode != SwitchMode::kCross) {
        const int64_t key = call.query_offset + t;
        if (key >= keys.tk) fail("switch attention: query " + std::to_string(key) + " has no key");
        pos = keys.rank[seq * keys.tk + key];
        if (pos < 0) continue;  // a padding query: output stays zero
      }
      p.query_rows.push_back(b * tq + t);
      p.queries.seq.push_back(seq);
      p.queries.pos.push_back(pos);
    }
  }
  return p;
}

torch::Tensor index_tensor(const std::vector<int64_t>& v, const torch::Device& device) {
  return torch::tensor(v, torch::kLong).to(device);
}

// [B, T, H, d] -> selected rows as [H, rows, d].
torch::Tensor gather_heads(const torch::Tensor& x, const torch::Tensor& rows) {
  const int64_t heads = x.size(2), d = x.size(3);
  return x.reshape({-1, heads * d}).index_select(0, rows).view({-1, heads, d}).transpose(0, 1);
}

torch::Tensor bank_heads(const torch::Tensor& x, const torch::Tensor& rows, const PoolPlan& plan) {
  const int64_t heads = x.size(2), d = x.size(3);
  auto packed = x.reshape({-1, heads * d}).index_select(0, rows);
  return pool_bank(packed, plan).view({-1, heads, d}).transpose(0, 1).contiguous();
}

// Head-averaged probabilities over the padded keys; a slot's mass is spread over its tokens.
torch::Tensor spread_weights(const torch::Tensor& probs, const SwitchLayout& layout,
                             const PoolPlan& plan, const std::vector<int64_t>& key_rows,
                             const std::vector<int64_t>& query_rows, int64_t batch, int64_t tq,
                             int64_t tk) {
  auto pr = probs.detach().to(torch::kDouble).contiguous();
  const int64_t heads = pr.size(0), nq = pr.size(1), slots = pr.size(2);
  auto w = torch::zeros({batch * tq, tk}, torch::kDouble);
  auto wa = w.accessor<double, 2>();
  const double* pp = pr.data_ptr<double>();
  const int32_t* slot = layout.slot.data_ptr<int32_t>();
  const int32_t* count = layout.count.data_ptr<int32_t>();
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t i = 0; i < nq; ++i) {
      const int64_t r = h * nq + i;
      for (int64_t s = 0; s < count[r]; ++s) {
        const int64_t row = slot[r * slots + s], size = plan.row_size[row];
        const double share = pp[r * slots + s] / static_cast<double>(heads * size);
        for (int64_t t = plan.row_start[row]; t < plan.row_start[row] + size; ++t)
          wa[query_rows[i]][key_rows[t] % tk] += share;
      }
    }
  return w.view({batch, tq, tk}).to(probs.options());
}

}  // namespace

SwitchBank make_switch_bank(const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& key_valid, const SwitchGeometry& geometry) {
  auto keys = pack_keys(key_valid);
  SwitchBank bank;
  bank.plan = make_pool_plan(keys.lengths, geometry);
  const auto rows = index_tensor(keys.key_rows, k.device());
  bank.k = bank_heads(k, rows, bank.plan);
  bank.v = bank_heads(v, rows, bank.plan);
  bank.key_rows = std::move(keys.key_rows);
  bank.rank = std::move(keys.rank);
  bank.lengths = std::move(keys.lengths);
  bank.tk = keys.tk;
  return bank;
}

torch::Tensor switch_attend_bank(const torch::Tensor& q, const SwitchBank& bank,
                                 const std::vector<int64_t>& seq_of_row,
                                 const torch::Tensor& bias_table, const SwitchCall& call,
                                 torch::Tensor* weights) {
  const int64_t batch = q.size(0), tq = q.size(1), heads = q.size(2), d = q.size(3);
  const auto packing = pack_queries(bank, batch, tq, seq_of_row, call);
  const auto query_rows = index_tensor(packing.query_rows, q.device());
  auto qp = gather_heads(q, query_rows).contiguous();
  const auto layout = build_layout(call.geometry, call.mode, bank.plan, packing.queries,
                                   call.fine_heads, qp, bank.k);
  torch::Tensor keep;
  if (call.dropout > 0)
    keep = torch::bernoulli(torch::full(layout.slot.sizes(), 1 - call.dropout, q.options())) /
           (1 - call.dropout);
  auto core = switch_attention_core(qp, bank.k, bank.v, bias_table, layout, keep);
  auto packed_out = core.out.transpose(0, 1).reshape({-1, heads * d});
  auto out =
      torch::zeros({batch * tq, heads * d}, q.options()).index_copy(0, query_rows, packed_out);
  if (weights)
    *weights = spread_weights(core.probs, layout, bank.plan, bank.key_rows, packing.query_rows,
                              batch, tq, bank.tk);
  return out.view({batch, tq, heads, d});
}

torch::Tensor switch_attention_heads(const torch::Tensor& q, const torch::Tensor& k,
                                     const torch::Tensor& v, const torch::Tensor& key_valid,
                                     const torch::Tensor& bias_table, const SwitchCall& call,
                                     torch::Tensor* weights) {
  const SwitchBank bank = make_switch_bank(k, v, key_valid, call.geometry);
  return switch_attend_bank(q, bank, {}, bias_table, call, weights);
}

torch::Tensor switch_attend_self_bank(const torch::Tensor& q, const SwitchSelfBank& bank,
                                      const torch::Tensor& bias_table, const SwitchCall& call) {
  const int64_t batch = q.size(0), tq = q.size(1), heads = q.size(2), d = q.size(3);
  QueryInfo queries;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t t = 0; t < tq; ++t) {
      queries.seq.push_back(b);
      queries.pos.push_back(call.query_offset + t);
    }
  auto qp = q.permute({2, 0, 1, 3}).reshape({heads, batch * tq, d}).contiguous();
  const auto keys = bank.k(), values = bank.v();
  const auto layout = build_layout(call.geometry, SwitchMode::kCausal, bank.plan(), queries,
                                   call.fine_heads, qp, keys);
  auto core = switch_attention_core(qp, keys, values, bias_table, layout, {});
  return core.out.view({heads, batch, tq, d}).permute({1, 2, 0, 3});
}

SwitchGeometry switch_geometry(const AttentionOptions& o) {
  SwitchGeometry g;
  g.memory_slots = o.memory_slots;
  g.max_segment = o.max_segment;
  g.zoom = o.zoom;
  g.window = o.window;
  g.top_k = o.top_k;
  g.rel_clip = o.rel_clip;
  return g;
}

int64_t switch_fine_heads(const AttentionOptions& o) {
  if (o.fine_heads == 0 && o.coarse_heads == 0) return (o.heads + 1) / 2;
  if (o.fine_heads + o.coarse_heads != o.heads)
    fail("switch attention: fine_heads + coarse_heads must equal heads");
  return o.fine_heads;
}

SwitchAttentionImpl::SwitchAttentionImpl(const AttentionOptions& options, AttentionKind role)
    : role_(role),
      heads_(options.heads),
      d_head_(options.d_model / options.heads),
      fine_heads_(switch_fine_heads(options)),
      dropout_(options.dropout),
      geometry_(switch_geometry(options)) {
  if (options.d_model % options.heads != 0)
    fail("d_model (" + std::to_string(options.d_model) + ") must be divisible by heads (" +
         std::to_string(options.heads) + ")");
  const int64_t inner = heads_ * d_head_;
  q_linear_ = register_module("q_linear", torch::nn::Linear(options.d_model, inner));
  k_linear_ = register_module("k_linear", torch::nn::Linear(options.d_model, inner));
  v_linear_ = register_module("v_linear", torch::nn::Linear(options.d_model, inner));
  fc_out_ = register_module("fc_out", torch::nn::Linear(inner, options.d_model));
  // Cross-attention has no meaningful distance between target and source positions:
  // an empty, unregistered table (a zero-size parameter would only burden checkpoints).
  if (role == AttentionKind::kCross)
    rel_bias_ = torch::zeros({heads_, 0});
  else
    rel_bias_ = register_parameter(
        "rel_bias", torch::zeros({heads_, geometry_.levels() * geometry_.bias_width()}));
}

torch::Tensor SwitchAttentionImpl::split_heads(const torch::Tensor& x) const {
  return x.view({x.size(0), x.size(1), heads_, d_head_});
}

std::pair<torch::Tensor, torch::Tensor> SwitchAttentionImpl::keys_values(
    const torch::Tensor& memory, AttentionCache* cache) {
  // The cache keeps the interface's [B, H, T, Dh] layout.
  if (cache && cache->is_static && !cache->empty())
    return {cache->key.transpose(1, 2), cache->value.transpose(1, 2)};
  auto k = split_heads(linear(memory, k_linear_));
  auto v = split_heads(linear(memory, v_linear_));
  if (!cache) return {k, v};
  if (cache->is_static) {
    cache->key = k.transpose(1, 2);
    cache->value = v.transpose(1, 2);
    return {k, v};
  }
  cache->append(k.transpose(1, 2), v.transpose(1, 2));
  return {cache->key.transpose(1, 2), cache->value.transpose(1, 2)};
}

const SwitchBank& SwitchAttentionImpl::cross_bank(const AttentionCache& cache,
                                                  const torch::Tensor& key_valid) {
  // A new or reordered cache (AttentionCache::select) has a new key tensor; the weak
  // reference keeps the old one's address from being reused while it is compared.
  const auto current = bank_source_.lock();
  if (!bank_ || current.get() != cache.key.unsafeGetTensorImpl()) {
    bank_ = make_switch_bank(cache.key.transpose(1, 2), cache.value.transpose(1, 2), key_valid,
                             geometry_);
    bank_source_ = WeakTensor(cache.key.getIntrusivePtr());
    ++banks_built_;
  }
  return *bank_;
}

SwitchSelfBank& SwitchAttentionImpl::self_bank(AttentionCache& cache) {
  auto* bank = dynamic_cast<SwitchSelfBank*>(cache.extra.get());
  if (!bank) {
    auto made = std::make_shared<SwitchSelfBank>(geometry_);
    bank = made.get();
    cache.extra = std::move(made);
  }
  bank->update(cache);
  return *bank;
}

torch::Tensor SwitchAttentionImpl::forward(const torch::Tensor& query, const torch::Tensor& memory,
                                           const AttentionMask& mask, AttentionCache* cache,
                                           torch::Tensor* weights) {
  const int64_t batch = query.size(0), tq = query.size(1);
  auto q = split_heads(linear(query, q_linear_));
  SwitchCall call;
  call.mode = role_ == AttentionKind::kCross
                  ? SwitchMode::kCross
                  : (mask.causal ? SwitchMode::kCausal : SwitchMode::kBidirectional);
  call.geometry = geometry_;
  call.fine_heads = fine_heads_;
  call.query_offset = mask.query_offset;
  call.dropout = is_training() ? dropout_ : 0.0;
  torch::Tensor out;
  if (role_ == AttentionKind::kCross && cache && cache->is_static && !is_training() &&
      !torch::GradMode::is_enabled()) {
    // Decoding: the sentences' pooled bank is built once from the static cache and
    // shared by every step and by the beams of a sentence (mask.key_rows).
    keys_values(memory, cache);  // fills the cache on first use
    std::vector<int64_t> seq_of_row;
    if (mask.key_rows.defined()) {
      auto rows = mask.key_rows.to(torch::kCPU).to(torch::kLong).contiguous();
      seq_of_row.assign(rows.data_ptr<int64_t>(), rows.data_ptr<int64_t>() + rows.numel());
    }
    out = switch_attend_bank(q, cross_bank(*cache, mask.key_valid), seq_of_row, rel_bias_, call,
                             weights);
  } else if (role_ == AttentionKind::kSelf && cache && !cache->is_static && mask.causal &&
             !weights && !mask.key_rows.defined() && !is_training() &&
             !torch::GradMode::is_enabled() &&
             (!mask.key_valid.defined() || mask.key_valid.all().item<bool>())) {
    // Decoding: the bank grows with the cache (masked positions, as speculative
    // decoding's rejected drafts, take the general path below).
    keys_values(memory, cache);
    out = switch_attend_self_bank(q, self_bank(*cache), rel_bias_, call);
  } else {
    auto [k, v] = keys_values(memory, cache);
    AttentionMask per_row = mask;
    expand_key_rows(k, v, per_row);
    out = switch_attention_heads(q, k, v, per_row.key_valid, rel_bias_, call, weights);
  }
  return linear(out.reshape({batch, tq, heads_ * d_head_}), fc_out_);
}

}  // namespace swt::nn
