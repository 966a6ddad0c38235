// `swt bench linear`: the small-rows linear kernel (float32 and int8 weights)
// against LibTorch's GEMM (OpenBLAS) for the rows a decoding step has, on the
// projection shapes of the `base` model. This is what decides
// kernels::kSmallLinearMaxRows, the row count up to which nn::linear uses the
// kernel.
#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/bench_registry.h"
#include "kernels/small_linear.h"
#include "nn/threads.h"
#include "util/error.h"

namespace swt::cli {

namespace {

struct LinearArgs {
  std::vector<int64_t> rows = {1, 5, 8, 16, 24, 32, 48, 64};
  int64_t repeats = 7;
  int64_t threads = 0;
  bool json = false;
};

struct Shape {
  const char* name;
  int64_t n, k;  // weight [n, k]
};

// base (d_model 512, FFN 2048, a 16k vocabulary): q/k/v/o, FFN in and out,
// output projection.
constexpr Shape kShapes[] = {
    {"attention 512x512", 512, 512},
    {"ffn-in 2048x512", 2048, 512},
    {"ffn-out 512x2048", 512, 2048},
    {"output 16000x512", 16000, 512},
};

// Median milliseconds of `fn` over `repeats` runs, after one warm-up run.
template <typename Fn>
double median_ms(int64_t repeats, const Fn& fn) {
  fn();
  std::vector<double> ms;
  for (int64_t i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

void run_linear_bench(const LinearArgs& args) {
  if (args.repeats <= 0) fail("--repeats must be positive");
  nn::apply_threads(args.threads);
  torch::NoGradGuard no_grad;
  nlohmann::json results = nlohmann::json::array();
  if (!args.json)
    std::cout << "shape                rows   gemm ms  kernel ms  int8 ms  gemm/kernel\n";
  for (const auto& s : kShapes) {
    auto w = torch::randn({s.n, s.k}), b = torch::randn({s.n});
    const auto q = kernels::quantize_rows(w);
    for (int64_t rows : args.rows) {
      auto x = torch::randn({rows, s.k});
      const double gemm = median_ms(args.repeats, [&] { torch::linear(x, w, b); });
      const double kernel = median_ms(args.repeats, [&] { kernels::small_linear(x, w, b); });
      const double int8 = median_ms(args.repeats, [&] { kernels::small_linear_int8(x, q, b); });
      results.push_back({{"shape", s.name},
                         {"rows", rows},
                         {"gemm_ms", gemm},
                         {"kernel_ms", kernel},
                         {"int8_ms", int8}});
      if (!args.json)
        std::cout << std::left << std::setw(20) << s.name << std::right << std::setw(5) << rows
                  << std::fixed << std::setprecision(3) << std::setw(10) << gemm << std::setw(11)
                  << kernel << std::setw(9) << int8 << std::setprecision(2) << std::setw(13)
                  << gemm / kernel << std::endl;
    }
  }
  if (args.json) std::cout << nlohmann::json{{"results", results}}.dump() << std::endl;
}

const RegisterBench kRegister(
    "linear", "small-rows linear kernel (fp32, int8) vs the BLAS GEMM at decoding row counts",
    [](CLI::App& sub) {
      auto args = std::make_shared<LinearArgs>();
      sub.add_option("--rows", args->rows, "comma-separated row counts")
          ->delimiter(',')
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--repeats", args->repeats, "timed runs per point (median reported)")
          ->capture_default_str()
          ->check(at_least(1));
      sub.add_option("--threads", args->threads, "CPU threads (0 = all cores)")
          ->capture_default_str();
      sub.add_flag("--json", args->json, "print one JSON object instead of a table");
      sub.callback([args] { run_linear_bench(*args); });
    });

}  // namespace

}  // namespace swt::cli
