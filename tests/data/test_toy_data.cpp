#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "data/toy_data.h"
#include "util/error.h"
#include "util/text_file.h"

namespace swt::data {
namespace {

std::vector<std::string> split_words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

ToyOptions small_options(ToyTask task) {
  ToyOptions o;
  o.task = task;
  o.train_size = 2000;
  o.dev_size = 100;
  o.test_size = 100;
  return o;
}

void expect_task(ToyTask task) {
  const auto corpus = make_toy_corpus(small_options(task));
  ASSERT_EQ(corpus.train.src.size(), 2000u);
  ASSERT_EQ(corpus.train.tgt.size(), 2000u);
  for (std::size_t i = 0; i < corpus.train.src.size(); ++i) {
    auto words = split_words(corpus.train.src[i]);
    ASSERT_GE(words.size(), 3u);
    ASSERT_LE(words.size(), 12u);
    if (task == ToyTask::reverse) std::reverse(words.begin(), words.end());
    if (task == ToyTask::sort) std::sort(words.begin(), words.end());
    ASSERT_EQ(split_words(corpus.train.tgt[i]), words) << corpus.train.src[i];
  }
}

TEST(ToyData, ReverseCopySortAreCorrect) {
  expect_task(ToyTask::reverse);
  expect_task(ToyTask::copy);
  expect_task(ToyTask::sort);
}

TEST(ToyData, ApplyTask) {
  const std::vector<std::string> words{"ka", "ba", "mo"};
  EXPECT_EQ(apply_toy_task(ToyTask::reverse, words), (std::vector<std::string>{"mo", "ba", "ka"}));
  EXPECT_EQ(apply_toy_task(ToyTask::copy, words), words);
  EXPECT_EQ(apply_toy_task(ToyTask::sort, words), (std::vector<std::string>{"ba", "ka", "mo"}));
}

TEST(ToyData, VocabularyIsDistinct) {
  const auto vocab = toy_vocabulary(kMaxToyVocab);
  EXPECT_EQ(std::set<std::string>(vocab.begin(), vocab.end()).size(), kMaxToyVocab);
  EXPECT_EQ(toy_vocabulary(3), (std::vector<std::string>{"baba", "bebo", "bide"}));
}

TEST(ToyData, SameSeedSameCorpusOtherSeedDiffers) {
  auto o = small_options(ToyTask::reverse);
  const auto a = make_toy_corpus(o);
  const auto b = make_toy_corpus(o);
  EXPECT_EQ(a.train.src, b.train.src);
  EXPECT_EQ(a.test.tgt, b.test.tgt);
  o.seed = 2;
  EXPECT_NE(make_toy_corpus(o).train.src, a.train.src);
}

// Pins the generator: the corpus for a seed must not change across platforms or versions.
TEST(ToyData, GoldenFirstLines) {
  ToyOptions o;
  o.train_size = 2;
  o.dev_size = 0;
  o.test_size = 0;
  const auto corpus = make_toy_corpus(o);
  EXPECT_EQ(corpus.train.src,
            (std::vector<std::string>{"dego gosu dego baba duli kava duli doku gero doku femo",
                                      "femo kava duli bebo gosu femo doku kozu dike kava"}));
}

TEST(ToyData, DevAndTestDoNotOverlapTrain) {
  auto o = small_options(ToyTask::copy);
  o.vocab_size = 4;  // small space: duplicates would be frequent without dedupe
  o.min_len = 1;
  o.max_len = 6;
  const auto c = make_toy_corpus(o);
  std::set<std::string> all(c.train.src.begin(), c.train.src.end());
  all.insert(c.dev.src.begin(), c.dev.src.end());
  all.insert(c.test.src.begin(), c.test.src.end());
  EXPECT_EQ(all.size(), c.train.src.size() + c.dev.src.size() + c.test.src.size());
}

TEST(ToyData, UniformBelowStaysInRange) {
  std::mt19937_64 rng(7);
  std::vector<int> counts(5);
  for (int i = 0; i < 5000; ++i) ++counts.at(uniform_below(rng, 5));
  for (int c : counts) EXPECT_GT(c, 800);
  EXPECT_EQ(uniform_below(rng, 1), 0u);
}

TEST(ToyData, BadOptionsAreErrors) {
  ToyOptions o;
  o.min_len = 5;
  o.max_len = 4;
  EXPECT_THROW(make_toy_corpus(o), Error);
  o = ToyOptions{};
  o.vocab_size = 2;
  o.min_len = o.max_len = 1;  // only 2 distinct sequences exist
  EXPECT_THROW(make_toy_corpus(o), Error);
  EXPECT_THROW(parse_toy_task("shuffle"), Error);
  EXPECT_EQ(parse_toy_task("sort"), ToyTask::sort);
}

TEST(ToyData, WritesAllSplitFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("swt_toy_test_" + std::to_string(::getpid()));
  const auto corpus = make_toy_corpus(small_options(ToyTask::sort));
  write_parallel_splits(dir.string(), corpus.train, corpus.dev, corpus.test);
  for (const char* split : {"train", "dev", "test"}) {
    std::vector<std::string> src, tgt;
    read_parallel((dir / (std::string(split) + ".src")).string(),
                  (dir / (std::string(split) + ".tgt")).string(), src, tgt);
    EXPECT_EQ(src.size(), std::string(split) == "train" ? 2000u : 100u);
  }
  EXPECT_EQ(read_lines((dir / "train.tgt").string()), corpus.train.tgt);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace swt::data
