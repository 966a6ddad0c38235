// swt translate --model DIR [--input F] [--output F] [--beam N] [--batch-size N] [--nbest N]
#include <iostream>

#include "cli/command.h"
#include "decode/depth_stats.h"
#include "decode/translator.h"
#include "nn/linear.h"
#include "nn/threads.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::cli {

namespace {

struct TranslateArgs {
  std::string model, input = "-", output = "-";
  decode::TranslateOptions options;
  int64_t threads = 0;
  bool no_unk_replace = false;
  std::string depth_policy = "fixed", decoder_exit;
  double exit_threshold = -1;
  bool stats = false, int8 = false;
  std::string precision = "auto";
  int64_t max_input_tokens = 1024;
};

// Refuses lines the model should not be asked to translate in one piece.
void check_lengths(const decode::Translator& t, const std::vector<std::string>& lines,
                   const std::string& path, int64_t limit) {
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto n = static_cast<int64_t>(t.source_tokens(lines[i]).size());
    if (limit > 0 && n > limit)
      fail_at(path == "-" ? "<stdin>" : path, i + 1,
              "line has " + std::to_string(n) + " tokens, more than --max-input-tokens " +
                  std::to_string(limit));
  }
}

std::vector<std::string> format_output(const std::vector<std::vector<decode::Translation>>& all,
                                       int64_t nbest) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < all.size(); ++i) {
    if (nbest <= 1) {
      lines.push_back(all[i].empty() ? "" : all[i][0].text);
      continue;
    }
    for (const auto& t : all[i]) {  // Moses/Marian n-best format
      char score[32];
      std::snprintf(score, sizeof score, "%.4f", t.score);
      lines.push_back(std::to_string(i) + " ||| " + t.text + " ||| " + score);
    }
  }
  return lines;
}

void setup_translate(CLI::App& sub) {
  auto a = std::make_shared<TranslateArgs>();
  sub.add_option("--model,-m", a->model, "model directory written by swt train")->required();
  sub.add_option("--input,-i", a->input, "source text, one sentence per line (- = stdin)")
      ->capture_default_str();
  sub.add_option("--output,-o", a->output, "where translations go (- = stdout)")
      ->capture_default_str();
  sub.add_option("--beam,-b", a->options.search.beam, "beam size (1 = greedy)")
      ->capture_default_str();
  sub.add_option("--nbest,-n", a->options.search.nbest, "hypotheses per sentence (<= beam)")
      ->capture_default_str();
  sub.add_option("--batch-size", a->options.batch_size, "sentences per batch")
      ->capture_default_str();
  sub.add_option("--length-penalty", a->options.search.length_penalty,
                 "divide scores by length^alpha")
      ->capture_default_str();
  sub.add_option("--max-length-a", a->options.search.max_length_a,
                 "output length limit: a * source_length + b")
      ->capture_default_str();
  sub.add_option("--max-length-b", a->options.search.max_length_b, "see --max-length-a")
      ->capture_default_str();
  sub.add_flag("--no-unk-replace", a->no_unk_replace, "keep <unk> in the output");
  sub.add_option("--depth-policy", a->depth_policy,
                 "encoder depth per sentence: fixed | length | learned (adaptive depth)")
      ->capture_default_str();
  sub.add_option("--exit-threshold", a->exit_threshold,
                 "halting threshold: learned encoder policy and early decoder exits");
  sub.add_option("--decoder-exit", a->decoder_exit,
                 "per-token decoder exits: none | halting | confidence (default: halting if "
                 "--exit-threshold is given)");
  sub.add_option("--encoder-layers", a->options.search.depth.encoder_layers,
                 "fixed policy: run only this many encoder layers (0 = all)");
  sub.add_option("--decoder-layers", a->options.search.depth.decoder_layers,
                 "run only this many decoder layers (0 = all)");
  auto& spec = a->options.search.speculative;
  sub.add_flag("--speculative", spec.enabled,
               "self-speculative greedy decoding: the first decoder layers draft, the whole "
               "decoder verifies (same output as greedy; needs --beam 1)");
  sub.add_option("--draft-layers", spec.draft_layers, "--speculative: decoder layers that draft")
      ->capture_default_str();
  sub.add_option("--draft-tokens", spec.draft_tokens,
                 "--speculative: most draft tokens per verification pass")
      ->capture_default_str();
  sub.add_option("--draft-confidence", spec.draft_confidence,
                 "--speculative: a sentence stops drafting when the draft's top probability is "
                 "below this")
      ->capture_default_str();
  sub.add_option("--draft-vocabulary", spec.draft_vocabulary,
                 "--speculative: the draft scores only the first N target words (the most "
                 "frequent; 0 = all)")
      ->capture_default_str();
  sub.add_flag("--stats", a->stats,
               "print depth statistics (and --speculative's acceptance) to stderr");
  sub.add_option("--max-input-tokens", a->max_input_tokens,
                 "refuse longer input lines (0 = no limit)")
      ->capture_default_str();
  sub.add_flag("--int8", a->int8,
               "int8 weights for small-batch decoding (one scale per output row; faster when "
               "reading the weights dominates, e.g. batch 1)");
  sub.add_option("--threads", a->threads, "CPU threads (0 = all cores)")->capture_default_str();
  sub.add_option("--precision", a->precision,
                 "matrix products: fp32 | bf16 | auto (bf16 where the CPU has native bf16)")
      ->capture_default_str();
  sub.callback([a] {
    nn::apply_threads(a->threads);
    a->options.precision = nn::parse_precision(a->precision, "--precision");
    a->options.replace_unk = !a->no_unk_replace;
    a->options.search.depth = decode::inference_depth(a->options.search.depth, a->depth_policy,
                                                      a->exit_threshold, a->decoder_exit);
    auto bundle = model::load_model_dir(a->model);
    if (a->int8) nn::use_int8_weights(*bundle.model);
    const auto input = read_lines(a->input, /*allow_empty=*/true);
    decode::Translator translator(bundle, a->options);
    check_lengths(translator, input, a->input, a->max_input_tokens);
    const auto translations = translator.translate(input);
    if (a->stats) {
      std::cerr << decode::format_depth_stats(decode::depth_stats(translations));
      if (a->options.search.speculative.enabled)
        std::cerr << decode::format_speculative_stats(translator.speculative_stats());
    }
    const auto lines = format_output(translations, a->options.search.nbest);
    if (a->output == "-") {
      for (const auto& l : lines) std::cout << l << "\n";
    } else {
      write_lines_atomic(a->output, lines);
    }
  });
}

const RegisterCommand kRegister("translate", "translate text with a trained model",
                                setup_translate);

}  // namespace

}  // namespace swt::cli
