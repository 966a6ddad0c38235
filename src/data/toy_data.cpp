#include "data/toy_data.h"

#include <algorithm>
#include <filesystem>
#include <limits>
#include <system_error>
#include <unordered_set>

#include "util/error.h"
#include "util/text_file.h"

namespace swt::data {

namespace {

constexpr const char* kConsonants = "bdfgklmnprstvz";  // 14
constexpr const char* kVowels = "aeiou";               // 5
constexpr std::size_t kSyllables = 70;                 // 14 * 5

std::string syllable(std::size_t i) { return {kConsonants[i / 5], kVowels[i % 5]}; }

std::string join_words(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty()) line += ' ';
    line += word;
  }
  return line;
}

void check_options(const ToyOptions& o) {
  if (o.vocab_size < 1 || o.vocab_size > kMaxToyVocab)
    fail("--vocab-size must be between 1 and " + std::to_string(kMaxToyVocab));
  if (o.min_len < 1) fail("--min-len must be at least 1");
  if (o.max_len < o.min_len) fail("--max-len must be at least --min-len");
  if (o.train_size < 1) fail("--train-size must be at least 1");
}

// Draws `count` source sequences not yet in `seen` and records them there.
ParallelLines draw_split(std::size_t count, const ToyOptions& o,
                         const std::vector<std::string>& vocab, std::mt19937_64& rng,
                         std::unordered_set<std::string>& seen) {
  ParallelLines split;
  // Generous bound on attempts: a tiny space (e.g. vocab 2, length 1) must fail
  // with a message instead of looping forever.
  const std::size_t max_attempts = 100 * count + 10000;
  std::size_t attempts = 0;
  while (split.src.size() < count) {
    if (++attempts > max_attempts)
      fail("cannot draw " + std::to_string(count) +
           " more distinct toy sequences; raise --vocab-size or --max-len, or lower the sizes");
    const std::size_t span = o.max_len - o.min_len + 1;
    const std::size_t len = o.min_len + uniform_below(rng, span);
    std::vector<std::string> words(len);
    for (auto& word : words) word = vocab[uniform_below(rng, vocab.size())];
    std::string line = join_words(words);
    if (!seen.insert(line).second) continue;
    split.src.push_back(std::move(line));
    split.tgt.push_back(join_words(apply_toy_task(o.task, std::move(words))));
  }
  return split;
}

void write_split(const std::filesystem::path& dir, const std::string& name,
                 const ParallelLines& lines) {
  write_lines_atomic((dir / (name + ".src")).string(), lines.src);
  write_lines_atomic((dir / (name + ".tgt")).string(), lines.tgt);
}

}  // namespace

ToyTask parse_toy_task(const std::string& name) {
  if (name == "reverse") return ToyTask::reverse;
  if (name == "copy") return ToyTask::copy;
  if (name == "sort") return ToyTask::sort;
  fail("unknown toy task '" + name + "' (expected reverse, copy or sort)");
}

std::string toy_task_name(ToyTask task) {
  switch (task) {
    case ToyTask::reverse:
      return "reverse";
    case ToyTask::copy:
      return "copy";
    case ToyTask::sort:
      return "sort";
  }
  return "?";
}

std::vector<std::string> toy_vocabulary(std::size_t size) {
  if (size > kMaxToyVocab) fail("toy vocabulary is limited to " + std::to_string(kMaxToyVocab));
  std::vector<std::string> words;
  words.reserve(size);
  // Pair (i mod 70, (i / 70 + 3 i) mod 70) is distinct for i < 4900, and the factor 3
  // mixes the second syllable so that small vocabularies do not all share one.
  for (std::size_t i = 0; i < size; ++i)
    words.push_back(syllable(i % kSyllables) + syllable((i / kSyllables + 3 * i) % kSyllables));
  return words;
}

std::vector<std::string> apply_toy_task(ToyTask task, std::vector<std::string> words) {
  if (task == ToyTask::reverse) std::reverse(words.begin(), words.end());
  if (task == ToyTask::sort) std::sort(words.begin(), words.end());
  return words;
}

std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  if (bound <= 1) return 0;
  // Reject the top partial block so every residue is equally likely.
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - (max % bound + 1) % bound;
  std::uint64_t x;
  do {
    x = rng();
  } while (x > limit);
  return x % bound;
}

ToyCorpus make_toy_corpus(const ToyOptions& options) {
  check_options(options);
  const auto vocab = toy_vocabulary(options.vocab_size);
  std::mt19937_64 rng(options.seed);
  std::unordered_set<std::string> seen;
  ToyCorpus corpus;
  corpus.train = draw_split(options.train_size, options, vocab, rng, seen);
  corpus.dev = draw_split(options.dev_size, options, vocab, rng, seen);
  corpus.test = draw_split(options.test_size, options, vocab, rng, seen);
  return corpus;
}

void write_parallel_splits(const std::string& dir, const ParallelLines& train,
                           const ParallelLines& dev, const ParallelLines& test) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_at(dir, 0, "cannot create directory: " + ec.message());
  write_split(dir, "train", train);
  write_split(dir, "dev", dev);
  write_split(dir, "test", test);
}

}  // namespace swt::data
