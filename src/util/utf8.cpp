#include "util/utf8.h"

#include <cstdint>

namespace swt {

namespace {

// Length of the sequence starting with lead byte `b`, or 0 if `b` cannot start one.
int sequence_length(unsigned char b) {
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b >= 0xE0 && b <= 0xEF) return 3;
  if (b >= 0xF0 && b <= 0xF4) return 4;
  return 0;
}

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace

std::size_t find_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int len = sequence_length(lead);
    if (len == 0 || i + len > s.size()) return i;
    for (int k = 1; k < len; ++k)
      if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return i;
    if (len >= 3) {
      const auto second = static_cast<unsigned char>(s[i + 1]);
      // Reject overlong 3/4-byte forms, UTF-16 surrogates and code points past U+10FFFF.
      if (lead == 0xE0 && second < 0xA0) return i;
      if (lead == 0xED && second > 0x9F) return i;
      if (lead == 0xF0 && second < 0x90) return i;
      if (lead == 0xF4 && second > 0x8F) return i;
    }
    i += static_cast<std::size_t>(len);
  }
  return std::string_view::npos;
}

}  // namespace swt
