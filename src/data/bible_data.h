// The Spanish->English verse-aligned Bible corpus, built from the Debian SWORD
// modules with `mod2imp` (libsword-utils). See docs/data.md for the split rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "data/toy_data.h"

namespace swt::data {

// A SWORD module and the Debian package that ships it.
struct SwordModule {
  std::string name;     // as mod2imp knows it, e.g. "spaRV1909eb"
  std::string package;  // e.g. "sword-text-sparv"
};

SwordModule spanish_module();                           // Reina-Valera 1909
SwordModule english_module(const std::string& choice);  // "kjv" | "web"

// One entry of an IMP dump: "$$$Genesis 1:1" gives key "Genesis 1:1".
struct ImpEntry {
  std::string key;
  std::string markup;
};

// Parses mod2imp output, keeping only verse entries ("Book C:V" with C, V >= 1):
// module/testament headings and chapter/book introductions (verse 0) are skipped.
std::vector<ImpEntry> parse_imp(std::string_view imp);

// Runs `mod2imp MODULE` and returns its output. Throws a one-line swt::Error naming
// the Debian package to install when mod2imp or the module is missing. A non-empty
// `sword_path` is passed to mod2imp as SWORD_PATH (where it looks for mods.d/).
std::string dump_sword_module(const SwordModule& module, const std::string& sword_path = "");

enum class Split { train, dev, test };

// 64-bit FNV-1a of the bytes of `text`.
std::uint64_t fnv1a64(std::string_view text);

// The fixed split of a verse: h = fnv1a64(key) % 100; 0..93 train, 94..96 dev,
// 97..99 test. It depends on the reference only, so it is stable across versions.
Split bible_split(std::string_view key);

// "Genesis 1:1" -> "Genesis 1" and "Genesis".
std::string chapter_of(std::string_view key);
std::string book_of(std::string_view key);

// One Spanish verse and the English verse with the same reference (empty if none).
struct AlignedVerse {
  std::string key, src, tgt;
  bool complete() const { return !src.empty() && !tgt.empty(); }
};

// Strips both IMP dumps and pairs verses by reference, in Spanish module order.
std::vector<AlignedVerse> pair_verses(std::string_view spanish_imp, std::string_view english_imp);

// True when the character lengths disagree too much for a translation:
// (len(src) + 20) / (len(tgt) + 20) outside [0.5, 2]. Such a pair is misaligned
// (a verse boundary in a different place) or carries extra text.
bool length_outlier(const AlignedVerse& verse);

// Chapters whose verse numbers cannot be trusted to line up. The Reina-Valera module
// is mapped onto KJV verse slots, but where its chapter or verse divisions differ
// (Job 38-41, Numbers 12-13, Jonah 1-2, I Kings 22, ...) its text is shifted and
// slots are left empty or merged. So a chapter is suspect if any verse is missing
// or empty on either side, or two or more verses are length outliers; so is the
// next chapter of the book when the gap is the chapter's last verse (the next
// chapter then starts early).
std::set<std::string> misaligned_chapters(const std::vector<AlignedVerse>& verses);

// What one line of `swt data bible` holds (docs/data.md):
//  - verse: one verse; verses are split by bible_split(verse key);
//  - chapter: a whole chapter (its verses joined by spaces), split by
//    bible_split(chapter key), e.g. bible_split("Genesis 1");
//  - window: train holds runs of 1..max_window consecutive verses drawn from the
//    training chapters only; dev and test hold whole dev and test chapters, as with
//    `chapter`.
enum class BibleUnit { verse, chapter, window };

// "verse" | "chapter" | "window"; anything else is a swt::Error.
BibleUnit parse_bible_unit(const std::string& name);

struct BibleOptions {
  BibleUnit unit = BibleUnit::verse;
  // window only: the run lengths are uniform in 1..max_window (std::mt19937_64 seeded
  // with `seed`, uniform_below); each pass cuts every run of training verses anew.
  std::uint64_t seed = 1;
  std::size_t max_window = 64;
  std::size_t passes = 1;
};

// Whole chapters: the verses of each chapter, in order. A verse list in module order.
struct ChapterText {
  std::string key;  // "Genesis 1"
  std::string src, tgt;
};

// The chapters that are not misaligned, each verse side joined with single spaces
// (so single length outliers stay: at chapter level a verse boundary in a different
// place does not matter), in module order.
std::vector<ChapterText> whole_chapters(const std::vector<AlignedVerse>& verses,
                                        const std::set<std::string>& bad_chapters);

// Cuts runs of consecutive verses of the same book, in training chapters that are not
// misaligned, into windows of 1..options.max_window verses (see BibleOptions).
ParallelLines verse_windows(const std::vector<AlignedVerse>& verses,
                            const std::set<std::string>& bad_chapters, const BibleOptions& options);

struct BibleCorpus {
  ParallelLines train, dev, test;
  std::size_t chapters = 0;              // chapter/window: chapters kept (all splits)
  std::size_t spanish_verses = 0;        // verse entries in the Spanish module
  std::size_t dropped = 0;               // verses missing or empty on either side
  std::size_t misaligned_chapters = 0;   // see misaligned_chapters()
  std::size_t dropped_with_chapter = 0;  // complete verses dropped with their chapter
  std::size_t length_outliers = 0;       // single verses dropped by length_outlier()
};

// Pairs verses, drops incomplete ones, misaligned chapters and (unit verse) remaining
// length outliers, and makes the lines of `options.unit`.
BibleCorpus align_bible(std::string_view spanish_imp, std::string_view english_imp,
                        const BibleOptions& options = {});

// Dumps the modules, aligns them and writes DIR/{train,dev,test}.{src,tgt}.
BibleCorpus build_bible_corpus(const std::string& out_dir, const std::string& english,
                               const BibleOptions& options = {});

}  // namespace swt::data
