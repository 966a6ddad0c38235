#include "eval/tokenizer_13a.h"

#include <cstddef>

#include "eval/py_text.h"

namespace swt::eval {

namespace {

// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replace_all(const std::string& s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  for (std::size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
    out.append(s, pos, hit - pos);
    out.append(to);
  }
  out.append(s, pos, std::string::npos);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// The character class [\{-\~\[-\` -\&\(-\+\:-\@\/] of mteval's first rule:
// ASCII symbols other than ' , - . (those get their own rules or none).
bool is_padded_symbol(char c) {
  return (c >= ' ' && c <= '&') || (c >= '(' && c <= '+') || c == '/' || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

std::string pad_symbols(const std::string& s) {
  std::string out;
  out.reserve(s.size() * 2);
  for (char c : s) {
    if (is_padded_symbol(c)) {
      out += ' ';
      out += c;
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// The remaining three rules are two-character regex substitutions applied with
// re.sub's non-overlapping, left-to-right matching; after a match the scan
// resumes behind both characters (a character consumed as the second half of
// one match cannot start the next). All characters involved are ASCII, so
// scanning UTF-8 bytes gives the same result as scanning code points
// (continuation bytes never match).
template <typename Match, typename Emit>
std::string substitute_pairs(const std::string& s, Match match, Emit emit) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && match(s[i], s[i + 1])) {
      emit(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

// ([^0-9])([\.,]) -> "\1 \2 "
std::string split_after_non_digit(const std::string& s) {
  return substitute_pairs(
      s, [](char a, char b) { return !is_digit(a) && is_period_or_comma(b); },
      [](std::string& out, char a, char b) {
        out.append({a, ' ', b, ' '});
      });
}

// ([\.,])([^0-9]) -> " \1 \2"
std::string split_before_non_digit(const std::string& s) {
  return substitute_pairs(
      s, [](char a, char b) { return is_period_or_comma(a) && !is_digit(b); },
      [](std::string& out, char a, char b) {
        out.append({' ', a, ' ', b});
      });
}

// ([0-9])(-) -> "\1 \2 "
std::string split_dash_after_digit(const std::string& s) {
  return substitute_pairs(
      s, [](char a, char b) { return is_digit(a) && b == '-'; },
      [](std::string& out, char a, char b) {
        out.append({a, ' ', b, ' '});
      });
}

std::string unescape(std::string s) {
  s = replace_all(s, "<skipped>", "");
  s = replace_all(s, "-\n", "");
  s = replace_all(s, "\n", " ");
  s = replace_all(s, "&quot;", "\"");
  s = replace_all(s, "&amp;", "&");
  s = replace_all(s, "&lt;", "<");
  return replace_all(s, "&gt;", ">");
}

std::string join_words(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ' ';
    out.append(w);
  }
  return out;
}

}  // namespace

std::string tokenize_13a(std::string_view line) {
  // The surrounding spaces let the period/comma rules see a neighbour at both ends.
  std::string s = " " + unescape(std::string(line)) + " ";
  s = pad_symbols(s);
  s = split_after_non_digit(s);
  s = split_before_non_digit(s);
  s = split_dash_after_digit(s);
  return join_words(py_split(s));
}

}  // namespace swt::eval
