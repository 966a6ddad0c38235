// The few Python `str` operations sacreBLEU relies on, redone on UTF-8 so our
// scores match it character for character: `str.split()`, `str.rstrip()` and
// iteration over code points. Python's idea of whitespace is wider than ASCII
// (it includes U+00A0, U+2009, U+3000, ...), and that changes token counts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swt::eval {

// True for exactly the code points where Python 3's str.isspace() is true.
bool is_py_space(char32_t c);

// Decodes UTF-8 to code points. Input is expected to be valid; an invalid byte
// becomes one code point of its own (U+DC80..U+DCFF, like Python's
// "surrogateescape") so scoring never crashes or merges characters.
std::u32string decode_utf8(std::string_view s);

// Python's s.split(): runs of whitespace separate words; no empty words.
std::vector<std::string_view> py_split(std::string_view s);

// Python's s.rstrip(): drops trailing whitespace.
std::string_view py_rstrip(std::string_view s);

}  // namespace swt::eval
