#include "eval/py_text.h"

#include <cstddef>

namespace swt::eval {

namespace {

struct CodePoint {
  char32_t value;
  std::size_t length;  // bytes consumed
};

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes the sequence at s[i]; malformed input yields one escaped byte.
CodePoint decode_at(std::string_view s, std::size_t i) {
  const auto lead = static_cast<unsigned char>(s[i]);
  if (lead < 0x80) return {lead, 1};
  std::size_t len = 0;
  char32_t value = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    len = 2, value = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    len = 3, value = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    len = 4, value = lead & 0x07;
  }
  if (len == 0 || i + len > s.size()) return {char32_t{0xDC00} + lead, 1};
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (!is_continuation(b)) return {char32_t{0xDC00} + lead, 1};
    value = (value << 6) | (b & 0x3F);
  }
  return {value, len};
}

}  // namespace

bool is_py_space(char32_t c) {
  if (c <= 0x7F) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  switch (c) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::u32string decode_utf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint cp = decode_at(s, i);
    out.push_back(cp.value);
    i += cp.length;
  }
  return out;
}

std::vector<std::string_view> py_split(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t start = std::string_view::npos;  // start of the current word
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint cp = decode_at(s, i);
    if (is_py_space(cp.value)) {
      if (start != std::string_view::npos) words.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = i;
    }
    i += cp.length;
  }
  if (start != std::string_view::npos) words.push_back(s.substr(start));
  return words;
}

std::string_view py_rstrip(std::string_view s) {
  std::size_t end = 0;  // one past the last non-space code point
  for (std::size_t i = 0; i < s.size();) {
    const CodePoint cp = decode_at(s, i);
    i += cp.length;
    if (!is_py_space(cp.value)) end = i;
  }
  return s.substr(0, end);
}

}  // namespace swt::eval
