#include "data/bible_markup.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <cstdlib>

namespace swt::data {

namespace {

constexpr UChar32 kPilcrow = 0x00B6;

struct Tag {
  std::string_view name;
  bool closing = false;
  bool self_closing = false;
  std::string_view raw;  // the whole tag, "<" to ">"
};

Tag parse_tag(std::string_view raw) {
  Tag tag;
  tag.raw = raw;
  std::size_t i = 1;
  if (i < raw.size() && raw[i] == '/') {
    tag.closing = true;
    ++i;
  }
  std::size_t end = i;
  while (end < raw.size() && raw[end] != ' ' && raw[end] != '/' && raw[end] != '>' &&
         raw[end] != '\t' && raw[end] != '\n')
    ++end;
  tag.name = raw.substr(i, end - i);
  tag.self_closing = raw.size() >= 2 && raw[raw.size() - 2] == '/';
  return tag;
}

bool has_attribute(const Tag& tag, std::string_view attribute) {
  return tag.raw.find(attribute) != std::string_view::npos;
}

// Elements whose content is not verse text. A non-canonical title after verse text is
// a KJV epistle subscription ("Written to the Hebrews from Italy by Timothy."), which
// the Reina-Valera prints as part of the last verse, so it stays.
bool is_dropped(const Tag& tag, bool after_text) {
  const auto n = tag.name;
  if (n == "title") return !has_attribute(tag, "canonical=\"true\"") && !after_text;
  return n == "note" || n == "speaker" || n == "rdg" || n == "catchWord";
}

// The end of a book: what follows (the WEB's glossary) is not verse text.
bool is_book_end(const Tag& tag) {
  return tag.name == "div" && has_attribute(tag, "type=\"book\"") && has_attribute(tag, "eID=");
}

// Character-level markup: it may sit inside a word (KJV "give</w>n").
bool is_inline(std::string_view name) {
  return name == "w" || name == "transChange" || name == "divineName" || name == "seg" ||
         name == "foreign" || name == "hi" || name == "name";
}

// What the markup between two pieces of text says about a word boundary.
struct Gap {
  bool hard = false;       // certainly separates words
  bool saw_close = false;  // an inline element ended here

  void add(const Tag& tag) {
    if (!is_inline(tag.name)) {
      hard = true;
    } else if (tag.closing) {
      saw_close = true;
    } else if (saw_close) {
      hard = true;  // one element ends and the next begins: two words ("allí</w><transChange>")
    }
  }
};

bool is_word_char(UChar32 c) { return u_isalnum(c) != 0; }
bool is_space(UChar32 c) { return u_isUWhiteSpace(c) || c == kPilcrow; }

// Opening brackets and quotes, and Spanish ¿ ¡: text after them follows without a space.
bool is_opening(UChar32 c) {
  const auto type = u_charType(c);
  return type == U_START_PUNCTUATION || type == U_INITIAL_PUNCTUATION || c == 0x00BF || c == 0x00A1;
}

// Whether removed block markup between `before` and `after` stood for a space:
// "David.</title>LORD" and "said,<note/>“A" need one; "earth<note/>." and "(<l/>save"
// do not.
bool needs_space(UChar32 before, UChar32 after) {
  if (before == 0 || is_space(before) || is_opening(before)) return false;
  if (u_charType(before) == U_DASH_PUNCTUATION) return false;
  return is_word_char(after) || is_opening(after);
}

// Builds the output, inserting a space where removed markup separated two words.
class TextBuilder {
 public:
  void add_tag(const Tag& tag) { gap_.add(tag); }
  void add_break() { gap_.hard = true; }

  bool has_text() const { return has_text_; }

  void add_text(std::string_view text) {
    std::int32_t i = 0;
    const auto length = static_cast<std::int32_t>(text.size());
    while (i < length) {
      const std::int32_t start = i;
      UChar32 c;
      U8_NEXT(text.data(), i, length, c);
      if (c < 0) c = 0xFFFD;  // invalid byte: keep as is, count as a word character
      add_char(c, text.substr(start, i - start));
    }
  }

  std::string finish() const { return collapse_spaces(out_); }

 private:
  void add_char(UChar32 c, std::string_view bytes) {
    if (is_space(c)) {
      out_ += ' ';
    } else {
      if (gap_.hard && needs_space(last_, c)) out_ += ' ';
      out_ += bytes;
      has_text_ = true;
    }
    last_ = c;
    gap_ = Gap{};
  }

  static std::string collapse_spaces(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
      if (ch == ' ' && (out.empty() || out.back() == ' ')) continue;
      out += ch;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
  }

  std::string out_;
  UChar32 last_ = 0;  // last character written, 0 at the start
  bool has_text_ = false;
  Gap gap_;
};

// Skips the content of a dropped element, counting nested elements of the same name.
class Skipper {
 public:
  bool active() const { return depth_ > 0; }
  void start(std::string_view name) {
    name_ = name;
    depth_ = 1;
  }
  // Returns true when `tag` ends the skipped element.
  bool feed(const Tag& tag) {
    if (tag.name != name_ || tag.self_closing) return false;
    depth_ += tag.closing ? -1 : 1;
    return depth_ == 0;
  }

 private:
  std::string name_;
  int depth_ = 0;
};

void append_utf8(std::string& out, UChar32 c) {
  char buffer[4];
  std::int32_t n = 0;
  U8_APPEND_UNSAFE(buffer, n, c);
  out.append(buffer, static_cast<std::size_t>(n));
}

// Value of "&...;" (without & and ;), or -1 if unknown.
UChar32 entity_value(std::string_view body) {
  if (body == "amp") return '&';
  if (body == "lt") return '<';
  if (body == "gt") return '>';
  if (body == "quot") return '"';
  if (body == "apos") return '\'';
  if (body == "nbsp") return 0x00A0;
  if (body.size() < 2 || body[0] != '#') return -1;
  const bool hex = body[1] == 'x' || body[1] == 'X';
  const std::string digits(body.substr(hex ? 2 : 1));
  if (digits.empty() || digits.size() > 8) return -1;
  char* end = nullptr;
  const long value = std::strtol(digits.c_str(), &end, hex ? 16 : 10);
  if (*end != '\0' || value <= 0 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
    return -1;
  return static_cast<UChar32>(value);
}

}  // namespace

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t semi = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semi != std::string_view::npos && semi - i <= 10) {
      const UChar32 c = entity_value(text.substr(i + 1, semi - i - 1));
      if (c >= 0) {
        append_utf8(out, c);
        i = semi + 1;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

std::string strip_osis_markup(std::string_view markup) {
  TextBuilder builder;
  Skipper skipper;
  std::size_t i = 0;
  while (i < markup.size()) {
    const std::size_t lt = markup.find('<', i);
    const std::size_t gt = lt == std::string_view::npos ? lt : markup.find('>', lt);
    // Text up to the next complete tag (an unterminated '<' is just text).
    const std::size_t text_end = gt == std::string_view::npos ? markup.size() : lt;
    if (!skipper.active()) builder.add_text(decode_entities(markup.substr(i, text_end - i)));
    if (gt == std::string_view::npos) break;
    const Tag tag = parse_tag(markup.substr(lt, gt - lt + 1));
    i = gt + 1;
    if (skipper.active()) {
      if (skipper.feed(tag)) builder.add_break();
    } else if (is_book_end(tag)) {
      break;
    } else if (is_dropped(tag, builder.has_text())) {
      if (!tag.self_closing && !tag.closing) skipper.start(tag.name);
      builder.add_break();
    } else {
      builder.add_tag(tag);
    }
  }
  return builder.finish();
}

std::string normalize_initial_capitals(std::string_view line) {
  const char* s = line.data();
  const auto length = static_cast<std::int32_t>(line.size());
  // Finds the next run of letters at or after `from`; returns its [begin, end).
  auto next_word = [&](std::int32_t from, std::int32_t& begin, std::int32_t& end) {
    std::int32_t i = from;
    begin = end = length;
    while (i < length) {
      const std::int32_t at = i;
      UChar32 c;
      U8_NEXT(s, i, length, c);
      if (u_isalpha(c)) {
        begin = at;
        end = i;
        break;
      }
    }
    while (end < length) {
      std::int32_t j = end;
      UChar32 c;
      U8_NEXT(s, j, length, c);
      if (!u_isalpha(c)) break;
      end = j;
    }
  };
  auto count_case = [&](std::int32_t begin, std::int32_t end, bool upper) {
    int n = 0;
    for (std::int32_t i = begin; i < end;) {
      UChar32 c;
      U8_NEXT(s, i, end, c);
      n += (upper ? u_isupper(c) : u_islower(c)) ? 1 : 0;
    }
    return n;
  };
  // The capitalised run: "EN", or "DE SIETE" in "DE SIETE años era Joas".
  std::int32_t run_begin, run_end, b, e;
  next_word(0, run_begin, run_end);
  if (run_begin == length || count_case(run_begin, run_end, true) < 2) return std::string(line);
  for (next_word(run_end, b, e); b < length && count_case(b, e, false) == 0; next_word(e, b, e))
    run_end = e;
  if (b == length || count_case(run_begin, run_end, false) > 0) return std::string(line);

  std::string out(line.substr(0, static_cast<std::size_t>(run_begin)));
  for (std::int32_t i = run_begin; i < run_end;) {
    const bool first = i == run_begin;
    UChar32 c;
    U8_NEXT(s, i, run_end, c);
    append_utf8(out, first ? c : u_tolower(c));
  }
  out += line.substr(static_cast<std::size_t>(run_end));
  return out;
}

}  // namespace swt::data
