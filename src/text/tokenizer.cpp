#include "text/tokenizer.h"

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <cstring>
#include <mutex>

#include "util/error.h"

namespace swt::text {

namespace {

constexpr UChar32 kJoinerCodePoint = 0xFFED;
const std::size_t kJoinerSize = std::strlen(kJoiner);
constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD for invalid bytes

void check_icu(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) fail(std::string("ICU ") + what + " failed: " + u_errorName(status));
}

// Turns ICU word segments into tokens. Whitespace inside a segment only separates
// (ICU keeps runs of spaces, and marks attached to a space, in one segment), and a joiner
// character in the input becomes a token of its own so that the leading-joiner mark
// stays unambiguous.
class TokenSink {
 public:
  explicit TokenSink(std::vector<std::string>& out) : out_(out) {}

  void add_segment(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const std::size_t start = i;
      UChar32 c;
      U8_NEXT(text.data(), i, text.size(), c);
      if (c < 0) {
        piece_ += kReplacement;
      } else if (u_isUWhiteSpace(c)) {
        flush();
        space_before_ = true;
      } else if (c == kJoinerCodePoint) {
        flush();
        piece_ = kJoiner;
        flush();
      } else {
        piece_.append(text.data() + start, i - start);
      }
    }
    flush();
  }

 private:
  void flush() {
    if (piece_.empty()) return;
    const bool glued = !out_.empty() && !space_before_;
    out_.push_back(glued ? kJoiner + piece_ : std::move(piece_));
    piece_.clear();
    space_before_ = false;
  }

  std::vector<std::string>& out_;
  std::string piece_;
  bool space_before_ = false;
};

}  // namespace

// ICU break iterators carry iteration state, so concurrent callers each need their own:
// a small pool hands out idle clones of one prototype and takes them back.
struct Tokenizer::Impl {
  std::unique_ptr<icu::BreakIterator> prototype;
  const icu::Normalizer2* nfkc = nullptr;
  std::mutex mutex;
  std::vector<std::unique_ptr<icu::BreakIterator>> idle;

  explicit Impl(const TokenizerOptions& options) {
    UErrorCode status = U_ZERO_ERROR;
    prototype.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    check_icu(status, "word break iterator");
    if (options.nfkc) {
      nfkc = icu::Normalizer2::getNFKCInstance(status);
      check_icu(status, "NFKC normalizer");
    }
  }

  std::unique_ptr<icu::BreakIterator> acquire() {
    std::lock_guard<std::mutex> lock(mutex);
    if (idle.empty()) return std::unique_ptr<icu::BreakIterator>(prototype->clone());
    auto it = std::move(idle.back());
    idle.pop_back();
    return it;
  }

  void release(std::unique_ptr<icu::BreakIterator> it) {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(std::move(it));
  }

  std::string normalize(std::string_view line) const {
    std::string out;
    icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(line.size()));
    UErrorCode status = U_ZERO_ERROR;
    nfkc->normalizeUTF8(0, icu::StringPiece(line.data(), static_cast<int32_t>(line.size())), sink,
                        nullptr, status);
    check_icu(status, "NFKC normalisation");
    return out;
  }

  void segment(std::string_view text, std::vector<std::string>& out) {
    auto it = acquire();
    UErrorCode status = U_ZERO_ERROR;
    UText ut = UTEXT_INITIALIZER;
    // UTF-8 UText: boundaries come back as byte offsets into `text`, no conversion needed.
    utext_openUTF8(&ut, text.data(), static_cast<int64_t>(text.size()), &status);
    it->setText(&ut, status);
    if (U_FAILURE(status)) {
      utext_close(&ut);
      release(std::move(it));
      check_icu(status, "setText");
    }
    TokenSink sink(out);
    int32_t start = it->first();
    for (int32_t end = it->next(); end != icu::BreakIterator::DONE; start = end, end = it->next())
      sink.add_segment(text.substr(start, end - start));
    utext_close(&ut);
    release(std::move(it));
  }
};

Tokenizer::Tokenizer(TokenizerOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options)) {}
Tokenizer::~Tokenizer() = default;
Tokenizer::Tokenizer(const Tokenizer& other) : Tokenizer(other.options_) {}
Tokenizer& Tokenizer::operator=(const Tokenizer& other) {
  if (this != &other) *this = Tokenizer(other.options_);
  return *this;
}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;

std::vector<std::string> Tokenizer::tokenize(std::string_view line) const {
  std::vector<std::string> tokens;
  if (impl_->nfkc) {
    const std::string normalized = impl_->normalize(line);
    impl_->segment(normalized, tokens);
  } else {
    impl_->segment(line, tokens);
  }
  return tokens;
}

std::string Tokenizer::detokenize(const std::vector<std::string>& tokens) const {
  std::string out;
  for (const auto& token : tokens) {
    if (token.empty()) continue;
    // A token that is exactly the joiner is the literal character (see tokenizer.h).
    const bool glued = token.size() > kJoinerSize && token.compare(0, kJoinerSize, kJoiner) == 0;
    if (!glued && !out.empty()) out += ' ';
    out.append(token, glued ? kJoinerSize : 0, std::string::npos);
  }
  return out;
}

std::string Tokenizer::tokenize_line(std::string_view line) const {
  std::string out;
  for (const auto& token : tokenize(line)) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

std::string Tokenizer::detokenize_line(std::string_view tokenized) const {
  return detokenize(split_tokens(tokenized));
}

std::vector<std::string> split_tokens(std::string_view tokenized) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < tokenized.size()) {
    const std::size_t end = tokenized.find_first_of(" \t", i);
    const std::size_t stop = end == std::string_view::npos ? tokenized.size() : end;
    if (stop > i) tokens.emplace_back(tokenized.substr(i, stop - i));
    i = stop + 1;
  }
  return tokens;
}

}  // namespace swt::text
