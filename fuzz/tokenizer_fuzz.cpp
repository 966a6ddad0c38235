// Fuzzes the word tokenizer and detokenizer (src/text/tokenizer.*) with the
// round-trip properties docs/tokenizer.md promises:
//  * tokens are never empty and never contain whitespace;
//  * for valid UTF-8 s, detokenize(tokenize(s)) is s with every whitespace run
//    turned into one ASCII space and the ends trimmed (with nfkc: the same of
//    NFKC(s));
//  * tokenize(detokenize(tokenize(s))) == tokenize(s), for any bytes;
//  * the *_line variants agree with the vector ones.
#include <unicode/normalizer2.h>
#include <unicode/bytestream.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "fuzz_util.h"
#include "text/tokenizer.h"
#include "util/error.h"

namespace {

using swt::text::Tokenizer;

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    UChar32 c;
    U8_NEXT(s.data(), i, s.size(), c);
    if (c < 0) return false;
  }
  return true;
}

// Whitespace runs (Unicode White_Space) -> one ASCII space; ends trimmed.
std::string collapse_whitespace(std::string_view s) {
  std::string out;
  bool pending_space = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t start = i;
    UChar32 c;
    U8_NEXT(s.data(), i, s.size(), c);
    if (c >= 0 && u_isUWhiteSpace(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out.append(s.data() + start, i - start);
  }
  return out;
}

std::string nfkc(std::string_view s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(status);
  std::string out;
  icu::StringByteSink<std::string> sink(&out);
  n->normalizeUTF8(0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr,
                   status);
  SWT_FUZZ_CHECK(U_SUCCESS(status), "reference NFKC failed");
  return out;
}

std::string show(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += "[" + t + "]";
  return out;
}

void check(const Tokenizer& tok, std::string_view input, bool use_nfkc) {
  std::vector<std::string> tokens;
  try {
    tokens = tok.tokenize(input);
  } catch (const swt::Error&) {
    return;  // a deliberate error (ICU refused the input)
  }
  for (const auto& t : tokens) {
    SWT_FUZZ_CHECK(!t.empty(), "empty token");
    SWT_FUZZ_CHECK(t.find_first_of(" \t\r\n") == std::string::npos, "whitespace in token [%s]",
                   t.c_str());
  }
  const std::string detok = tok.detokenize(tokens);
  if (valid_utf8(input)) {
    const std::string expected = collapse_whitespace(use_nfkc ? nfkc(input) : std::string(input));
    SWT_FUZZ_CHECK(detok == expected, "nfkc=%d round trip: got '%s' expected '%s' tokens %s",
                   use_nfkc, detok.c_str(), expected.c_str(), show(tokens).c_str());
  }
  const auto again = tok.tokenize(detok);
  SWT_FUZZ_CHECK(again == tokens, "nfkc=%d tokenize(detokenize(t)) != t: %s vs %s", use_nfkc,
                 show(again).c_str(), show(tokens).c_str());
  const std::string line = tok.tokenize_line(input);
  SWT_FUZZ_CHECK(swt::text::split_tokens(line) == tokens, "tokenize_line differs");
  SWT_FUZZ_CHECK(tok.detokenize_line(line) == detok, "detokenize_line differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Tokenizer plain;
  static const Tokenizer with_nfkc(swt::text::TokenizerOptions{true});
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check(plain, input, false);
  check(with_nfkc, input, true);
  return 0;
}
