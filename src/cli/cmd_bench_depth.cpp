// swt bench depth --model DIR --input SRC --ref REF [--thresholds ...] [--json] [--svg FILE]
// Adaptive depth's speed/quality trade-off, every setting measured in the same
// run as the full-depth model: the encoder policies, the halting thresholds
// and (greedy) self-speculative decoding with each number of draft layers.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/bench_registry.h"
#include "cli/svg_plot.h"
#include "decode/depth_stats.h"
#include "decode/translator.h"
#include "eval/bleu.h"
#include "nn/threads.h"
#include "util/text_file.h"

namespace swt::cli {

namespace {

struct DepthBenchArgs {
  std::string model, input, ref, svg, tokenize = "13a";
  std::string baseline;  // another model, at full depth, in the same run (e.g. 6+1 layers)
  std::vector<double> thresholds{0.3, 0.5, 0.7, 0.9};
  // Speculative decoding (greedy only): one setting per (layers, confidence).
  std::vector<int64_t> draft_layers;  // empty: 1 .. decoder layers - 1
  std::vector<double> draft_confidences{0.2};
  int64_t draft_tokens = 4;
  int64_t draft_vocabulary = 2000;
  int64_t beam = 1, batch_size = 32, repeats = 1, threads = 0;
  bool json = false;
};

struct Setting {
  std::string name;
  model::DepthOptions depth;
  decode::SpeculativeOptions speculative;
};

struct Outcome {
  std::string name;
  double bleu = 0, seconds = 0, encoder_depth = 0, decoder_layers = 0;
  std::vector<std::string> hypotheses;
  std::optional<decode::SpeculativeStats> speculative;  // speculative settings only
};

std::vector<Setting> settings(const DepthBenchArgs& a, const model::ModelConfig& config) {
  std::vector<Setting> out{{"full", {}}};
  model::DepthOptions length;
  length.encoder = model::EncoderPolicy::kLength;
  out.push_back({"length", length});
  if (a.beam == 1) {
    auto layers = a.draft_layers;
    if (layers.empty())
      for (int64_t l = 1; l < config.decoder_layers; ++l) layers.push_back(l);
    for (int64_t l : layers)
      for (double c : a.draft_confidences) {
        char name[48];
        std::snprintf(name, sizeof name, "spec L%lld c%.2f", static_cast<long long>(l), c);
        out.push_back({name, {}, {true, l, a.draft_tokens, c, a.draft_vocabulary}});
      }
  }
  if (!config.depth.adaptive) return out;  // no halting units: only the fixed and length policies
  for (double t : a.thresholds) {
    model::DepthOptions d;
    d.encoder = model::EncoderPolicy::kLearned;
    d.decoder = model::DecoderExit::kHalting;
    d.threshold = t;
    char name[32];
    std::snprintf(name, sizeof name, "learned@%.2f", t);
    out.push_back({name, d, {}});
  }
  return out;
}

Outcome measure(model::ModelBundle& bundle, const DepthBenchArgs& a, const Setting& s,
                const std::vector<std::string>& src, const std::vector<std::string>& ref) {
  decode::TranslateOptions o;
  o.search.beam = a.beam;
  o.search.depth = s.depth;
  o.search.speculative = s.speculative;
  o.batch_size = a.batch_size;
  decode::check_translate_options(o, bundle.config);
  decode::Translator translator(bundle, o);
  std::vector<double> times;
  std::vector<std::vector<decode::Translation>> result;
  for (int64_t r = 0; r < std::max<int64_t>(1, a.repeats); ++r) {
    const auto start = std::chrono::steady_clock::now();
    result = translator.translate(src);
    times.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  std::vector<std::string> hyp;
  for (const auto& n : result) hyp.push_back(n.empty() ? "" : n[0].text);
  const auto stats = decode::depth_stats(result);
  Outcome out{s.name,
              eval::corpus_bleu(hyp, ref, eval::parse_bleu_tokenize(a.tokenize)).score,
              times[times.size() / 2],
              stats.mean_encoder_depth,
              stats.mean_decoder_layers,
              hyp,
              std::nullopt};
  if (s.speculative.enabled) {
    // Totals over the timed passes, which all decode the same input.
    out.speculative = translator.speculative_stats();
  }
  return out;
}

void report(const DepthBenchArgs& a, const std::vector<Outcome>& out, size_t sentences) {
  const double base = out[0].seconds;
  nlohmann::json results = nlohmann::json::array();
  std::vector<PlotPoint> points;
  if (!a.json)
    std::printf("%-16s %7s %9s %9s %11s %8s %7s %9s %9s %9s %9s\n", "setting", "BLEU", "enc.depth",
                "dec.layers", "sent/s", "speed-up", "accept", "tok/pass", "ms/draft", "ms/verify",
                "= full");
  for (const auto& o : out) {
    const double rate = static_cast<double>(sentences) / o.seconds;
    const bool same = o.hypotheses == out[0].hypotheses;
    if (!a.json) {
      std::printf("%-16s %7.2f %9.2f %9.2f %11.1f %7.2fx", o.name.c_str(), o.bleu, o.encoder_depth,
                  o.decoder_layers, rate, base / o.seconds);
      if (o.speculative)
        std::printf(" %7.2f %9.2f %9.3f %9.3f", o.speculative->acceptance(),
                    o.speculative->tokens_per_pass(), o.speculative->ms_per_draft_step(),
                    o.speculative->ms_per_verify_pass());
      else
        std::printf(" %7s %9s %9s %9s", "-", "-", "-", "-");
      std::printf(" %9s\n", same ? "yes" : "no");
    }
    nlohmann::json r{{"setting", o.name},
                     {"bleu", o.bleu},
                     {"mean_encoder_depth", o.encoder_depth},
                     {"mean_decoder_layers", o.decoder_layers},
                     {"sentences_per_s", rate},
                     {"speedup", base / o.seconds},
                     {"output_equals_full", same}};
    if (o.speculative) {
      r["acceptance"] = o.speculative->acceptance();
      r["tokens_per_pass"] = o.speculative->tokens_per_pass();
      r["ms_per_draft_step"] = o.speculative->ms_per_draft_step();
      r["ms_per_verify_pass"] = o.speculative->ms_per_verify_pass();
    }
    results.push_back(r);
    points.push_back({base / o.seconds, o.bleu, o.name});
  }
  // At batch 1, full depth's time per greedy step, for scale: speculative
  // settings emit exactly full depth's tokens (totals over the timed passes).
  for (const auto& o : out)
    if (a.batch_size == 1 && !a.json && o.speculative && o.speculative->emitted > 0 &&
        o.hypotheses == out[0].hypotheses) {
      const double steps = static_cast<double>(o.speculative->emitted) /
                           static_cast<double>(std::max<int64_t>(1, a.repeats));
      std::printf("full depth: %.3f ms per greedy step (%.0f steps)\n", 1e3 * base / steps, steps);
      break;
    }
  if (a.json) std::cout << nlohmann::json{{"results", results}}.dump() << "\n";
  if (!a.svg.empty())
    write_file_atomic(a.svg, scatter_svg(points, "Adaptive depth: BLEU against decoding speed",
                                         "speed-up over full depth (x)", "BLEU"));
}

void setup(CLI::App& sub) {
  auto a = std::make_shared<DepthBenchArgs>();
  sub.add_option("--model,-m", a->model, "model directory")->required();
  sub.add_option("--input,-i", a->input, "source sentences")->required();
  sub.add_option("--ref,-r", a->ref, "reference translations")->required();
  sub.add_option("--thresholds", a->thresholds, "halting thresholds to sweep")
      ->delimiter(',')
      ->capture_default_str()
      ->check(between(0, 1));
  sub.add_option("--draft-layers", a->draft_layers,
                 "speculative settings (beam 1): draft layers to try (default: 1 .. decoder "
                 "layers - 1)")
      ->delimiter(',')
      ->check(at_least(1));
  sub.add_option("--draft-confidence", a->draft_confidences,
                 "speculative settings: draft confidences to try")
      ->delimiter(',')
      ->capture_default_str()
      ->check(between(0, 1));
  sub.add_option("--draft-tokens", a->draft_tokens, "speculative settings: most drafts per pass")
      ->capture_default_str()
      ->check(between(1, 15));
  sub.add_option("--draft-vocabulary", a->draft_vocabulary,
                 "speculative settings: draft from the first N target words (0 = all)")
      ->capture_default_str()
      ->check(at_least(0));
  sub.add_option("--beam,-b", a->beam, "beam size")->capture_default_str()->check(at_least(1));
  sub.add_option("--batch-size", a->batch_size, "sentences per batch")
      ->capture_default_str()
      ->check(at_least(1));
  sub.add_option("--repeats", a->repeats, "timed passes per setting (median)")
      ->capture_default_str()
      ->check(at_least(1));
  sub.add_option("--tokenize", a->tokenize, "BLEU tokenizer: 13a | none")
      ->capture_default_str()
      ->check(CLI::IsMember({"13a", "none"}));
  sub.add_option("--baseline-model", a->baseline,
                 "also time this model at full depth in the same run (a static baseline such as "
                 "a deep encoder with a one-layer decoder)");
  sub.add_option("--svg", a->svg, "write a BLEU-against-speed plot here");
  sub.add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  sub.add_flag("--json", a->json, "print one JSON object");
  sub.callback([a] {
    nn::apply_threads(a->threads);
    auto bundle = model::load_model_dir(a->model);
    std::vector<std::string> src, ref;
    read_parallel(a->input, a->ref, src, ref);
    std::vector<Outcome> out;
    for (const auto& s : settings(*a, bundle.config))
      out.push_back(measure(bundle, *a, s, src, ref));
    if (!a->baseline.empty()) {
      auto other = model::load_model_dir(a->baseline);
      out.push_back(measure(other, *a,
                            {"baseline " + std::to_string(other.config.encoder_layers) + "+" +
                                 std::to_string(other.config.decoder_layers),
                             {},
                             {}},
                            src, ref));
    }
    report(*a, out, src.size());
  });
}

const RegisterBench kRegister("depth",
                              "adaptive depth: BLEU and speed per threshold and per speculative "
                              "draft setting",
                              setup);

}  // namespace

}  // namespace swt::cli
