// Tokenizer 13a and the Python string semantics under it. Expected outputs were
// traced by hand through the regexes of sacreBLEU's tokenizer_re.py /
// tokenizer_13a.py (mjpost/sacrebleu) and cross-checked with Python's `re`.
#include <gtest/gtest.h>

#include "eval/py_text.h"
#include "eval/tokenizer_13a.h"

namespace swt::eval {
namespace {

struct Case {
  const char* input;
  const char* expected;
};

class Tokenizer13a : public ::testing::TestWithParam<Case> {};

TEST_P(Tokenizer13a, MatchesSacrebleu) {
  EXPECT_EQ(tokenize_13a(GetParam().input), GetParam().expected) << GetParam().input;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Tokenizer13a,
    ::testing::Values(
        Case{"Hello, world!", "Hello , world !"},
        // Period and comma stay inside numbers; '$' is padded.
        Case{"It costs $3.50, or 3,000 yen.", "It costs $ 3.50 , or 3,000 yen ."},
        Case{"3.14 .5 5. 1,5", "3.14 . 5 5 . 1,5"}, Case{"U.S.A.", "U . S . A ."},
        Case{"x...y", "x . . . y"}, Case{"a,,b", "a , , b"}, Case{"5,.a", "5 , . a"},
        // SGML entities are unescaped one after another, so "&amp;lt;" ends as "<".
        Case{"&quot;Hi&quot; &amp; &lt;b&gt;", "\" Hi \" & < b >"}, Case{"&amp;lt;", "<"},
        Case{"a <skipped> b", "a b"},
        // Dash: split after a digit only; apostrophes are never split.
        Case{"1984-2000 well-known", "1984 - 2000 well-known"}, Case{"9-", "9 -"}, Case{"-9", "-9"},
        Case{"don't", "don't"}, Case{"(a) [b] {c} #1 @x ~", "( a ) [ b ] { c } # 1 @ x ~"},
        // Line breaks: "-\n" joins, "\n" is a space.
        Case{"a-\nb", "ab"}, Case{"a\nb", "a b"},
        // Non-ASCII letters are untouched; Python whitespace includes NBSP and U+3000.
        Case{"l\u2019homme", "l\u2019homme"}, Case{"\u00fc.\u00f6", "\u00fc . \u00f6"},
        Case{"a\u00a0b\u3000c\tz", "a b c z"}, Case{"", ""}, Case{"   ", ""}));

TEST(PyText, SplitUsesPythonWhitespace) {
  const auto words = py_split(" a\u2009b\u200bc\u0085d ");
  // U+2009 THIN SPACE and U+0085 NEL are whitespace for Python; U+200B is not.
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0], "a");
  EXPECT_EQ(words[1], "b\u200bc");
  EXPECT_EQ(words[2], "d");
}

TEST(PyText, RstripAndDecode) {
  EXPECT_EQ(py_rstrip("ab \u3000\t"), "ab");
  EXPECT_EQ(py_rstrip(" \u00a0"), "");
  EXPECT_EQ(decode_utf8("a\u00e9\u20ac\U0001F600"), U"a\u00e9\u20ac\U0001F600");
  // Invalid bytes become one escaped code point each instead of throwing.
  EXPECT_EQ(decode_utf8("\xff"
                        "a")
                .size(),
            2u);
}

}  // namespace
}  // namespace swt::eval
