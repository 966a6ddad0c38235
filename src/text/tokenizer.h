// Reversible word tokenizer (SPEC §3 "Words"): ICU word-break rules, punctuation split
// off, CJK split by ICU's dictionaries, joins recorded with a joiner mark.
//
// Joiner convention: a token that was written with no whitespace before it starts with
// kJoiner ("Hello, world" -> "Hello" "￭," "world"). The first token never has one.
// A joiner character that occurs in the input always becomes a token of its own, so a
// token spelled exactly kJoiner is that literal character (not glued) and kJoiner+kJoiner
// is the literal character glued to the previous token. See docs/tokenizer.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace swt::text {

// U+FFED HALFWIDTH BLACK SQUARE, the mark OpenNMT uses; rare in real text.
inline constexpr const char* kJoiner = "\xEF\xBF\xAD";

struct TokenizerOptions {
  bool nfkc = false;  // NFKC-normalise before segmenting (then round trip gives NFKC(s))
};

// tokenize() may be called from several threads at once: one cached ICU iterator is
// reused under a mutex, and a caller that finds it busy clones a private one.
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options = {});
  ~Tokenizer();
  Tokenizer(const Tokenizer& other);
  Tokenizer& operator=(const Tokenizer& other);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;

  // Word tokens; never empty strings, never containing whitespace. `line` must be
  // valid UTF-8 (invalid bytes are replaced by U+FFFD).
  std::vector<std::string> tokenize(std::string_view line) const;
  // Inverse of tokenize(): single spaces between tokens unless a token carries the joiner.
  std::string detokenize(const std::vector<std::string>& tokens) const;

  // Tokens joined by single spaces / the same text split on spaces, then detokenized.
  std::string tokenize_line(std::string_view line) const;
  std::string detokenize_line(std::string_view tokenized) const;

  const TokenizerOptions& options() const { return options_; }

 private:
  struct Impl;
  TokenizerOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Splits a tokenized line on ASCII spaces and tabs, dropping empty pieces.
std::vector<std::string> split_tokens(std::string_view tokenized);

}  // namespace swt::text
