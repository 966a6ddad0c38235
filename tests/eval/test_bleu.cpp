// Corpus BLEU against the numbers in sacreBLEU's own test suite and README
// (mjpost/sacrebleu: test/test_bleu.py, test/test_sentence_bleu.py, README.md).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "eval/bleu.h"
#include "util/error.h"

namespace swt::eval {
namespace {

using Lines = std::vector<std::string>;

// The README example shared by test_bleu.py: two reference streams.
const Lines kHyps = {"The dog bit the man.", "It wasn't surprising.",
                     "The man had just bitten him."};
const Lines kRefs1 = {"The dog bit the man.", "It was not unexpected.", "The man bit him first."};
const Lines kRefs2 = {"The dog had bit the man.", "No one was surprised.",
                      "The man had bitten the dog."};

TEST(Bleu, ReadmeExampleDefault13a) {
  // test_bleu.py: test_corpus_bleu_cases (default and tokenize='13a'): 48.530827.
  const BleuResult r = corpus_bleu_multi(kHyps, {kRefs1, kRefs2});
  EXPECT_NEAR(r.score, 48.530827, 1e-6);
  // README.md: the full score line and signature (version aside).
  EXPECT_EQ(
      r.line(),
      "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");
  EXPECT_EQ(r.signature, "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1");
}

TEST(Bleu, ReadmeExampleTokenizeNone) {
  // test_bleu.py: {'tokenize': 'none'} -> 49.1919566.
  const BleuResult r = corpus_bleu_multi(kHyps, {kRefs1, kRefs2}, BleuTokenize::kNone);
  EXPECT_NEAR(r.score, 49.1919566, 1e-6);
  EXPECT_EQ(r.signature, "BLEU|nrefs:2|case:mixed|eff:no|tok:none|smooth:exp|version:2.3.1");
}

TEST(Bleu, EmptyHypothesesAreKeptAndScoreZero) {
  // test_bleu.py: (('', '', ''), _refs, {}, 0.0).
  const BleuResult r = corpus_bleu_multi({"", "", ""}, {kRefs1, kRefs2});
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(r.hyp_len, 0);
  EXPECT_EQ(r.ref_len, 17);  // closest reference to length 0: the shortest one
  EXPECT_EQ(r.bp, 0.0);
}

TEST(Bleu, VariableNumberOfReferences) {
  // README.md "Variable Number of References": the first reference of the first
  // segment removed -> BLEU = 29.44 ..., nrefs:var.
  Lines refs1 = kRefs1;
  refs1[0] = "";
  const BleuResult r = corpus_bleu_multi(kHyps, {refs1, kRefs2});
  EXPECT_EQ(
      r.line(),
      "BLEU = 29.44 82.4/42.9/27.3/12.5 (BP = 0.889 ratio = 0.895 hyp_len = 17 ref_len = 19)");
  EXPECT_EQ(r.signature, "BLEU|nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1");
}

TEST(Bleu, NgramStatistics) {
  // test_bleu.py: test_case_statistics -> counts [4, 2, 1, 0], totals [6, 5, 4, 3].
  const BleuResult r =
      corpus_bleu({"am I am a character sequence"}, {"I am a symbol string sequence a a"});
  EXPECT_EQ(r.counts, (std::array<std::int64_t, 4>{4, 2, 1, 0}));
  EXPECT_EQ(r.totals, (std::array<std::int64_t, 4>{6, 5, 4, 3}));
  // The 4-gram order has no match: 'exp' smoothing gives it 1/2 match of 3.
  EXPECT_NEAR(r.precisions[3], 100.0 / 6.0, 1e-12);
  const double geo =
      std::exp((std::log(4.0 / 6) + std::log(2.0 / 5) + std::log(1.0 / 4) + std::log(1.0 / 6)) / 4);
  EXPECT_NEAR(r.score, 100 * std::exp(1.0 - 8.0 / 6.0) * geo, 1e-9);
}

TEST(Bleu, ScoreFromStatistics) {
  // test_bleu.py: test_case_scoring: counts [9,7,5,3], totals [10,8,6,4], 11/11 -> 0.8375922397.
  BleuStats stats;
  stats.correct = {9, 7, 5, 3};
  stats.total = {10, 8, 6, 4};
  stats.hyp_len = stats.ref_len = 11;
  EXPECT_NEAR(compute_bleu(stats).score, 83.75922397, 1e-7);
}

TEST(Bleu, SentenceWithZeroMatchOrdersExpSmoothing) {
  // test_sentence_bleu.py (issue #98): exp smoothing, effective order, 13a -> 8.493,
  // tokenize none -> 7.347. Some n-gram orders have no match here.
  const Lines ref = {"produc\u0163ia de zah\u0103r brut se exprim\u0103 \u00een zah\u0103r alb;"};
  const Lines hyp = {
      "Produc\u021bia de zah\u0103r prim\u0103 va fi exprimat\u0103 \u00een ceea ce "
      "prive\u0219te zah\u0103rul alb;"};
  const BleuResult tok13a = corpus_bleu_multi(hyp, {ref}, BleuTokenize::k13a, true);
  EXPECT_NEAR(tok13a.score, 8.493, 1e-3);
  EXPECT_EQ(tok13a.counts[3], 0);
  EXPECT_NEAR(corpus_bleu_multi(hyp, {ref}, BleuTokenize::kNone, true).score, 7.347, 1e-3);
}

TEST(Bleu, NoMatchAtAllIsZero) {
  // test_sentence_bleu.py (issue #141): "this is a cat" vs "okay thanks" -> 0.0.
  EXPECT_EQ(corpus_bleu_multi({"this is a cat"}, {{"okay thanks"}}, BleuTokenize::k13a, true).score,
            0.0);
  const BleuResult r = corpus_bleu({"this is a cat"}, {"okay thanks"});
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(r.line(),
            "BLEU = 0.00 0.0/0.0/0.0/0.0 (BP = 1.000 ratio = 2.000 hyp_len = 4 ref_len = 2)");
}

TEST(Bleu, PerfectMatchIs100) {
  // test_bleu.py: test_raw_bleu_cases ("this is a test" vs itself -> 1.0 * 100).
  EXPECT_NEAR(corpus_bleu({"this is a test"}, {"this is a test"}).score, 100.0, 1e-9);
  const BleuResult r = corpus_bleu(kHyps, kHyps);
  EXPECT_EQ(r.line(),
            "BLEU = 100.00 100.0/100.0/100.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 17 "
            "ref_len = 17)");
  EXPECT_EQ(r.signature, "BLEU|nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.3.1");
}

TEST(Bleu, TokenizeNoneEqualsMultiBleuWhenEveryOrderMatches) {
  // multi-bleu.perl: BP * exp(mean log(correct/total)), whitespace tokens.
  const Lines hyps = {"the cat sat on the mat .", "a b c d e"};
  const Lines refs = {"the cat sat on a mat .", "a b c d e f"};
  const BleuResult r = corpus_bleu(hyps, refs, BleuTokenize::kNone);
  // Unigrams 6/7 + 5/5, bigrams 4/6 + 4/4, trigrams 2/5 + 3/3, 4-grams 1/4 + 2/2.
  const double logs =
      std::log(11.0 / 12) + std::log(8.0 / 10) + std::log(5.0 / 8) + std::log(3.0 / 6);
  EXPECT_NEAR(r.score, 100 * std::exp(1.0 - 13.0 / 12.0) * std::exp(logs / 4), 1e-9);
}

TEST(Bleu, TokenizeNoneKeepsPunctuationAttached) {
  const BleuResult r = corpus_bleu({"Hello, world!"}, {"Hello , world !"}, BleuTokenize::kNone);
  EXPECT_EQ(r.hyp_len, 2);
  EXPECT_EQ(r.ref_len, 4);
  EXPECT_NEAR(corpus_bleu({"Hello, world!"}, {"Hello , world !"}).score, 100.0, 1e-9);
}

TEST(Bleu, EmptyReferenceLineScoresAsEmptyReference) {
  const BleuResult r = corpus_bleu({"a b c d", "x"}, {"a b c d", ""});
  EXPECT_EQ(r.ref_len, 4);
  EXPECT_EQ(r.hyp_len, 5);
  EXPECT_EQ(r.signature.find("nrefs:1|"), 5u);
}

TEST(Bleu, RejectsMismatchedInputAndUnknownTokenizer) {
  EXPECT_THROW(corpus_bleu({"a", "b"}, {"a"}), swt::Error);
  EXPECT_THROW(parse_bleu_tokenize("intl"), swt::Error);
  EXPECT_EQ(parse_bleu_tokenize("none"), BleuTokenize::kNone);
}

TEST(Bleu, EmptyCorpus) {
  const BleuResult r = corpus_bleu({}, {});
  EXPECT_EQ(r.score, 0.0);
  EXPECT_EQ(r.ratio, 0.0);
}

}  // namespace
}  // namespace swt::eval
