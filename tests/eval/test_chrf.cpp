// Corpus chrF against the numbers in sacreBLEU's test suite and README
// (mjpost/sacrebleu: test/test_chrf.py, README.md).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eval/chrf.h"
#include "util/error.h"

namespace swt::eval {
namespace {

using Lines = std::vector<std::string>;

struct Case {
  Lines hyps, refs;
  double expected;
};

double chrf_with(const Case& c, const ChrfOptions& options) {
  return corpus_chrf_multi(c.hyps, {c.refs}, options).score;
}

TEST(Chrf, ReadmeExampleDefault) {
  // README.md: CHRF().corpus_score(sys, refs) -> chrF2 = 59.73 (two reference streams).
  const Lines hyps = {"The dog bit the man.", "It wasn't surprising.",
                      "The man had just bitten him."};
  const Lines refs1 = {"The dog bit the man.", "It was not unexpected.", "The man bit him first."};
  const Lines refs2 = {"The dog had bit the man.", "No one was surprised.",
                       "The man had bitten the dog."};
  const ChrfResult r = corpus_chrf_multi(hyps, {refs1, refs2});
  EXPECT_EQ(r.line(), "chrF2 = 59.73");
  EXPECT_NEAR(r.score, 59.73, 0.005);
  EXPECT_EQ(r.signature, "chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1");
}

TEST(Chrf, EffectiveOrderBeta3) {
  // test_chrf.py: test_cases_effective_order (char_order=6, beta=3, eps_smoothing=False).
  const std::vector<Case> cases = {
      {{"a"}, {"a"}, 100.0},       {{""}, {"reference"}, 0.0}, {{"a b c"}, {"a b c"}, 100.0},
      {{"a b c"}, {"abc"}, 100.0}, {{""}, {"c"}, 0.0},         {{"a", "b"}, {"a", "c"}, 50.0},
      {{"aa"}, {"ab"}, 25.0},
  };
  ChrfOptions options;
  options.beta = 3;
  for (const Case& c : cases) EXPECT_NEAR(chrf_with(c, options), c.expected, 1e-4) << c.hyps[0];
}

TEST(Chrf, EpsSmoothingBeta3) {
  // test_chrf.py: test_cases (char_order=6, beta=3, eps_smoothing=True), EPSILON 1e-4.
  const std::vector<Case> cases = {
      {{"abcdefg"}, {"hijklmnop"}, 0.0},
      {{"a"}, {"b"}, 0.0},
      {{""}, {"b"}, 0.0},
      {{""}, {"ref"}, 0.0},
      {{""}, {"reference"}, 0.0},
      {{"aa"}, {"ab"}, 8.3333},
      {{"a", "b"}, {"a", "c"}, 8.3333},
      {{"a"}, {"a"}, 16.6667},
      {{"a b c"}, {"a b c"}, 50.0},
      {{"a b c"}, {"abc"}, 50.0},
      {{" risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       63.361730},
      {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
       {"Das Verh\u00e4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       64.1302698},
      {{"Niemand hat die Absicht, eine Mauer zu errichten"},
       {"Niemand hat die Absicht, eine Mauer zu errichten"},
       100.0},
  };
  ChrfOptions options;
  options.beta = 3;
  options.eps_smoothing = true;
  for (const Case& c : cases) EXPECT_NEAR(chrf_with(c, options), c.expected, 1e-4) << c.hyps[0];
}

TEST(Chrf, KeepWhitespaceBeta3) {
  // test_chrf.py: test_cases_keep_whitespace (beta=3, whitespace kept).
  const std::vector<Case> cases = {
      {{"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
       {"Das Verh\u00e4ltnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       67.3481606},
      {{"risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       65.2414427},
  };
  ChrfOptions options;
  options.beta = 3;
  options.whitespace = true;
  for (const Case& c : cases) EXPECT_NEAR(chrf_with(c, options), c.expected, 1e-4) << c.hyps[0];
}

TEST(Chrf, SentenceLevelCzechCountsCharactersNotBytes) {
  // test_chrf.py: test_sentence_level_chrf (beta=2, eps_smoothing=True). Czech
  // diacritics are two UTF-8 bytes each: byte n-grams would give other numbers.
  const std::vector<Case> cases = {
      {{"Co n\u00e1s nejv\u00edc tr\u00e1p\u00ed, proto\u017ee l\u00e9ka\u0159i si "
        "vyb\u00edraj\u00ed, kdo bude \u017e\u00edt a kdo zem\u0159e."},
       {"Nejv\u00edce smutn\u00ed jsme z toho, \u017ee mus\u00edme rozhodovat o tom, kdo bude "
        "\u017e\u00edt a kdo zem\u0159e."},
       39.14078509},
      {{"Nebo prost\u011b nemaj\u00ed vybaven\u00ed, kter\u00e9 by jim pomohlo, uvedli "
        "l\u00e9ka\u0159i."},
       {"A n\u011bkdy nem\u00e1me ani pot\u0159ebn\u00fd materi\u00e1l, abychom jim pomohli, "
        "popsali l\u00e9ka\u0159i."},
       31.22557079},
      {{"Lapali po dechu, jejich \u017eivoty skon\u010dily d\u0159\u00edv, ne\u017e "
        "skute\u010dn\u011b za\u010daly."},
       {"Lapali po dechu a pak jejich \u017eivot skon\u010dil - d\u0159\u00edv, ne\u017e "
        "skute\u010dn\u011b mohl za\u010d\u00edt, p\u0159ipomn\u011bli."},
       57.15704367},
  };
  ChrfOptions options;
  options.eps_smoothing = true;
  for (const Case& c : cases) EXPECT_NEAR(chrf_with(c, options), c.expected, 1e-4) << c.hyps[0];
}

TEST(Chrf, DefaultsAndSignature) {
  const ChrfResult r = corpus_chrf({"Niemand hat die Absicht"}, {"Niemand hat die Absicht"});
  EXPECT_EQ(r.score, 100.0);
  EXPECT_EQ(r.line(), "chrF2 = 100.00");
  EXPECT_EQ(r.signature, "chrF2|nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.3.1");
}

TEST(Chrf, WhitespaceIsIgnoredByDefault) {
  EXPECT_EQ(corpus_chrf({"a b c"}, {"abc"}).score, 100.0);
  // Python's whitespace: NBSP and ideographic space are removed as well.
  EXPECT_EQ(corpus_chrf({"ab\u00a0c\u3000d"}, {"abcd"}).score, 100.0);
}

TEST(Chrf, EmptyHypothesisLines) {
  EXPECT_EQ(corpus_chrf({"", ""}, {"reference", "other"}).score, 0.0);
  // An empty hypothesis adds reference n-grams only: recall drops, precision stays.
  const double full = corpus_chrf({"abc"}, {"abc"}).score;
  const double with_empty = corpus_chrf({"abc", ""}, {"abc", "abc"}).score;
  EXPECT_EQ(full, 100.0);
  EXPECT_LT(with_empty, full);
  EXPECT_GT(with_empty, 0.0);
}

TEST(Chrf, RejectsMismatchedInput) { EXPECT_THROW(corpus_chrf({"a", "b"}, {"a"}), swt::Error); }

}  // namespace
}  // namespace swt::eval
