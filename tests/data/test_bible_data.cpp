#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "data/bible_data.h"
#include "data/bible_markup.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::data {
namespace {

// Snippets below are copied from real `mod2imp` output of the Debian modules.

TEST(OsisMarkup, StrongsWordsKeepTheirSpaces) {
  EXPECT_EQ(strip_osis_markup(
                "In the <w lemma=\"strong:H7225\">beginning</w> <w lemma=\"strong:H0430\">God</w> "
                "<w lemma=\"strong:H1254\">created</w> the <w lemma=\"strong:H8064\">heaven</w> "
                "<w lemma=\"strong:H0853\">and</w> the <w lemma=\"strong:H0776\">earth</w>."),
            "In the beginning God created the heaven and the earth.");
}

TEST(OsisMarkup, RemovedNoteDoesNotGlueWords) {
  // WEB Genesis 1:1: the note sits between "God" and "created" with no space.
  EXPECT_EQ(strip_osis_markup("<w lemma=\"strong:H0430\">God</w><note placement=\"foot\">"
                              "<reference type=\"annotateRef\">1:1 </reference>The Hebrew word "
                              "rendered “God” is “אֱלֹהִ֑ים” (Elohim).</note><w "
                              "lemma=\"strong:H1254\">created</w> the heavens"),
            "God created the heavens");
}

TEST(OsisMarkup, RemovedMarkupAfterPunctuationLeavesASpace) {
  // WEB: notes and quotation ends right after punctuation.
  EXPECT_EQ(strip_osis_markup("<w>conceived</w>,<note placement=\"foot\">Or, x</note><w>and</w>"),
            "conceived, and");
  EXPECT_EQ(strip_osis_markup("<w>righteousness</w>.”</q><w>Then</w>"), "righteousness.” Then");
  EXPECT_EQ(strip_osis_markup("and said,<note>n</note>“A forest"), "and said, “A forest");
  EXPECT_EQ(strip_osis_markup("brimstone<note>n</note>. (<l/>save ¿<lb/>no"),
            "brimstone. (save ¿no");
}

TEST(OsisMarkup, FootnotesAreDropped) {
  EXPECT_EQ(strip_osis_markup("from the <w lemma=\"strong:H2822\">darkness</w>.<note "
                              "placement=\"foot\"><reference type=\"annotateRef\">1.4 </reference>"
                              "the light from…: Heb. between the light</note>  <div eID=\"gen4\" "
                              "type=\"x-p\"/>"),
            "from the darkness.");
}

TEST(OsisMarkup, TransChangeAndDivineNameKeepTheirWords) {
  EXPECT_EQ(strip_osis_markup("<w lemma=\"strong:H3588\">that</w> <transChange "
                              "type=\"added\">it was</transChange> <w "
                              "lemma=\"strong:H2896\">good</w> in the <divineName><w "
                              "lemma=\"strong:H3068\">LORD</w></divineName>'s house"),
            "that it was good in the LORD's house");
}

TEST(OsisMarkup, AdjacentElementsAreSeparateWords) {
  // Reina-Valera: <w> and <transChange> elements touch without a space.
  EXPECT_EQ(strip_osis_markup("<w lemma=\"strong:H8033\">hay allí</w><transChange "
                              "type=\"added\">también</transChange><w "
                              "lemma=\"strong:H0916\">bdelio</w>"),
            "hay allí también bdelio");
}

TEST(OsisMarkup, SingleTagInsideAWordJoins) {
  // KJV tags part of a word; Reina-Valera marks an added enclitic pronoun.
  EXPECT_EQ(strip_osis_markup("<w lemma=\"strong:G4369\">shall more be give</w>n."),
            "shall more be given.");
  EXPECT_EQ(strip_osis_markup("y repartiéron<transChange type=\"added\">lo</transChange> <w "
                              "lemma=\"strong:H5921\">entre</w>"),
            "y repartiéronlo entre");
}

TEST(OsisMarkup, MilestonesAndPreverseHeadings) {
  EXPECT_EQ(strip_osis_markup("<div type=\"x-milestone\" subType=\"x-preverse\" sID=\"pv1\"/><div "
                              "sID=\"gen4\" type=\"x-p\"/> <div type=\"x-milestone\" "
                              "subType=\"x-preverse\" eID=\"pv1\"/>And <w "
                              "lemma=\"strong:H0430\">God</w> said<lb type=\"x-p\"/>Let"),
            "And God said Let");
}

TEST(OsisMarkup, HeadingsDroppedCanonicalPsalmTitlesKept) {
  EXPECT_EQ(strip_osis_markup("<title><foreign>ב BETH.</foreign></title> <lg sID=\"g1\"/> "
                              "Wherewithal shall a young man"),
            "Wherewithal shall a young man");
  EXPECT_EQ(strip_osis_markup("<title canonical=\"true\" type=\"psalm\">A <w>Psalm</w> of "
                              "David.</title><l level=\"1\" sID=\"g2\"/><divineName><w>LORD</w>"
                              "</divineName>, how"),
            "A Psalm of David. LORD, how");
  EXPECT_EQ(strip_osis_markup("<speaker>Beloved</speaker>Let him kiss me"), "Let him kiss me");
}

TEST(OsisMarkup, PilcrowsQuotesEntitiesWhitespace) {
  EXPECT_EQ(strip_osis_markup("¶ And <q marker=\"\" who=\"Jesus\">Verily &amp; truly</q>\n  I "
                              "say &lt;x&gt; &#233;&#xE9;"),
            "And Verily & truly I say <x> éé");
  EXPECT_EQ(decode_entities("a &bogus; &#xZZ; & b"), "a &bogus; &#xZZ; & b");
}

TEST(OsisMarkup, SubscriptionsKeptGlossaryDropped) {
  EXPECT_EQ(strip_osis_markup("<w>Grace</w> be with you all. Amen. <title>Written to the Hebrews "
                              "from Italy by Timothy.</title>"),
            "Grace be with you all. Amen. Written to the Hebrews from Italy by Timothy.");
  EXPECT_EQ(strip_osis_markup("saints. Amen. <chapter eID=\"Rev.22\"/> <div canonical=\"true\" "
                              "eID=\"gen1\" osisID=\"Rev\" type=\"book\"/> <div "
                              "type=\"glossary\"/> The following words"),
            "saints. Amen.");
}

TEST(OsisMarkup, NestedDroppedElements) {
  EXPECT_EQ(strip_osis_markup("a<note>x<note>y</note>z</note>b"), "a b");
  EXPECT_EQ(strip_osis_markup("<note/>word"), "word");
}

TEST(OsisMarkup, InitialCapitals) {
  EXPECT_EQ(normalize_initial_capitals("EN el principio"), "En el principio");
  EXPECT_EQ(normalize_initial_capitals("¡OH Jehová, cuánto"), "¡Oh Jehová, cuánto");
  EXPECT_EQ(normalize_initial_capitals("ACONTECIÓ en los días"), "Aconteció en los días");
  EXPECT_EQ(normalize_initial_capitals("DE SIETE años era Joas"), "De siete años era Joas");
  EXPECT_EQ(normalize_initial_capitals("Y dijo Dios"), "Y dijo Dios");
  EXPECT_EQ(normalize_initial_capitals("Y JEHOVÁ dijo"), "Y JEHOVÁ dijo");
  EXPECT_EQ(normalize_initial_capitals("JEHOVÁ JUSTICIA NUESTRA"), "JEHOVÁ JUSTICIA NUESTRA");
  EXPECT_EQ(normalize_initial_capitals("LORD"), "LORD");
}

TEST(BibleData, ParseImpKeepsOnlyVerses) {
  const auto entries = parse_imp(
      "$$$[ Module Heading ]\n\n$$$Genesis 0:0\n<div/>\n$$$Genesis 1:0\n<chapter/>\n"
      "$$$Genesis 1:1\nIn the beginning\n$$$I Samuel 2:10\nline one\nline two\n");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].key, "Genesis 1:1");
  EXPECT_EQ(entries[0].markup, "In the beginning");
  EXPECT_EQ(entries[1].key, "I Samuel 2:10");
  EXPECT_EQ(entries[1].markup, "line one\nline two");
}

TEST(BibleData, AlignDropsIncompleteVersesAndTheirChapters) {
  // Ruth 1:3 is empty in Spanish (a trailing gap): Ruth 1 and Ruth 2 are suspect.
  // Jonah 1:2 is missing in English: Jonah 1 is suspect, Jonah 2 is not.
  const auto corpus = align_bible(
      "$$$Ruth 1:1\nY\n$$$Ruth 1:2\nY\n$$$Ruth 1:3\n<note>x</note>\n$$$Ruth 2:1\nY\n"
      "$$$Ruth 3:1\nEN uno\n$$$Jonah 1:1\nY\n$$$Jonah 1:2\nY\n$$$Jonah 1:3\nY\n$$$Jonah 2:1\nY\n",
      "$$$Ruth 1:1\nA\n$$$Ruth 1:2\nA\n$$$Ruth 1:3\nA\n$$$Ruth 2:1\nA\n$$$Ruth 3:1\nOne\n"
      "$$$Jonah 1:1\nA\n$$$Jonah 1:3\nA\n$$$Jonah 2:1\nA\n");
  EXPECT_EQ(corpus.spanish_verses, 9u);
  EXPECT_EQ(corpus.dropped, 2u);
  EXPECT_EQ(corpus.misaligned_chapters, 3u);
  EXPECT_EQ(corpus.dropped_with_chapter, 5u);
  std::vector<std::string> src;
  for (const auto* split : {&corpus.train, &corpus.dev, &corpus.test})
    src.insert(src.end(), split->src.begin(), split->src.end());
  EXPECT_EQ(src.size(), 2u);
  EXPECT_NE(std::find(src.begin(), src.end(), "En uno"), src.end());
  EXPECT_EQ(chapter_of("I Samuel 2:10"), "I Samuel 2");
  EXPECT_EQ(book_of("I Samuel 2:10"), "I Samuel");
}

TEST(BibleData, LengthOutliers) {
  const std::string short_es = "Y Josaphat hizo paz con el rey de Israel.";
  const std::string long_en(200, 'x');
  EXPECT_TRUE(length_outlier({"Ruth 1:1", short_es, long_en}));
  EXPECT_TRUE(length_outlier({"Ruth 1:1", long_en, short_es}));
  EXPECT_FALSE(length_outlier({"Ruth 1:1", "No hurtarás.", "Neither shalt thou steal."}));
  // Two outliers condemn the chapter; one is dropped alone.
  std::vector<AlignedVerse> verses{{"Ruth 1:1", short_es, long_en},
                                   {"Ruth 1:2", "a", "b"},
                                   {"Ruth 2:1", short_es, long_en},
                                   {"Ruth 2:2", short_es, long_en}};
  EXPECT_EQ(misaligned_chapters(verses), (std::set<std::string>{"Ruth 2"}));
}

TEST(BibleData, SplitRuleIsFixed) {
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  std::size_t counts[3] = {0, 0, 0};
  for (int c = 1; c <= 50; ++c)
    for (int v = 1; v <= 40; ++v)
      ++counts[static_cast<int>(
          bible_split("Genesis " + std::to_string(c) + ":" + std::to_string(v)))];
  EXPECT_NEAR(counts[0] / 2000.0, 0.94, 0.02);
  EXPECT_NEAR(counts[1] / 2000.0, 0.03, 0.015);
  EXPECT_NEAR(counts[2] / 2000.0, 0.03, 0.015);
  EXPECT_THROW(english_module("asv"), Error);
}

// A Spanish and an English IMP dump of `chapters` chapters of Ruth with `verses`
// verses each; verse text "es C:V" / "en C:V". Ruth 3:2 is missing in English.
std::pair<std::string, std::string> fixture_imps(int chapters, int verses) {
  std::string es, en;
  for (int c = 1; c <= chapters; ++c)
    for (int v = 1; v <= verses; ++v) {
      const std::string ref = std::to_string(c) + ":" + std::to_string(v);
      es += "$$$Ruth " + ref + "\nes " + ref + "\n";
      if (ref != "3:2") en += "$$$Ruth " + ref + "\nen " + ref + "\n";
    }
  // A second book: runs of verses never cross a book boundary.
  es += "$$$Jonah 1:1\nes J\n";
  en += "$$$Jonah 1:1\nen J\n";
  return {es, en};
}

TEST(BibleData, ChapterUnitJoinsVersesAndSplitsByChapter) {
  const auto [es, en] = fixture_imps(40, 3);
  BibleOptions options;
  options.unit = BibleUnit::chapter;
  const auto corpus = align_bible(es, en, options);
  // Ruth 3 (a missing verse) and Ruth 4 are not (3:2 is not the last verse): 40 - 1
  // Ruth chapters + Jonah 1.
  EXPECT_EQ(corpus.chapters, 40u);
  EXPECT_EQ(corpus.train.src.size() + corpus.dev.src.size() + corpus.test.src.size(), 40u);
  std::size_t seen[3] = {0, 0, 0};
  for (int c = 1; c <= 40; ++c) {
    if (c == 3) continue;
    const std::string key = "Ruth " + std::to_string(c);
    const auto split = bible_split(key);
    const auto& lines = split == Split::train ? corpus.train
                        : split == Split::dev ? corpus.dev
                                              : corpus.test;
    const std::string n = std::to_string(c);
    const std::string src = "es " + n + ":1 es " + n + ":2 es " + n + ":3";
    ASSERT_LT(seen[static_cast<int>(split)], lines.src.size()) << key;
    EXPECT_EQ(lines.src[seen[static_cast<int>(split)]], src);
    EXPECT_EQ(lines.tgt[seen[static_cast<int>(split)]],
              "en " + n + ":1 en " + n + ":2 en " + n + ":3");
    ++seen[static_cast<int>(split)];
  }
  // The fixture has chapters in dev or test under the rule, so the check above bites.
  EXPECT_GT(seen[1] + seen[2], 0u);
  EXPECT_EQ(parse_bible_unit("window"), BibleUnit::window);
  EXPECT_THROW(parse_bible_unit("book"), Error);
}

TEST(BibleData, WindowsComeFromTrainingChaptersOnly) {
  const auto [es, en] = fixture_imps(60, 20);
  BibleOptions options;
  options.unit = BibleUnit::window;
  options.max_window = 7;
  options.passes = 3;
  const auto corpus = align_bible(es, en, options);
  // The expected training verses, in order, per pass.
  std::vector<std::string> train_src;
  for (int c = 1; c <= 60; ++c) {
    if (c == 3 || bible_split("Ruth " + std::to_string(c)) != Split::train) continue;
    for (int v = 1; v <= 20; ++v)
      train_src.push_back("es " + std::to_string(c) + ":" + std::to_string(v));
  }
  if (bible_split("Jonah 1") == Split::train) train_src.push_back("es J");
  std::vector<std::string> joined;  // verses of all windows, in order
  std::size_t lengths[8] = {};
  for (std::size_t i = 0; i < corpus.train.src.size(); ++i) {
    const auto& line = corpus.train.src[i];
    std::vector<std::string> parts;
    for (std::size_t at = 0; at < line.size();) {
      // Each verse is "es C:V" (two words) or "es J".
      std::size_t next = line.find(" es ", at);
      if (next == std::string::npos) next = line.size();
      parts.push_back(line.substr(at, next - at));
      at = next == line.size() ? next : next + 1;
    }
    ASSERT_GE(parts.size(), 1u);
    ASSERT_LE(parts.size(), 7u) << line;
    ++lengths[parts.size()];
    // A window never spans two books.
    EXPECT_FALSE(line.find("es J") != std::string::npos && parts.size() > 1) << line;
    joined.insert(joined.end(), parts.begin(), parts.end());
    std::string tgt = line;
    for (std::size_t at = 0; (at = tgt.find("es ", at)) != std::string::npos; at += 3)
      if (at == 0 || tgt[at - 1] == ' ') tgt.replace(at, 3, "en ");
    EXPECT_EQ(corpus.train.tgt[i], tgt);
  }
  // Every pass covers each training verse once, in order.
  ASSERT_EQ(joined.size(), 3 * train_src.size());
  for (std::size_t i = 0; i < joined.size(); ++i)
    ASSERT_EQ(joined[i], train_src[i % train_src.size()]) << i;
  // Lengths are spread over 1..7 (only cuts at a run's end are shorter than drawn).
  for (int n = 1; n <= 7; ++n) EXPECT_GT(lengths[n], 0u) << n;
  // Dev and test are whole chapters, as with --unit chapter.
  BibleOptions chapters;
  chapters.unit = BibleUnit::chapter;
  const auto by_chapter = align_bible(es, en, chapters);
  EXPECT_EQ(corpus.dev.src, by_chapter.dev.src);
  EXPECT_EQ(corpus.test.tgt, by_chapter.test.tgt);
  // Deterministic for a seed; another seed cuts differently.
  EXPECT_EQ(align_bible(es, en, options).train.src, corpus.train.src);
  options.seed = 2;
  EXPECT_NE(align_bible(es, en, options).train.src, corpus.train.src);
}

bool modules_installed() {
  return std::filesystem::exists("/usr/bin/mod2imp") &&
         std::filesystem::exists("/usr/share/sword/mods.d/spaRV1909eb.conf") &&
         std::filesystem::exists("/usr/share/sword/mods.d/engKJV2006eb.conf");
}

TEST(BibleData, EndToEndFromSwordModules) {
  if (!modules_installed()) GTEST_SKIP() << "needs libsword-utils, sword-text-sparv, -kjv";
  const auto dir =
      std::filesystem::temp_directory_path() / ("swt_bible_test_" + std::to_string(::getpid()));
  const auto corpus = build_bible_corpus(dir.string(), "kjv");
  std::size_t total = 0;
  for (const char* split : {"train", "dev", "test"}) {
    std::vector<std::string> src, tgt;
    read_parallel((dir / (std::string(split) + ".src")).string(),
                  (dir / (std::string(split) + ".tgt")).string(), src, tgt);
    total += src.size();
    for (const auto& lines : {src, tgt})
      for (const auto& line : lines) {
        ASSERT_EQ(line.find_first_of("<>"), std::string::npos) << line;
        ASSERT_FALSE(line.empty());
      }
  }
  EXPECT_GT(total, 30000u);
  EXPECT_EQ(total + corpus.dropped + corpus.dropped_with_chapter + corpus.length_outliers,
            corpus.spanish_verses);
  // Genesis 1:1 lands in train under the split rule.
  ASSERT_EQ(bible_split("Genesis 1:1"), Split::train);
  EXPECT_EQ(corpus.train.tgt.front(), "In the beginning God created the heaven and the earth.");
  EXPECT_EQ(corpus.train.src.front(), "En el principio crió Dios los cielos y la tierra.");
  std::filesystem::remove_all(dir);
}

TEST(BibleData, ChaptersAndWindowsFromSwordModules) {
  if (!modules_installed()) GTEST_SKIP() << "needs libsword-utils, sword-text-sparv, -kjv";
  const std::string es = dump_sword_module(spanish_module());
  const std::string en = dump_sword_module(english_module("kjv"));
  BibleOptions options;
  options.unit = BibleUnit::chapter;
  const auto chapters = align_bible(es, en, options);
  EXPECT_GT(chapters.chapters, 1100u);
  EXPECT_EQ(chapters.train.src.size() + chapters.dev.src.size() + chapters.test.src.size(),
            chapters.chapters);
  ASSERT_EQ(bible_split("Genesis 1"), Split::train);
  EXPECT_EQ(chapters.train.src.front().rfind("En el principio crió Dios", 0), 0u);
  EXPECT_NE(chapters.train.tgt.front().find("the evening and the morning were the sixth day."),
            std::string::npos);
  options.unit = BibleUnit::window;
  const auto windows = align_bible(es, en, options);
  EXPECT_EQ(windows.test.tgt, chapters.test.tgt);
  std::size_t words = 0;
  for (const auto& line : windows.train.src) words += std::count(line.begin(), line.end(), ' ') + 1;
  std::size_t train_chapter_words = 0;
  for (const auto& line : chapters.train.src)
    train_chapter_words += std::count(line.begin(), line.end(), ' ') + 1;
  // One pass: the windows hold exactly the training chapters' text.
  EXPECT_EQ(words, train_chapter_words);
}

}  // namespace
}  // namespace swt::data
