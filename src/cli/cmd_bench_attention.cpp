// `swt bench attention`: forward + backward time and peak tensor memory of dense
// (`vanilla`) and `switch` attention at one batch-1 sequence per length, for the
// attention operation alone (given Q, K, V) and for one whole encoder layer.
// `swt bench decode-attention`: ms per generated token of one cross-attention layer
// while decoding (static cache primed once, beams sharing it), by source length.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "cli/alloc_tracker.h"
#include "cli/bench_registry.h"
#include "model/transformer.h"
#include "nn/masked_softmax.h"
#include "nn/switch_attention.h"
#include "nn/threads.h"
#include "util/error.h"

namespace swt::cli {

namespace {

struct BenchArgs {
  std::vector<int64_t> lengths = {128, 512, 1024, 4096, 16384};
  int64_t repeats = 3;
  int64_t threads = 0;
  bool json = false;
  double dense_limit_gb = 8;  // skip dense runs whose n x n tensors would need more
};

struct Result {
  std::string impl, scope;
  int64_t n;
  std::optional<double> ms, peak_mb;
};

// Base dimensions of the issue: d_model 512, 8 heads (4 fine + 4 coarse), FFN 2048.
model::ModelConfig base_config(const std::string& attention) {
  model::ModelConfig c;
  c.attention = attention;
  c.d_model = 512;
  c.heads = 8;
  c.d_ff = 2048;
  c.fine_heads = c.coarse_heads = 4;
  c.dropout = c.attention_dropout = 0;
  return c;
}

// One forward + backward; returns nothing, its cost is what is measured.
using Run = std::function<void()>;

Run attention_run(const std::string& impl, int64_t n) {
  const auto c = base_config(impl);
  const int64_t heads = c.heads, d = c.d_model / c.heads;
  auto q = torch::randn({1, n, heads, d}).requires_grad_(true);
  auto k = torch::randn({1, n, heads, d}).requires_grad_(true);
  auto v = torch::randn({1, n, heads, d}).requires_grad_(true);
  auto grad = torch::randn({1, n, heads, d});
  auto valid = torch::ones({1, n}, torch::kBool);
  if (impl == "vanilla")
    return [=] {
      auto qh = q.transpose(1, 2), kh = k.transpose(1, 2), vh = v.transpose(1, 2);
      auto scores = torch::matmul(qh, kh.transpose(-2, -1)) / std::sqrt(static_cast<double>(d));
      auto out = torch::matmul(nn::masked_softmax(scores, valid.view({1, 1, 1, n})), vh);
      out.transpose(1, 2).backward(grad);
    };
  nn::AttentionOptions o;
  o.heads = heads;
  o.fine_heads = c.fine_heads;
  o.coarse_heads = c.coarse_heads;
  nn::SwitchCall call;
  call.geometry = nn::switch_geometry(o);
  call.fine_heads = c.fine_heads;
  auto bias = torch::zeros({heads, call.geometry.levels() * call.geometry.bias_width()})
                  .requires_grad_(true);
  return [=] { nn::switch_attention_heads(q, k, v, valid, bias, call).backward(grad); };
}

Run layer_run(const std::string& impl, int64_t n) {
  auto layer = std::make_shared<model::EncoderLayerImpl>(base_config(impl));
  layer->train();
  auto x = torch::randn({1, n, 512});
  auto grad = torch::randn({1, n, 512});
  nn::AttentionMask mask{torch::ones({1, n}, torch::kBool), false, 0};
  return [=] {
    layer->zero_grad();
    layer->forward(x, mask).backward(grad);
  };
}

Result measure(const std::string& impl, const std::string& scope, int64_t n, const BenchArgs& args,
               AllocTracker& tracker) {
  Result r{impl == "vanilla" ? "dense" : "switch", scope, n, std::nullopt, std::nullopt};
  // Dense keeps a few [H, n, n] float tensors alive at once (scores, probabilities, grads).
  const double dense_bytes = 6.0 * 8 * static_cast<double>(n) * n * 4;
  if (impl == "vanilla" && dense_bytes > args.dense_limit_gb * 1e9) return r;
  auto run = scope == "attention" ? attention_run(impl, n) : layer_run(impl, n);
  run();  // warm-up: first-touch allocations, thread pool start
  std::vector<double> times;
  int64_t peak = 0;
  for (int64_t i = 0; i < args.repeats; ++i) {
    const int64_t before = tracker.live();
    tracker.reset_peak();
    const auto start = std::chrono::steady_clock::now();
    run();
    const auto stop = std::chrono::steady_clock::now();
    times.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    peak = std::max(peak, tracker.peak() - before);
  }
  std::sort(times.begin(), times.end());
  r.ms = times[times.size() / 2];
  r.peak_mb = static_cast<double>(peak) / (1024.0 * 1024.0);
  return r;
}

nlohmann::json to_json(const std::vector<Result>& results) {
  auto list = nlohmann::json::array();
  for (const auto& r : results) {
    nlohmann::json item{{"impl", r.impl}, {"scope", r.scope}, {"n", r.n}};
    item["ms"] = r.ms ? nlohmann::json(*r.ms) : nlohmann::json(nullptr);
    item["peak_mb"] = r.peak_mb ? nlohmann::json(*r.peak_mb) : nlohmann::json(nullptr);
    list.push_back(item);
  }
  return {{"results", list}};
}

void print_row(const Result& r) {
  auto cell = [](const std::optional<double>& v) {
    std::ostringstream s;
    if (v)
      s << std::fixed << std::setprecision(1) << *v;
    else
      s << "-";
    return s.str();
  };
  std::cout << std::left << std::setw(10) << r.scope << std::setw(8) << r.impl << std::right
            << std::setw(8) << r.n << std::setw(12) << cell(r.ms) << std::setw(12)
            << cell(r.peak_mb) << std::endl;
}

void run_bench(const BenchArgs& args) {
  if (args.repeats <= 0) fail("--repeats must be positive");
  nn::apply_threads(args.threads);
  auto& tracker = AllocTracker::install();
  std::vector<Result> results;
  if (!args.json) std::cout << "scope     impl           n     ms (med)   peak MB\n";
  for (const auto* scope : {"attention", "layer"})
    for (int64_t n : args.lengths)
      for (const auto* impl : {"vanilla", "switch"}) {
        results.push_back(measure(impl, scope, n, args, tracker));
        if (!args.json) print_row(results.back());
      }
  if (args.json) std::cout << to_json(results).dump() << std::endl;
}

const RegisterBench kRegister(
    "attention", "dense vs switch attention: forward+backward time and peak memory",
    [](CLI::App& sub) {
      auto args = std::make_shared<BenchArgs>();
      sub.add_option("--lengths", args->lengths, "comma-separated sequence lengths")
          ->delimiter(',')
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--repeats", args->repeats, "timed runs per point (median reported)")
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->capture_default_str();
      sub.add_option("--dense-limit-gb", args->dense_limit_gb,
                     "skip dense runs needing more memory than this")
          ->capture_default_str()
          ->check(at_least(0));
      sub.add_flag("--json", args->json, "print one JSON object instead of a table");
      sub.callback([args] { run_bench(*args); });
    });

struct DecodeArgs {
  std::string attention = "cross";  // cross | self
  std::vector<int64_t> lengths = {64, 256, 1024, 4096};
  int64_t beams = 4;
  int64_t steps = 64;
  int64_t threads = 0;
  bool json = false;
};

// ms per decoding step (one generated token for each of `beams` hypotheses of one
// sentence) of an attention layer with base dimensions, after its cache is primed.
// Cross-attention: n source positions, the cache shared by the beams. Self-attention:
// n positions already generated in each beam's cache, which then grows by `steps`.
// "switch-rebuild" is switch attention as it was before the decoding banks: the same
// layer on the autograd path, which packs and pools every key at every step.
double decode_ms_per_token(const std::string& impl, int64_t n, const DecodeArgs& args) {
  const auto c = base_config(impl == "vanilla" ? "vanilla" : "switch");
  nn::AttentionOptions o;
  o.kind = c.attention;
  o.d_model = c.d_model;
  o.heads = c.heads;
  o.dropout = 0;
  o.fine_heads = c.fine_heads;
  o.coarse_heads = c.coarse_heads;
  const bool self = args.attention == "self";
  auto layer = nn::make_attention(o, self ? nn::AttentionKind::kSelf : nn::AttentionKind::kCross);
  layer->eval();
  torch::NoGradGuard no_grad;
  std::optional<torch::AutoGradMode> rebuild;
  if (impl == "switch-rebuild") rebuild.emplace(true);
  nn::AttentionCache cache;
  std::function<void()> step;
  if (self) {
    auto past = torch::randn({args.beams, n, c.d_model});
    layer->forward(past, past,
                   nn::AttentionMask{torch::ones({args.beams, n}, torch::kBool), true, 0}, &cache,
                   nullptr);
    step = [&] {
      const int64_t t = cache.length();
      auto x = torch::randn({args.beams, 1, c.d_model});
      layer->forward(x, x,
                     nn::AttentionMask{torch::ones({args.beams, t + 1}, torch::kBool), true, t},
                     &cache, nullptr);
    };
  } else {
    auto memory = torch::randn({1, n, c.d_model});
    const auto valid = torch::ones({1, n}, torch::kBool);
    cache.is_static = true;
    layer->forward(torch::zeros({1, 1, c.d_model}), memory, nn::AttentionMask{valid, false, 0},
                   &cache, nullptr);
    const nn::AttentionMask mask{valid, false, 0, torch::zeros({args.beams}, torch::kLong)};
    step = [&, memory, mask] {
      layer->forward(torch::randn({args.beams, 1, c.d_model}), memory, mask, &cache, nullptr);
    };
  }
  step();  // warm-up
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < args.steps; ++i) step();
  const auto stop = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(stop - start).count() /
         static_cast<double>(args.steps);
}

void run_decode_bench(const DecodeArgs& args) {
  nn::apply_threads(args.threads);
  const std::vector<std::string> impls = {"vanilla", "switch", "switch-rebuild"};
  auto list = nlohmann::json::array();
  if (!args.json)
    std::cout << "ms per generated token, one " << args.attention << "-attention layer, "
              << args.beams << " beams, d_model 512, 8 heads\n"
              << std::left << std::setw(16) << "impl" << std::right << std::setw(8) << "n"
              << std::setw(12) << "ms/token" << std::endl;
  for (int64_t n : args.lengths)
    for (const auto& impl : impls) {
      const double ms = decode_ms_per_token(impl, n, args);
      list.push_back(
          {{"impl", impl == "vanilla" ? "dense" : impl}, {"n", n}, {"ms_per_token", ms}});
      if (!args.json)
        std::cout << std::left << std::setw(16) << (impl == "vanilla" ? "dense" : impl)
                  << std::right << std::setw(8) << n << std::setw(12) << std::fixed
                  << std::setprecision(3) << ms << std::endl;
    }
  if (args.json)
    std::cout << nlohmann::json{{"attention", args.attention}, {"results", list}}.dump()
              << std::endl;
}

const RegisterBench kRegisterDecode(
    "decode-attention",
    "dense vs switch attention while decoding: ms per generated token by length",
    [](CLI::App& sub) {
      auto args = std::make_shared<DecodeArgs>();
      sub.add_option("--attention", args->attention,
                     "cross: by source length; self: by length generated so far")
          ->capture_default_str()
          ->check(CLI::IsMember({"cross", "self"}));
      sub.add_option("--lengths", args->lengths,
                     "comma-separated source lengths (cross) or generated lengths (self)")
          ->delimiter(',')
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--beams", args->beams, "hypotheses sharing the sentence's cache")
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--steps", args->steps, "timed decoding steps per point")
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->capture_default_str();
      sub.add_flag("--json", args->json, "print one JSON object instead of a table");
      sub.callback([args] { run_decode_bench(*args); });
    });

}  // namespace

}  // namespace swt::cli
