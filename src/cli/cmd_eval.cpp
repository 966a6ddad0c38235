// `swt eval`: sacreBLEU-compatible corpus BLEU and chrF, and rouge-score-compatible
// ROUGE-1/2/L, of a hypothesis file against a reference file (one segment a line,
// parallel).
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "eval/bleu.h"
#include "eval/chrf.h"
#include "eval/rouge.h"
#include "eval/signature.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::cli {

namespace {

struct EvalArgs {
  std::string hyp;
  std::string ref;
  std::string tokenize = "13a";
  std::string metrics = "bleu,chrf";
  bool json = false;
  bool rouge_stem = false;
};

// "bleu,chrf" -> {"bleu", "chrf"}, in the order given, without repeats.
std::vector<std::string> parse_metrics(const std::string& list) {
  std::vector<std::string> metrics;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    if (name != "bleu" && name != "chrf" && name != "rouge")
      fail("--metrics: unknown metric '" + name + "' (expected a list of bleu, chrf, rouge)");
    if (std::find(metrics.begin(), metrics.end(), name) == metrics.end()) metrics.push_back(name);
    start = comma + 1;
  }
  return metrics;
}

eval::BleuTokenize parse_tokenize(const std::string& name) {
  try {
    return eval::parse_bleu_tokenize(name);
  } catch (const Error& e) {
    fail(std::string("--tokenize: ") + e.what());
  }
}

// {"bleu": 27.81, "chrf": 49.92}: sacreBLEU's rounding to 2 decimals, numbers
// written as Python's json.dumps writes them.
std::string scores_json(const std::vector<std::pair<std::string, double>>& scores) {
  std::string out = "{";
  for (const auto& [name, score] : scores) {
    if (out.size() > 1) out += ", ";
    out += nlohmann::json(name).dump() + ": " + nlohmann::json(eval::round2(score)).dump();
  }
  return out + "}";
}

void run_eval(const EvalArgs& args) {
  // Flags are checked before the (possibly large) files are read.
  const std::vector<std::string> metrics = parse_metrics(args.metrics);
  const eval::BleuTokenize tok = parse_tokenize(args.tokenize);
  std::vector<std::string> hyps, refs;
  read_parallel(args.hyp, args.ref, hyps, refs);

  std::vector<std::pair<std::string, double>> scores;
  for (const std::string& metric : metrics) {
    if (metric == "bleu") {
      const eval::BleuResult r = eval::corpus_bleu(hyps, refs, tok);
      scores.emplace_back("bleu", r.score);
      if (!args.json) std::cout << r.line() << '\n' << r.signature << '\n';
    } else if (metric == "chrf") {
      const eval::ChrfResult r = eval::corpus_chrf(hyps, refs);
      scores.emplace_back("chrf", r.score);
      if (!args.json) std::cout << r.line() << '\n' << r.signature << '\n';
    } else {
      const eval::RougeResult r = eval::corpus_rouge(hyps, refs, args.rouge_stem);
      scores.emplace_back("rouge1", r.rouge1);
      scores.emplace_back("rouge2", r.rouge2);
      scores.emplace_back("rougeL", r.rougeL);
      if (!args.json) std::cout << r.lines() << '\n' << r.signature() << '\n';
    }
  }
  if (args.json) std::cout << scores_json(scores) << '\n';
  std::cout.flush();
  if (!std::cout) fail("<stdout>: write failed");
}

const RegisterCommand kRegister(
    "eval",
    "Score a hypothesis file against references: sacreBLEU-compatible BLEU and chrF, "
    "rouge-score-compatible ROUGE",
    [](CLI::App& sub) {
      auto args = std::make_shared<EvalArgs>();
      sub.add_option("--hyp", args->hyp, "System output, one segment a line")->required();
      sub.add_option("--ref", args->ref, "Reference translations, parallel to --hyp")->required();
      sub.add_option("--tokenize", args->tokenize,
                     "BLEU tokenizer: 13a (sacreBLEU default) or none (split on whitespace, "
                     "as multi-bleu.perl)")
          ->capture_default_str();
      sub.add_option("--metrics", args->metrics,
                     "Comma-separated: bleu, chrf, rouge (ROUGE-1, ROUGE-2, ROUGE-L F1, mean "
                     "over lines)")
          ->capture_default_str();
      sub.add_flag("--rouge-stem", args->rouge_stem,
                   "ROUGE: Porter-stem tokens longer than 3 characters (rouge-score's "
                   "use_stemmer=True)");
      sub.add_flag("--json", args->json,
                   "Print one JSON object such as {\"bleu\": 27.81, \"chrf\": 49.92}");
      sub.callback([args] { run_eval(*args); });
    });

}  // namespace

}  // namespace swt::cli
