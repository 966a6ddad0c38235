// Passage summarisation pairs: the English text of a verse range -> the line that
// Matthew Henry's Concise Commentary (SWORD module MHCC, Debian sword-comm-mhcc)
// gives that range in its chapter outline. See docs/data.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/bible_data.h"

namespace swt::data {

SwordModule commentary_module();  // {"MHCC", "sword-comm-mhcc"}

// A verse range of one chapter, both ends included.
struct VerseRange {
  int first = 0, last = 0;
  bool operator==(const VerseRange& o) const { return first == o.first && last == o.last; }
};

// One outline line of a chapter. `ranges` empty means the whole chapter.
struct OutlineItem {
  std::vector<VerseRange> ranges;
  std::string summary;
  bool other_chapter = false;  // the range names another chapter ("(Ezek 11:1-3)" in Ezek 10)
};

enum class VerseList { ok, other_chapter, invalid };

// Parses a verse list as the outlines print it, in chapter `chapter`:
// "1-12", "15", "24-30; 36-43", "Ezek 10:1-7", "Hos. 1:8-11", "Song 5:1,2". A book
// name may lead when the first item has a "C:" prefix; a trailing ',' or ';' is allowed.
// Returns other_chapter when a "C:" prefix names another chapter or a range runs into
// the next chapter ("23-10": last < first), invalid (`out` unspecified) for anything
// else or a verse 0.
VerseList parse_verse_list(std::string_view text, int chapter, std::vector<VerseRange>& out);

// The outline of one chapter of the MHCC commentary, from the OSIS markup of the
// chapter's entries (verses in order, joined by newlines), chapter number `chapter`.
// The outline follows the title "Chapter N" and ends at the first bold "Verses ..."
// heading or the first "--" (the commentary of a chapter without verse headings).
// Three layouts occur: table rows (<cell>text</cell><cell>(1-2)</cell>), paragraphs
// ("text (1-8) text (9-13)", the ranges sometimes references: "(Dn 1:1-7)"), and one
// line for the whole chapter with no range (its first paragraph; kept only when it is
// at most 40 words, as longer ones run into the commentary). Markup is removed.
std::vector<OutlineItem> parse_chapter_outline(std::string_view markup, int chapter);

// Debian's sword-comm-mhcc 2.0-1 declares ModDrv=zCom4 (12-byte index entries) but
// ships zCom files (10-byte entries; the index sizes are multiples of 10, not of 12),
// so libsword reads garbage (every fifth verse slot, entries tens of kilobytes long).
// Returns the .conf text with ModDrv=zCom when `index_sizes` (bytes of ot.bzv, nt.bzv)
// show that, else the text unchanged.
std::string corrected_sword_conf(std::string_view conf,
                                 const std::vector<std::uintmax_t>& index_sizes);

// Longer "summaries" are commentary that a layout quirk let through.
constexpr std::size_t kMaxSummaryWords = 60;

struct SummaryCorpus {
  ParallelLines train, dev, test;
  std::size_t chapters_with_outline = 0;  // chapters whose outline gave at least one line
  std::size_t outline_items = 0;          // outline lines found
  std::size_t out_of_chapter = 0;         // items whose range names another chapter
  std::size_t missing_verses = 0;         // items with a verse missing or empty in English
  std::size_t too_long = 0;               // summaries over kMaxSummaryWords words
  std::size_t duplicates = 0;             // (passage, summary) pairs seen before
};

// Builds the pairs from IMP dumps of MHCC and an English Bible: the passage is the
// plain text of the range's verses joined by spaces (all verses of the chapter for a
// whole-chapter line; a list of ranges in order). Split by chapter: bible_split of the
// chapter key ("Genesis 1"), the rule of `swt data bible`. Exact duplicate pairs are
// dropped (the first is kept).
SummaryCorpus align_summaries(std::string_view commentary_imp, std::string_view english_imp);

// Dumps MHCC (with a corrected .conf when needed) and the English module, aligns them
// and writes DIR/{train,dev,test}.{src,tgt}.
SummaryCorpus build_summary_corpus(const std::string& out_dir, const std::string& english);

}  // namespace swt::data
