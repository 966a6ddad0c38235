// ROUGE as rouge-score defines it (rouge_scorer.py, tokenize.py): every expected value
// is worked out by hand in the comments. For counts, F1 = 2PR/(P+R) with P = m/p and
// R = m/t is 2m/(p+t): m matches, p prediction and t target n-grams (or lengths).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eval/rouge.h"
#include "util/error.h"

namespace swt::eval {
namespace {

using Tokens = std::vector<std::string>;

struct F1s {
  double r1, r2, rl;
};

F1s line_f1(const std::string& target, const std::string& prediction, bool stem = false) {
  const Tokens t = rouge_tokenize(target, stem), p = rouge_tokenize(prediction, stem);
  return {rouge_n(t, p, 1).f1, rouge_n(t, p, 2).f1, rouge_l(t, p).f1};
}

void expect_f1(const F1s& got, double r1, double r2, double rl) {
  EXPECT_NEAR(got.r1, r1, 1e-12);
  EXPECT_NEAR(got.r2, r2, 1e-12);
  EXPECT_NEAR(got.rl, rl, 1e-12);
}

TEST(Rouge, TokenizerPunctuationAndCase) {
  // Lower case; each run of characters outside [a-z0-9] is one separator, so the
  // apostrophe splits "cat's" and "wasn't"; digits stay; nothing is empty.
  EXPECT_EQ(rouge_tokenize("The cat's hat, on the MAT!", false),
            (Tokens{"the", "cat", "s", "hat", "on", "the", "mat"}));
  EXPECT_EQ(rouge_tokenize("  It wasn't 1,000--2.5%  ", false),
            (Tokens{"it", "wasn", "t", "1", "000", "2", "5"}));
  EXPECT_TRUE(rouge_tokenize("", false).empty());
  EXPECT_TRUE(rouge_tokenize("!?! ... \t", false).empty());
}

TEST(Rouge, TokenizerAccentsAreSeparators) {
  // é (and É, whose lower case is é) is outside [a-z0-9]: "café" -> "caf",
  // "résumé" -> "r", "sum". Python's lower() maps only two non-ASCII characters into
  // ASCII: U+212A KELVIN SIGN -> "k", and U+0130 (İ) -> "i" + U+0307 (a separator).
  EXPECT_EQ(rouge_tokenize("Café RÉSUMÉ", false), (Tokens{"caf", "r", "sum"}));
  EXPECT_EQ(rouge_tokenize("5\u212A \u0130stanbul", false), (Tokens{"5k", "i", "stanbul"}));
  EXPECT_EQ(rouge_tokenize("niño", false), (Tokens{"ni", "o"}));
}

TEST(Rouge, TokenizerStemsOnlyLongTokens) {
  // Tokens longer than 3 characters are stemmed: "dogs" -> "dog"; "was" (3) is not
  // (the stemmer would give "wa"). The stemmer is NLTK's PorterStemmer(), as in
  // rouge-score: "ties" (4) -> "tie" (the paper's algorithm: "ti"), "always" -> "alway"
  // (the paper: "alwai").
  EXPECT_EQ(rouge_tokenize("Ties tie dogs was running always", true),
            (Tokens{"tie", "tie", "dog", "was", "run", "alway"}));
}

TEST(Rouge, Punctuation) {
  // target: the cat s hat on the mat (7); prediction: the cat sat on the mat (6).
  // ROUGE-1: the min(2,2) + cat + on + mat = 5 -> 2*5/(6+7) = 10/13.
  // ROUGE-2: target the-cat cat-s s-hat hat-on on-the the-mat (6), prediction the-cat
  //   cat-sat sat-on on-the the-mat (5); common the-cat on-the the-mat = 3 -> 6/11.
  // ROUGE-L: LCS "the cat on the mat" = 5 -> 10/13.
  expect_f1(line_f1("The cat's hat, on the mat!", "the cat sat on the mat."), 10.0 / 13, 6.0 / 11,
            10.0 / 13);
}

TEST(Rouge, AccentedLetters) {
  // "café résumé" -> caf r sum; "cafe resume" -> cafe resume: nothing in common.
  expect_f1(line_f1("café résumé", "cafe resume"), 0, 0, 0);
  // "caf r sum" is exactly the target's tokens: all 1.
  expect_f1(line_f1("café résumé", "caf r sum"), 1, 1, 1);
}

TEST(Rouge, EmptyLinesScoreZero) {
  // rouge-score: an empty side has no n-grams, so m = 0 and F1 = 0; LCS on an empty
  // side is 0 by definition. Even two empty lines score 0, not 1.
  expect_f1(line_f1("", "the cat"), 0, 0, 0);
  expect_f1(line_f1("the cat", ""), 0, 0, 0);
  expect_f1(line_f1("", ""), 0, 0, 0);
  expect_f1(line_f1("...", "!!"), 0, 0, 0);  // only punctuation: no tokens
  // A one-word line has no bigram: ROUGE-2 is 0 though the line matches.
  expect_f1(line_f1("Amen.", "amen"), 1, 0, 1);
}

TEST(Rouge, RepeatedWordsAreClipped) {
  // target: the the the cat (4); prediction: the x6.
  // ROUGE-1: min(3, 6) = 3 -> P 3/6, R 3/4, F1 = 2*3/(6+4) = 0.6.
  // ROUGE-2: target the-the x2, the-cat (3); prediction the-the x5; min(2, 5) = 2 ->
  //   2*2/(5+3) = 0.5.
  // ROUGE-L: LCS "the the the" = 3 -> 2*3/(6+4) = 0.6.
  expect_f1(line_f1("the the the cat", "the the the the the the"), 0.6, 0.5, 0.6);
  const RougeScore p = rouge_n(rouge_tokenize("the the the cat", false),
                               rouge_tokenize("the the the the the the", false), 1);
  EXPECT_DOUBLE_EQ(p.precision, 0.5);
  EXPECT_DOUBLE_EQ(p.recall, 0.75);
}

TEST(Rouge, LcsTiesAndOrder) {
  // target a b c d, prediction b a d c: every unigram matches (ROUGE-1 = 1), no bigram
  // does (ab bc cd vs ba ad dc), and the LCS has length 2 whichever of the tied
  // subsequences (a c, a d, b c, b d) is taken: 2*2/(4+4) = 0.5.
  expect_f1(line_f1("a b c d", "b a d c"), 1, 0, 0.5);
  // Order matters for ROUGE-L only: reversed, LCS = 1 -> 2*1/(3+3) = 1/3.
  expect_f1(line_f1("x y z", "z y x"), 1, 0, 1.0 / 3);
  // Different lengths: target a b a (3), prediction a a b a a (5). LCS = 3 (a b a) ->
  // 2*3/8 = 0.75. ROUGE-1: a min(2,4) + b 1 = 3 -> 0.75. ROUGE-2: target ab ba (2),
  // prediction aa ab ba aa (4): ab, ba match -> 2*2/6 = 2/3.
  expect_f1(line_f1("a b a", "a a b a a"), 0.75, 2.0 / 3, 0.75);
}

TEST(Rouge, Stemming) {
  // Without stemming: target the dogs are running quickly, prediction the dog ran
  // quick: only "the" matches -> ROUGE-1 2*1/(4+5) = 2/9.
  // With it: target the dog are run quickli ("are" has 3 letters), prediction the dog
  // ran quick ("dog" 3 letters; "quick" has no suffix): the, dog -> 2*2/9 = 4/9;
  // bigram the-dog -> 2*1/(3+4) = 2/7; LCS the dog -> 4/9.
  expect_f1(line_f1("The dogs are running quickly", "the dog ran quick"), 2.0 / 9, 0, 2.0 / 9);
  expect_f1(line_f1("The dogs are running quickly", "the dog ran quick", true), 4.0 / 9, 2.0 / 7,
            4.0 / 9);
}

TEST(Rouge, CorpusIsTheMeanOfLineF1TimesHundred) {
  // Lines: the punctuation case (10/13, 6/11, 10/13) and an empty prediction (0, 0, 0).
  const RougeResult r = corpus_rouge({"the cat sat on the mat.", ""},
                                     {"The cat's hat, on the mat!", "In the beginning"}, false);
  EXPECT_NEAR(r.rouge1, 100 * (10.0 / 13) / 2, 1e-9);  // 38.46...
  EXPECT_NEAR(r.rouge2, 100 * (6.0 / 11) / 2, 1e-9);   // 27.27...
  EXPECT_NEAR(r.rougeL, 100 * (10.0 / 13) / 2, 1e-9);
  EXPECT_EQ(r.lines(), "ROUGE-1 = 38.46\nROUGE-2 = 27.27\nROUGE-L = 38.46");
  EXPECT_EQ(r.signature(), "ROUGE|f1:mean|tok:rouge-score|stem:no");
  EXPECT_EQ(corpus_rouge({}, {}, true).signature(), "ROUGE|f1:mean|tok:rouge-score|stem:porter");
  EXPECT_EQ(corpus_rouge({}, {}, false).rouge1, 0.0);
  EXPECT_THROW(corpus_rouge({"a"}, {}, false), Error);
}

}  // namespace
}  // namespace swt::eval
