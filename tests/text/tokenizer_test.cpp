#include "text/tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace swt::text {
namespace {

using Tokens = std::vector<std::string>;

// "￭" + token: the mark for "no space before this token".
std::string j(const std::string& token) { return kJoiner + token; }

class TokenizerTest : public ::testing::Test {
 protected:
  Tokenizer tok;
};

TEST_F(TokenizerTest, SplitsOffPunctuationWithJoiner) {
  EXPECT_EQ(tok.tokenize("Hello, world!"), (Tokens{"Hello", j(","), "world", j("!")}));
  EXPECT_EQ(tok.tokenize_line("Hello, world!"), "Hello ￭, world ￭!");
}

TEST_F(TokenizerTest, EnglishWordsNumbersAndAbbreviations) {
  EXPECT_EQ(tok.tokenize("I don't see U.S. e-mail, pi is 3.14 or 1,000."),
            (Tokens{"I", "don't", "see", "U.S", j("."), "e", j("-"), j("mail"), j(","), "pi", "is",
                    "3.14", "or", "1,000", j(".")}));
}

TEST_F(TokenizerTest, QuotesAndUnicodePunctuation) {
  EXPECT_EQ(tok.tokenize("He said “hi” — then left…"),
            (Tokens{"He", "said", "“", j("hi"), j("”"), "—", "then", "left", j("…")}));
  EXPECT_EQ(tok.tokenize("\"Yes\" (no) [ok]"),
            (Tokens{"\"", j("Yes"), j("\""), "(", j("no"), j(")"), "[", j("ok"), j("]")}));
}

TEST_F(TokenizerTest, SpanishAccentsAndInvertedMarks) {
  EXPECT_EQ(
      tok.tokenize("¿Dónde está el niño? ¡Qué mañana!"),
      (Tokens{"¿", j("Dónde"), "está", "el", "niño", j("?"), "¡", j("Qué"), "mañana", j("!")}));
}

TEST_F(TokenizerTest, FrenchGuillemetsAndElision) {
  EXPECT_EQ(tok.tokenize("« Bonjour », dit-il. C'est l'été."),
            (Tokens{"«", "Bonjour", "»", j(","), "dit", j("-"), j("il"), j("."), "C'est", "l'été",
                    j(".")}));
}

TEST_F(TokenizerTest, CombiningMarksStayInsideWords) {
  const std::string decomposed = "cafe\xCC\x81";  // "café" with U+0301 COMBINING ACUTE
  EXPECT_EQ(tok.tokenize(decomposed + " au lait"), (Tokens{decomposed, "au", "lait"}));
}

TEST_F(TokenizerTest, CyrillicGreekArabic) {
  EXPECT_EQ(tok.tokenize("Привет, мир!"), (Tokens{"Привет", j(","), "мир", j("!")}));
  EXPECT_EQ(tok.tokenize("Καλημέρα κόσμε;"), (Tokens{"Καλημέρα", "κόσμε", j(";")}));
  EXPECT_EQ(tok.tokenize("كيف حالك؟"), (Tokens{"كيف", "حالك", j("؟")}));
}

TEST_F(TokenizerTest, ChineseIsSplitIntoSeveralJoinedWords) {
  const auto tokens = tok.tokenize("我爱北京天安门。");
  EXPECT_EQ(tokens, (Tokens{"我", j("爱"), j("北京"), j("天安门"), j("。")}));
}

TEST_F(TokenizerTest, JapaneseIsSplitIntoSeveralJoinedWords) {
  const auto tokens = tok.tokenize("私は東京に住んでいます。");
  ASSERT_GE(tokens.size(), 5u);
  EXPECT_EQ(tokens[0], "私");
  EXPECT_EQ(tokens[2], j("東京"));
  for (std::size_t i = 1; i < tokens.size(); ++i) EXPECT_EQ(tokens[i].rfind(kJoiner, 0), 0u);
  EXPECT_EQ(tokens.back(), j("。"));
}

TEST_F(TokenizerTest, EmojiSequencesStayWhole) {
  const std::string family = "👨\u200D👩\u200D👧";
  EXPECT_EQ(tok.tokenize("ok 👍🏽 " + family + " 🇫🇷!"),
            (Tokens{"ok", "👍🏽", family, "🇫🇷", j("!")}));
}

TEST_F(TokenizerTest, WhitespaceIsNeverPartOfAToken) {
  const auto tokens = tok.tokenize("  a\tb \u00A0c\u3000d  ");
  EXPECT_EQ(tokens, (Tokens{"a", "b", "c", "d"}));
  EXPECT_EQ(tok.detokenize(tokens), "a b c d");  // whitespace runs collapse to one space
  EXPECT_TRUE(tok.tokenize("").empty());
  EXPECT_TRUE(tok.tokenize("   ").empty());
}

TEST_F(TokenizerTest, JoinerInInputIsItsOwnTokenAndRoundTrips) {
  const std::string in = "a￭b ￭ c ￭￭ d￭";
  EXPECT_EQ(tok.tokenize(in), (Tokens{"a", j("￭"), j("b"), "￭", "c", "￭", j("￭"), "d", j("￭")}));
  EXPECT_EQ(tok.detokenize(tok.tokenize(in)), in);
  EXPECT_EQ(tok.detokenize(tok.tokenize("￭start")), "￭start");
}

TEST_F(TokenizerTest, RoundTripsMixedScripts) {
  const std::vector<std::string> lines = {
      "Hello, world!",
      "I don't know what U.S. means; pi is 3.14 and the e-mail's \"subject\" is 'x'.",
      "¿Dónde está el niño? ¡Qué mañana!",
      "« Bonjour », dit-il. C'est l'été à Noël.",
      "Straße, größer, Übermaß: „Anführungszeichen“ (z.B. 1.000,50 €).",
      "Привет, мир! Как дела?",
      "Γειά σου Κόσμε; Καλημέρα.",
      "مرحبا بالعالم، كيف حالك؟",
      "我爱北京天安门。今天天气很好！",
      "私は東京に住んでいます。カタカナとひらがな。",
      "He said “hi” — then left… 😀👍🏽 👨‍👩‍👧 🇫🇷!",
      "Mix 2024-01-15 at 10:30am, cost $5.99 (approx.) [ok] {x} #tag @user 50% a/b",
      "ภาษาไทยง่ายนิดเดียว",
      "e \xCC\x81 x",
      "...!!?? -- ''",
      "a￭b ￭ c ￭￭ d￭",
  };
  for (const auto& line : lines) {
    EXPECT_EQ(tok.detokenize(tok.tokenize(line)), line);
    EXPECT_EQ(tok.detokenize_line(tok.tokenize_line(line)), line);
    for (const auto& token : tok.tokenize(line)) {
      EXPECT_FALSE(token.empty()) << line;
      EXPECT_EQ(token.find(' '), std::string::npos) << line;
    }
  }
}

TEST_F(TokenizerTest, DetokenizeLineIgnoresExtraSpaces) {
  EXPECT_EQ(tok.detokenize_line("  Hello  ￭,   world ￭! "), "Hello, world!");
  EXPECT_EQ(split_tokens(" a\tb  c "), (Tokens{"a", "b", "c"}));
}

TEST(TokenizerNfkc, NormalisesCompatibilityCharacters) {
  const Tokenizer nfkc(TokenizerOptions{true});
  // Fullwidth letters and digits, the "ﬁ" ligature, and decomposed é become plain forms.
  EXPECT_EQ(nfkc.tokenize("ＡＢＣ １２３ ﬁne cafe\xCC\x81"),
            (Tokens{"ABC", "123", "fine", "café"}));
  EXPECT_EQ(Tokenizer().tokenize("ＡＢＣ"), (Tokens{"ＡＢＣ"}));
}

TEST(TokenizerCopy, CopiesAndMovesWork) {
  const Tokenizer a(TokenizerOptions{true});
  Tokenizer b = a;
  EXPECT_TRUE(b.options().nfkc);
  Tokenizer c = std::move(b);
  EXPECT_EQ(c.tokenize("ﬁ, x"), (Tokens{"fi", j(","), "x"}));
}

TEST(TokenizerThreads, ConcurrentCallsGiveTheSameTokens) {
  const Tokenizer tok;
  const std::string line = "我爱北京天安门。Hello, world! ¿Qué tal?";
  const auto expected = tok.tokenize(line);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i)
        if (tok.tokenize(line) != expected) ++mismatches[t];
    });
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace swt::text
