#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "data/summaries.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::data {
namespace {

std::vector<VerseRange> ranges(std::string_view text, int chapter, VerseList expect) {
  std::vector<VerseRange> out;
  EXPECT_EQ(parse_verse_list(text, chapter, out), expect) << text;
  return out;
}

TEST(Summaries, VerseLists) {
  using R = std::vector<VerseRange>;
  EXPECT_EQ(ranges("1-12", 6, VerseList::ok), (R{{1, 12}}));
  EXPECT_EQ(ranges("15", 2, VerseList::ok), (R{{15, 15}}));
  EXPECT_EQ(ranges("24-30; 36-43", 13, VerseList::ok), (R{{24, 30}, {36, 43}}));
  EXPECT_EQ(ranges(" Ezek 10:1-7 ", 10, VerseList::ok), (R{{1, 7}}));
  EXPECT_EQ(ranges("Hos. 1:8-11", 1, VerseList::ok), (R{{8, 11}}));
  EXPECT_EQ(ranges("Song 5:1,2", 5, VerseList::ok), (R{{1, 1}, {2, 2}}));
  EXPECT_EQ(ranges("Jr 50:1-3,8-16;", 50, VerseList::ok), (R{{1, 3}, {8, 16}}));
  // Into the next chapter, or naming another one.
  ranges("23-10", 37, VerseList::other_chapter);
  ranges("Ezek 11:1-3", 10, VerseList::other_chapter);
  // Not verse lists: left in the text.
  for (const char* text : {"see ch. 5", "", "0", "1-", "1--2", "a 5", "1 2", "Ezek10:1", "5:"})
    ranges(text, 5, VerseList::invalid);
}

TEST(Summaries, CorrectedConf) {
  const std::string conf = "[MHCC]\nDataPath=./modules/comments/zcom/mhcc/\nModDrv=zCom4\n";
  const std::string fixed = "[MHCC]\nDataPath=./modules/comments/zcom/mhcc/\nModDrv=zCom\n";
  // The sizes of Debian's sword-comm-mhcc 2.0-1 index files (10-byte entries).
  EXPECT_EQ(corrected_sword_conf(conf, {241150, 82460}), fixed);
  // Real zCom4 indexes (multiples of 12) and unknown sizes are left alone.
  EXPECT_EQ(corrected_sword_conf(conf, {289380, 98952}), conf);
  EXPECT_EQ(corrected_sword_conf(conf, {}), conf);
  EXPECT_EQ(corrected_sword_conf(fixed, {241150, 82460}), fixed);
}

struct Expected {
  std::string summary;
  std::vector<VerseRange> ranges;
  bool other_chapter = false;
};

void expect_items(const std::vector<OutlineItem>& items, const std::vector<Expected>& expected) {
  ASSERT_EQ(items.size(), expected.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].summary, expected[i].summary) << i;
    EXPECT_EQ(items[i].ranges, expected[i].ranges) << i;
    EXPECT_EQ(items[i].other_chapter, expected[i].other_chapter) << i;
  }
}

// Snippets from the MHCC module (read with the corrected driver), shortened.
TEST(Summaries, TableOutline) {
  const auto items = parse_chapter_outline(
      "<div sID=\"pv9\"/><title type=\"x-s2\">Chapter 2</title> <div sID=\"gen39\" "
      "type=\"x-p\"/> <div eID=\"gen39\" type=\"x-p\"/> <title type=\"x-IS\">Chapter "
      "Outline</title> <table> <row><cell>The first sabbath.</cell><cell>(1-3)</cell></row> "
      "</table> <div sID=\"gen42\" type=\"x-p\"/> <div eID=\"gen42\" type=\"x-p\"/> <table> "
      "<row><cell>Man is placed in it.</cell><cell>(15)</cell></row> </table> <div "
      "type=\"x-milestone\" eID=\"pv9\"/><hi type=\"bold\">Verses 1-3</hi> After six days (4-7) "
      "God ceased.",
      2);
  expect_items(items, {{"The first sabbath.", {{1, 3}}}, {"Man is placed in it.", {{15, 15}}}});
}

TEST(Summaries, ParagraphOutlines) {
  // Plain-text heading, ranges in their own paragraphs, a range into chapter 38.
  auto items = parse_chapter_outline(
      "<title type=\"x-s2\">Chapter 37</title> <div sID=\"a\" type=\"x-p\"/>Chapter Outline <div "
      "eID=\"a\" type=\"x-p\"/> Joseph's dreams. <div eID=\"b\" type=\"x-p\"/> (1-11) <div "
      "eID=\"c\" type=\"x-p\"/> Joseph &amp; his brethren. (12-22) Joseph sold. (23-10) <hi "
      "type=\"bold\">Verses 1-11</hi>",
      37);
  expect_items(items, {{"Joseph's dreams.", {{1, 11}}},
                       {"Joseph & his brethren.", {{12, 22}}},
                       {"Joseph sold.", {{23, 10}}, true}});
  // References as ranges; a parenthesis that is no verse list stays in the line.
  items = parse_chapter_outline(
      "<title type=\"x-s2\">Chapter 10</title> <div sID=\"g\" type=\"x-p\"/>A vision (of fire). "
      "(<reference osisRef=\"Ezek.10.1-Ezek.10.7\">Ezek 10:1-7</reference>) The glory departs. "
      "(<reference>Ezek 10:8-22</reference>) <div eID=\"g\" type=\"x-p\"/>",
      10);
  expect_items(items, {{"A vision (of fire).", {{1, 7}}}, {"The glory departs.", {{8, 22}}}});
}

TEST(Summaries, WholeChapterLine) {
  // One line, then commentary after "--": the line covers the whole chapter.
  auto items = parse_chapter_outline(
      "<title type=\"x-s2\">Chapter 23</title> <div sID=\"a\" type=\"x-p\"/> <div "
      "eID=\"pv\"/>Confidence in God's grace and care. <div eID=\"a\" type=\"x-p\"/> <div "
      "sID=\"b\" type=\"x-p\"/> --\"The Lord is my shepherd.\" (1) In these words <div eID=\"b\" "
      "type=\"x-p\"/>",
      23);
  expect_items(items, {{"Confidence in God's grace and care.", {}}});
  // Straight into verse headings: no outline. Another chapter's title: none either.
  EXPECT_TRUE(parse_chapter_outline("<title type=\"x-s2\">Chapter 11</title> <div sID=\"a\" "
                                    "type=\"x-p\"/><hi type=\"bold\">Verse 1</hi> <div eID=\"a\" "
                                    "type=\"x-p\"/> However men",
                                    11)
                  .empty());
  EXPECT_TRUE(parse_chapter_outline("<title>Chapter 1</title> x (1-2)", 11).empty());
  // A first paragraph over 40 words is commentary, not a summary line.
  std::string long_paragraph = "<title>Chapter 15</title> <div sID=\"a\" type=\"x-p\"/>";
  for (int i = 0; i < 41; ++i) long_paragraph += "word ";
  EXPECT_TRUE(parse_chapter_outline(long_paragraph + "<div eID=\"a\" type=\"x-p\"/>", 15).empty());
}

TEST(Summaries, AlignSplitsDeduplicatesAndDrops) {
  std::string english;
  for (int c = 1; c <= 30; ++c)
    for (int v = 1; v <= 4; ++v)
      if (!(c == 2 && v == 3))  // Ruth 2:3 is missing
        english += "$$$Ruth " + std::to_string(c) + ":" + std::to_string(v) + "\n<w>v" +
                   std::to_string(c) + "." + std::to_string(v) + "</w>\n";
  std::string commentary;
  for (int c = 1; c <= 30; ++c) {
    const std::string n = std::to_string(c);
    commentary += "$$$Ruth " + n + ":0\n<chapter/>\n$$$Ruth " + n +
                  ":1\n<title type=\"x-s2\">Chapter " + n + "</title> <table><row><cell>First " +
                  n + ".</cell><cell>(1-2)</cell></row></table> Then.\n$$$Ruth " + n +
                  ":3\n(3-4) <hi type=\"bold\">Verses 1-2</hi> text (1)\n";
  }
  // Chapter 1 again (the pair is a duplicate); a range into the next chapter.
  commentary += "$$$Ruth 1:2\n<title>Chapter 1</title> First 1. (1-2) Over. (4-2)\n";
  const auto corpus = align_summaries(commentary, english);
  EXPECT_EQ(corpus.outline_items, 30u * 2 + 2);
  EXPECT_EQ(corpus.out_of_chapter, 1u);
  EXPECT_EQ(corpus.missing_verses, 1u);  // "Then." of Ruth 2 needs 2:3
  EXPECT_EQ(corpus.duplicates, 1u);
  EXPECT_EQ(corpus.chapters_with_outline, 30u);
  const std::size_t total =
      corpus.train.src.size() + corpus.dev.src.size() + corpus.test.src.size();
  EXPECT_EQ(total, 30u * 2 - 1);
  // Chapter-wise split: Ruth 1's lines are where bible_split("Ruth 1") says.
  const auto& lines = bible_split("Ruth 1") == Split::train ? corpus.train
                      : bible_split("Ruth 1") == Split::dev ? corpus.dev
                                                            : corpus.test;
  ASSERT_GE(lines.src.size(), 2u);
  EXPECT_EQ(lines.src[0], "v1.1 v1.2");
  EXPECT_EQ(lines.tgt[0], "First 1.");
  EXPECT_EQ(lines.src[1], "v1.3 v1.4");
  EXPECT_EQ(lines.tgt[1], "Then.");
  for (const auto* split : {&corpus.train, &corpus.dev, &corpus.test})
    for (const auto& line : split->src) EXPECT_EQ(line.find('<'), std::string::npos) << line;
}

TEST(Summaries, EndToEndFromSwordModules) {
  if (!std::filesystem::exists("/usr/share/sword/mods.d/mhcc.conf") ||
      !std::filesystem::exists("/usr/share/sword/mods.d/engKJV2006eb.conf") ||
      !std::filesystem::exists("/usr/bin/mod2imp"))
    GTEST_SKIP() << "needs libsword-utils, sword-comm-mhcc, sword-text-kjv";
  const auto dir =
      std::filesystem::temp_directory_path() / ("swt_summaries_test_" + std::to_string(::getpid()));
  const auto corpus = build_summary_corpus(dir.string(), "kjv");
  std::vector<std::string> src, tgt;
  read_parallel((dir / "train.src").string(), (dir / "train.tgt").string(), src, tgt);
  EXPECT_EQ(src.size(), corpus.train.src.size());
  std::filesystem::remove_all(dir);
  const std::size_t total = src.size() + corpus.dev.src.size() + corpus.test.src.size();
  EXPECT_GT(total, 3000u);
  EXPECT_GT(corpus.chapters_with_outline, 1000u);
  EXPECT_GT(corpus.test.src.size(), 50u);
  ASSERT_EQ(bible_split("Genesis 1"), Split::train);
  EXPECT_EQ(tgt[0], "God creates heaven and earth.");
  EXPECT_EQ(src[0],
            "In the beginning God created the heaven and the earth. And the earth was without "
            "form, and void; and darkness was upon the face of the deep. And the Spirit of God "
            "moved upon the face of the waters.");
  for (const auto& line : tgt) {
    ASSERT_EQ(line.find_first_of("<>()"), std::string::npos) << line;
    ASSERT_FALSE(line.empty());
  }
}

}  // namespace
}  // namespace swt::data
