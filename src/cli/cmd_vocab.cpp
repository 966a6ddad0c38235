// `swt vocab`: counts the words of some text files and writes a vocabulary file.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "text/tokenizer.h"
#include "text/vocab.h"
#include "util/text_file.h"

namespace swt::cli {

namespace {

struct VocabArgs {
  std::vector<std::string> inputs;
  std::string output;
  int min_count = 1;
  int max_size = 0;
  bool tokenized = false;
  bool nfkc = false;
};

std::vector<std::vector<std::string>> read_sentences(const VocabArgs& args) {
  const text::Tokenizer tokenizer(text::TokenizerOptions{args.nfkc});
  std::vector<std::vector<std::string>> sentences;
  for (const auto& path : args.inputs)
    for (const auto& line : read_lines(path))
      sentences.push_back(args.tokenized ? text::split_tokens(line) : tokenizer.tokenize(line));
  return sentences;
}

void run_vocab(const VocabArgs& args) {
  const auto sentences = read_sentences(args);
  const auto vocab = text::Vocab::build(sentences, args.min_count, args.max_size);
  vocab.save(args.output);
  std::cerr << "vocab: " << vocab.size() << " entries (" << text::Vocab::kNumSpecials
            << " specials) from " << sentences.size() << " lines -> " << args.output << "\n";
}

const RegisterCommand kRegister(
    "vocab", "Build a word vocabulary (token<TAB>count per line) from text files",
    [](CLI::App& sub) {
      auto args = std::make_shared<VocabArgs>();
      sub.add_option("--input", args->inputs, "Text files, one sentence a line")->required();
      sub.add_option("--output", args->output, "Vocabulary file to write (atomically)")->required();
      sub.add_option("--min-count", args->min_count, "Keep tokens seen at least this often")
          ->check(at_least(0));
      sub.add_option("--max-size", args->max_size,
                     "Largest vocabulary, the 4 specials included (0: unlimited)")
          ->check(at_least(0));
      sub.add_flag("--tokenized", args->tokenized,
                   "Input is already tokenized (tokens separated by spaces)");
      sub.add_flag("--nfkc", args->nfkc, "NFKC-normalise before tokenizing");
      sub.callback([args] { run_vocab(*args); });
    });

}  // namespace

}  // namespace swt::cli
