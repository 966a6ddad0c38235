#include "data/summaries.h"

#include <stdlib.h>

#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "data/bible_markup.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::data {

namespace {

namespace fs = std::filesystem;

// Debian's SWORD root: mods.d/*.conf and the DataPath directories below it.
constexpr const char* kSwordRoot = "/usr/share/sword";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Reads a positive number at `s[i]`, advancing i; 0 if there is none.
int read_number(std::string_view s, std::size_t& i) {
  int value = 0;
  const std::size_t start = i;
  while (i < s.size() && is_digit(s[i]) && i - start < 6) value = value * 10 + (s[i++] - '0');
  return i == start ? 0 : value;
}

std::size_t word_count(std::string_view s) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : s) {
    if (c == ' ') {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

// Outline text: leading "Chapter Outline" (a plain-text heading in some chapters)
// dropped, cut at "--" (where whole-chapter commentary starts), trimmed.
std::string_view outline_text(std::string_view text) {
  const std::size_t dashes = text.find("--");
  if (dashes != std::string_view::npos) text = text.substr(0, dashes);
  text = trim(text);
  constexpr std::string_view kHeading = "Chapter Outline";
  if (text.substr(0, kHeading.size()) == kHeading) text = trim(text.substr(kHeading.size()));
  return text;
}

// The first paragraph of `markup` with text: up to the first end of an x-p division
// after which the stripped text is not empty.
std::string first_paragraph(std::string_view markup) {
  for (std::size_t at = markup.find("<div eID="); at != std::string_view::npos;
       at = markup.find("<div eID=", at + 1)) {
    const std::size_t close = markup.find('>', at);
    if (close == std::string_view::npos) break;
    if (markup.substr(at, close - at).find("type=\"x-p\"") == std::string_view::npos) continue;
    const std::string text = strip_osis_markup(markup.substr(0, at));
    const std::string_view outline = outline_text(text);
    if (!outline.empty()) return std::string(outline);
  }
  return "";
}

// English verse texts: chapter key -> verse number -> plain text.
using ChapterVerses = std::map<std::string, std::map<int, std::string>>;

int verse_number(std::string_view key) {
  std::size_t i = key.rfind(':') + 1;
  return read_number(key, i);
}

int chapter_number(std::string_view chapter_key) {
  std::size_t i = chapter_key.rfind(' ') + 1;
  return read_number(chapter_key, i);
}

// The passage for `ranges` (all verses of the chapter when empty), or "" if a verse
// is missing or empty.
std::string passage(const std::map<int, std::string>& verses,
                    const std::vector<VerseRange>& ranges) {
  std::string text;
  auto add = [&text](const std::string& verse) {
    if (!text.empty()) text += ' ';
    text += verse;
  };
  if (ranges.empty()) {
    for (const auto& [number, verse] : verses) {
      if (verse.empty()) return "";
      add(verse);
    }
    return text;
  }
  for (const auto& range : ranges)
    for (int v = range.first; v <= range.last; ++v) {
      const auto found = verses.find(v);
      if (found == verses.end() || found->second.empty()) return "";
      add(found->second);
    }
  return text;
}

ParallelLines& split_lines(SummaryCorpus& corpus, Split split) {
  if (split == Split::dev) return corpus.dev;
  if (split == Split::test) return corpus.test;
  return corpus.train;
}

// The value of "Key=" in a SWORD .conf, or "".
std::string conf_value(std::string_view conf, std::string_view key) {
  while (!conf.empty()) {
    const std::size_t newline = conf.find('\n');
    std::string_view line = conf.substr(0, newline);
    conf.remove_prefix(newline == std::string_view::npos ? conf.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=')
      return std::string(line.substr(key.size() + 1));
  }
  return "";
}

// Removes a directory tree when it goes out of scope.
struct TempDir {
  std::string path;
  ~TempDir() {
    std::error_code ignored;
    if (!path.empty()) fs::remove_all(path, ignored);
  }
};

std::string dump_commentary() {
  const SwordModule module = commentary_module();
  const fs::path conf_path = fs::path(kSwordRoot) / "mods.d" / "mhcc.conf";
  if (!fs::exists(conf_path))
    fail("SWORD module " + module.name + " not found (" + conf_path.string() +
         "): install the Debian package " + module.package);
  const std::vector<std::string> lines = read_lines(conf_path.string());
  std::string conf;
  for (const auto& line : lines) conf += line + '\n';
  std::string data_path = conf_value(conf, "DataPath");
  std::vector<std::uintmax_t> sizes;
  for (const char* index : {"ot.bzv", "nt.bzv"}) {
    std::error_code error;
    const auto size = fs::file_size(fs::path(kSwordRoot) / data_path / index, error);
    if (!error) sizes.push_back(size);
  }
  const std::string fixed = corrected_sword_conf(conf, sizes);
  if (fixed == conf) return dump_sword_module(module);
  // A private SWORD_PATH: the corrected .conf, and the module files where it says.
  TempDir dir;
  std::string pattern = (fs::temp_directory_path() / "swt-sword-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary directory");
  dir.path = pattern;
  fs::create_directory(fs::path(dir.path) / "mods.d");
  write_file_atomic((fs::path(dir.path) / "mods.d" / "mhcc.conf").string(), fixed);
  fs::create_directory_symlink(fs::path(kSwordRoot) / "modules", fs::path(dir.path) / "modules");
  return dump_sword_module(module, dir.path);
}

}  // namespace

SwordModule commentary_module() { return {"MHCC", "sword-comm-mhcc"}; }

VerseList parse_verse_list(std::string_view text, int chapter, std::vector<VerseRange>& out) {
  out.clear();
  text = trim(text);
  // A book name before "C:V": "Ezek 10:1-7", "Hos. 1:8-11", "Dn 1:1-7".
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    std::size_t start = colon;
    while (start > 0 && is_digit(text[start - 1])) --start;
    const std::string_view book = text.substr(0, start);
    if (!book.empty() && (book.size() > 20 || book.back() != ' ')) return VerseList::invalid;
    for (char c : book)
      if (!(c == ' ' || c == '.' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
        return VerseList::invalid;
    text = text.substr(start);
  }
  bool other = false;
  std::size_t i = 0;
  // One end of a range: [C:]V. Returns V, or 0 when malformed.
  auto read_end = [&]() {
    int value = read_number(text, i);
    if (value != 0 && i < text.size() && text[i] == ':') {
      if (value != chapter) other = true;
      ++i;
      value = read_number(text, i);
    }
    return value;
  };
  while (true) {
    VerseRange range;
    range.first = range.last = read_end();
    if (range.first == 0) return VerseList::invalid;
    if (i < text.size() && text[i] == '-') {
      ++i;
      range.last = read_end();
      if (range.last == 0) return VerseList::invalid;
      // "23-10": from verse 23 into the next chapter, up to its verse 10.
      if (range.last < range.first) other = true;
    }
    out.push_back(range);
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;
    if (text[i] != ';' && text[i] != ',') return VerseList::invalid;
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i == text.size()) break;  // a trailing separator: "(Jr 50:1-3,8-16;)"
  }
  return other ? VerseList::other_chapter : VerseList::ok;
}

std::vector<OutlineItem> parse_chapter_outline(std::string_view markup, int chapter) {
  const std::string title = ">Chapter " + std::to_string(chapter) + "</title>";
  const std::size_t at = markup.find(title);
  if (at == std::string_view::npos) return {};
  std::string_view region = markup.substr(at + title.size());
  region = region.substr(0, region.find("<hi type=\"bold\">"));
  const std::string text = strip_osis_markup(region);
  const std::string_view outline = outline_text(text);

  std::vector<OutlineItem> items;
  std::size_t last = 0;  // end of the previous range
  for (std::size_t open = outline.find('('); open != std::string_view::npos;
       open = outline.find('(', open + 1)) {
    const std::size_t close = outline.find(')', open);
    if (close == std::string_view::npos) break;
    OutlineItem item;
    const VerseList list =
        parse_verse_list(outline.substr(open + 1, close - open - 1), chapter, item.ranges);
    if (list == VerseList::invalid) continue;
    item.other_chapter = list == VerseList::other_chapter;
    item.summary = std::string(trim(outline.substr(last, open - last)));
    last = close + 1;
    open = close;
    if (!item.summary.empty()) items.push_back(std::move(item));
  }
  if (last == 0) {
    OutlineItem whole;
    whole.summary = first_paragraph(region);
    if (!whole.summary.empty() && word_count(whole.summary) <= 40) items.push_back(whole);
  }
  return items;
}

std::string corrected_sword_conf(std::string_view conf,
                                 const std::vector<std::uintmax_t>& index_sizes) {
  if (conf_value(conf, "ModDrv") != "zCom4" || index_sizes.empty()) return std::string(conf);
  for (const std::uintmax_t size : index_sizes)
    if (size % 12 == 0 || size % 10 != 0) return std::string(conf);
  std::string fixed(conf);
  const std::size_t at = fixed.find("ModDrv=zCom4");
  fixed.replace(at, 12, "ModDrv=zCom");
  return fixed;
}

SummaryCorpus align_summaries(std::string_view commentary_imp, std::string_view english_imp) {
  ChapterVerses english;
  for (const auto& entry : parse_imp(english_imp))
    english[chapter_of(entry.key)][verse_number(entry.key)] = strip_osis_markup(entry.markup);

  // The commentary's entries of each chapter, joined, in module order.
  std::vector<std::pair<std::string, std::string>> chapters;
  for (const auto& entry : parse_imp(commentary_imp)) {
    std::string chapter = chapter_of(entry.key);
    if (chapters.empty() || chapters.back().first != chapter) {
      chapters.emplace_back(std::move(chapter), entry.markup);
    } else {
      chapters.back().second += '\n' + entry.markup;
    }
  }

  SummaryCorpus corpus;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [chapter, markup] : chapters) {
    const auto items = parse_chapter_outline(markup, chapter_number(chapter));
    corpus.outline_items += items.size();
    bool any = false;
    for (const auto& item : items) {
      if (item.other_chapter) {
        ++corpus.out_of_chapter;
        continue;
      }
      if (word_count(item.summary) > kMaxSummaryWords) {
        ++corpus.too_long;
        continue;
      }
      const auto verses = english.find(chapter);
      std::string text = verses == english.end() ? "" : passage(verses->second, item.ranges);
      if (text.empty()) {
        ++corpus.missing_verses;
        continue;
      }
      if (!seen.emplace(text, item.summary).second) {
        ++corpus.duplicates;
        continue;
      }
      auto& lines = split_lines(corpus, bible_split(chapter));
      lines.src.push_back(std::move(text));
      lines.tgt.push_back(item.summary);
      any = true;
    }
    if (any) ++corpus.chapters_with_outline;
  }
  return corpus;
}

SummaryCorpus build_summary_corpus(const std::string& out_dir, const std::string& english) {
  const SwordModule english_mod = english_module(english);  // validate before the slow part
  const std::string commentary_imp = dump_commentary();
  const std::string english_imp = dump_sword_module(english_mod);
  SummaryCorpus corpus = align_summaries(commentary_imp, english_imp);
  if (corpus.train.src.empty()) fail("no outline lines found: the MHCC module looks empty");
  write_parallel_splits(out_dir, corpus.train, corpus.dev, corpus.test);
  return corpus;
}

}  // namespace swt::data
