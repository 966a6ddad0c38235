// `swt tokenize`: stdin to stdout, one line at a time, either direction.
#include <iostream>
#include <memory>
#include <string>

#include "cli/command.h"
#include "text/tokenizer.h"
#include "util/error.h"
#include "util/utf8.h"

namespace swt::cli {

namespace {

struct TokenizeArgs {
  bool detokenize = false;
  bool nfkc = false;
};

// Streams rather than reading everything so that the command works in a pipe.
void run_tokenize(const TokenizeArgs& args) {
  const text::Tokenizer tokenizer(text::TokenizerOptions{args.nfkc});
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto bad = find_invalid_utf8(line);
    if (bad != std::string::npos)
      fail_at("<stdin>", line_number, "invalid UTF-8 at byte " + std::to_string(bad + 1));
    std::cout << (args.detokenize ? tokenizer.detokenize_line(line) : tokenizer.tokenize_line(line))
              << '\n';
  }
  std::cout.flush();
  if (!std::cout) fail("<stdout>: write failed");
}

const RegisterCommand kRegister(
    "tokenize", "Tokenize (or --detokenize) text from stdin to stdout, one sentence a line",
    [](CLI::App& sub) {
      auto args = std::make_shared<TokenizeArgs>();
      sub.add_flag("--detokenize", args->detokenize,
                   "Input is tokenized text; write the original text back");
      sub.add_flag("--nfkc", args->nfkc, "NFKC-normalise the text before tokenizing");
      sub.callback([args] { run_tokenize(*args); });
    });

}  // namespace

}  // namespace swt::cli
