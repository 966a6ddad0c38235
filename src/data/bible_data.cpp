#include "data/bible_data.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "data/bible_markup.h"
#include "util/error.h"
#include "util/utf8.h"

namespace swt::data {

namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// True for "Book C:V" with C, V >= 1 (not "[ Module Heading ]", not "Genesis 1:0").
bool is_verse_key(std::string_view key) {
  const std::size_t space = key.rfind(' ');
  if (space == std::string_view::npos || space == 0) return false;
  const std::string_view ref = key.substr(space + 1);
  const std::size_t colon = ref.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view chapter = ref.substr(0, colon), verse = ref.substr(colon + 1);
  if (!all_digits(chapter) || !all_digits(verse)) return false;
  return chapter.find_first_not_of('0') != std::string_view::npos &&
         verse.find_first_not_of('0') != std::string_view::npos;
}

std::string find_in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const std::size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string_view::npos) return "";
    dirs.remove_prefix(colon + 1);
  }
}

// Plain text of each English verse, by reference.
std::unordered_map<std::string, std::string> stripped_by_key(const std::vector<ImpEntry>& entries) {
  std::unordered_map<std::string, std::string> texts;
  texts.reserve(entries.size());
  for (const auto& entry : entries) {
    texts[entry.key] = strip_osis_markup(entry.markup);
  }
  return texts;
}

ParallelLines& split_of(BibleCorpus& corpus, Split split) {
  switch (split) {
    case Split::dev:
      return corpus.dev;
    case Split::test:
      return corpus.test;
    default:
      return corpus.train;
  }
}

}  // namespace

SwordModule spanish_module() { return {"spaRV1909eb", "sword-text-sparv"}; }

SwordModule english_module(const std::string& choice) {
  if (choice == "kjv") return {"engKJV2006eb", "sword-text-kjv"};
  if (choice == "web") return {"engWEB2015eb", "sword-text-web"};
  fail("unknown English version '" + choice + "' (expected kjv or web)");
}

std::vector<ImpEntry> parse_imp(std::string_view imp) {
  std::vector<ImpEntry> entries;
  bool in_verse = false;
  while (!imp.empty()) {
    const std::size_t newline = imp.find('\n');
    std::string_view line = imp.substr(0, newline);
    imp.remove_prefix(newline == std::string_view::npos ? imp.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 3) == "$$$") {
      in_verse = is_verse_key(line.substr(3));
      if (in_verse) entries.push_back({std::string(line.substr(3)), ""});
    } else if (in_verse) {
      // A verse body may span lines; a newline is whitespace in the markup.
      auto& markup = entries.back().markup;
      if (!markup.empty()) markup += '\n';
      markup += line;
    }
  }
  return entries;
}

std::string dump_sword_module(const SwordModule& module, const std::string& sword_path) {
  if (find_in_path("mod2imp").empty())
    fail("mod2imp not found: install the Debian package libsword-utils");
  // Module names and paths are our own (a mkdtemp directory), so quoting them is safe.
  const std::string env = sword_path.empty() ? "" : "SWORD_PATH='" + sword_path + "' ";
  const std::string command = env + "mod2imp '" + module.name + "' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) fail("cannot run mod2imp");
  std::string output;
  char buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0 || output.find("$$$") == std::string::npos)
    fail("SWORD module " + module.name + " not found by mod2imp: install the Debian package " +
         module.package);
  const std::size_t bad = find_invalid_utf8(output);
  if (bad != std::string::npos)
    fail("mod2imp " + module.name + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
  return output;
}

std::string chapter_of(std::string_view key) { return std::string(key.substr(0, key.rfind(':'))); }

std::string book_of(std::string_view key) { return std::string(key.substr(0, key.rfind(' '))); }

std::uint64_t fnv1a64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

Split bible_split(std::string_view key) {
  const std::uint64_t bucket = fnv1a64(key) % 100;
  if (bucket < 94) return Split::train;
  if (bucket < 97) return Split::dev;
  return Split::test;
}

bool length_outlier(const AlignedVerse& verse) {
  // +20 characters keeps very short verses ("No hurtarás." / "Neither shalt thou
  // steal.") from counting as outliers.
  const double ratio = (verse.src.size() + 20.0) / (verse.tgt.size() + 20.0);
  return ratio < 0.5 || ratio > 2.0;
}

std::vector<AlignedVerse> pair_verses(std::string_view spanish_imp, std::string_view english_imp) {
  const auto english = stripped_by_key(parse_imp(english_imp));
  std::vector<AlignedVerse> verses;
  for (auto& entry : parse_imp(spanish_imp)) {
    AlignedVerse verse;
    // Only the Reina-Valera prints chapter openings in capitals.
    verse.src = normalize_initial_capitals(strip_osis_markup(entry.markup));
    const auto match = english.find(entry.key);
    if (match != english.end()) verse.tgt = match->second;
    verse.key = std::move(entry.key);
    verses.push_back(std::move(verse));
  }
  return verses;
}

std::set<std::string> misaligned_chapters(const std::vector<AlignedVerse>& verses) {
  std::set<std::string> bad;
  std::map<std::string, int> outliers;
  for (std::size_t i = 0; i < verses.size(); ++i) {
    if (verses[i].complete()) {
      if (length_outlier(verses[i]) && ++outliers[chapter_of(verses[i].key)] == 2)
        bad.insert(chapter_of(verses[i].key));
      continue;
    }
    const std::string chapter = chapter_of(verses[i].key);
    bad.insert(chapter);
    // A gap at the end of a chapter means the next chapter starts early.
    const bool last_of_chapter = i + 1 == verses.size() || chapter_of(verses[i + 1].key) != chapter;
    if (last_of_chapter && i + 1 < verses.size() &&
        book_of(verses[i + 1].key) == book_of(verses[i].key))
      bad.insert(chapter_of(verses[i + 1].key));
  }
  return bad;
}

BibleUnit parse_bible_unit(const std::string& name) {
  if (name == "verse") return BibleUnit::verse;
  if (name == "chapter") return BibleUnit::chapter;
  if (name == "window") return BibleUnit::window;
  fail("unknown unit '" + name + "' (expected verse, chapter or window)");
}

std::vector<ChapterText> whole_chapters(const std::vector<AlignedVerse>& verses,
                                        const std::set<std::string>& bad_chapters) {
  std::vector<ChapterText> chapters;
  for (const auto& verse : verses) {
    std::string chapter = chapter_of(verse.key);
    if (bad_chapters.count(chapter) != 0) continue;
    if (chapters.empty() || chapters.back().key != chapter) {
      chapters.push_back({std::move(chapter), verse.src, verse.tgt});
    } else {
      chapters.back().src += ' ' + verse.src;
      chapters.back().tgt += ' ' + verse.tgt;
    }
  }
  return chapters;
}

ParallelLines verse_windows(const std::vector<AlignedVerse>& verses,
                            const std::set<std::string>& bad_chapters,
                            const BibleOptions& options) {
  if (options.max_window == 0) fail("--max-window must be at least 1");
  // Runs [begin, end) of consecutive usable verses of one book.
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  for (std::size_t i = 0; i < verses.size(); ++i) {
    const std::string chapter = chapter_of(verses[i].key);
    const bool usable = bad_chapters.count(chapter) == 0 && bible_split(chapter) == Split::train;
    if (!usable) continue;
    const bool extends = !runs.empty() && runs.back().second == i &&
                         book_of(verses[i - 1].key) == book_of(verses[i].key);
    if (extends) {
      runs.back().second = i + 1;
    } else {
      runs.emplace_back(i, i + 1);
    }
  }
  ParallelLines windows;
  std::mt19937_64 rng(options.seed);
  for (std::size_t pass = 0; pass < options.passes; ++pass) {
    for (const auto& [begin, end] : runs) {
      for (std::size_t start = begin; start < end;) {
        const std::size_t length = 1 + uniform_below(rng, options.max_window);
        const std::size_t stop = std::min(end, start + length);
        std::string src = verses[start].src, tgt = verses[start].tgt;
        for (std::size_t i = start + 1; i < stop; ++i) {
          src += ' ' + verses[i].src;
          tgt += ' ' + verses[i].tgt;
        }
        windows.src.push_back(std::move(src));
        windows.tgt.push_back(std::move(tgt));
        start = stop;
      }
    }
  }
  return windows;
}

BibleCorpus align_bible(std::string_view spanish_imp, std::string_view english_imp,
                        const BibleOptions& options) {
  const auto verses = pair_verses(spanish_imp, english_imp);
  const auto bad_chapters = misaligned_chapters(verses);
  BibleCorpus corpus;
  corpus.spanish_verses = verses.size();
  corpus.misaligned_chapters = bad_chapters.size();
  for (const auto& verse : verses) {
    if (!verse.complete()) {
      ++corpus.dropped;
    } else if (bad_chapters.count(chapter_of(verse.key)) != 0) {
      ++corpus.dropped_with_chapter;
    } else if (options.unit == BibleUnit::verse && length_outlier(verse)) {
      ++corpus.length_outliers;
    } else if (options.unit == BibleUnit::verse) {
      auto& split = split_of(corpus, bible_split(verse.key));
      split.src.push_back(verse.src);
      split.tgt.push_back(verse.tgt);
    }
  }
  if (options.unit == BibleUnit::verse) return corpus;
  for (auto& chapter : whole_chapters(verses, bad_chapters)) {
    ++corpus.chapters;
    const Split split = bible_split(chapter.key);
    if (options.unit == BibleUnit::window && split == Split::train) continue;
    auto& lines = split_of(corpus, split);
    lines.src.push_back(std::move(chapter.src));
    lines.tgt.push_back(std::move(chapter.tgt));
  }
  if (options.unit == BibleUnit::window)
    corpus.train = verse_windows(verses, bad_chapters, options);
  return corpus;
}

BibleCorpus build_bible_corpus(const std::string& out_dir, const std::string& english,
                               const BibleOptions& options) {
  const SwordModule english_mod = english_module(english);  // validate before the slow part
  if (options.unit == BibleUnit::window && options.max_window == 0)
    fail("--max-window must be at least 1");
  const std::string spanish_imp = dump_sword_module(spanish_module());
  const std::string english_imp = dump_sword_module(english_mod);
  BibleCorpus corpus = align_bible(spanish_imp, english_imp, options);
  if (corpus.train.src.empty()) fail("no aligned verses: the SWORD modules look empty");
  write_parallel_splits(out_dir, corpus.train, corpus.dev, corpus.test);
  return corpus;
}

}  // namespace swt::data
