// Synthetic seq2seq tasks (reverse, copy, sort) over a small made-up vocabulary:
// quick sanity checks that a model can learn at all, before real data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace swt::data {

enum class ToyTask { reverse, copy, sort };

// "reverse" | "copy" | "sort"; anything else is a swt::Error.
ToyTask parse_toy_task(const std::string& name);
std::string toy_task_name(ToyTask task);

struct ToyOptions {
  ToyTask task = ToyTask::reverse;
  std::uint64_t seed = 1;
  std::size_t train_size = 20000;
  std::size_t dev_size = 500;
  std::size_t test_size = 500;
  std::size_t vocab_size = 24;
  std::size_t min_len = 3;
  std::size_t max_len = 12;
};

// Parallel lines: src[i] is a space-separated word sequence, tgt[i] its answer.
struct ParallelLines {
  std::vector<std::string> src;
  std::vector<std::string> tgt;
};

struct ToyCorpus {
  ParallelLines train;
  ParallelLines dev;
  ParallelLines test;
};

// Largest vocabulary toy_vocabulary can make (70 syllables squared).
constexpr std::size_t kMaxToyVocab = 4900;

// `size` distinct pronounceable two-syllable words ("bako", "dega", ...), the same
// on every platform. Sorting them means byte-wise (= alphabetical) order.
std::vector<std::string> toy_vocabulary(std::size_t size);

// The target sequence for a source sequence.
std::vector<std::string> apply_toy_task(ToyTask task, std::vector<std::string> words);

// Uniform integer in [0, bound) from a 64-bit Mersenne Twister by rejection sampling.
// std::uniform_int_distribution is implementation-defined, so it is not used: the
// corpus must be identical across standard libraries for a given seed.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound);

// Draws the corpus. All source lines are distinct across train, dev and test, so the
// evaluation splits never overlap training. Throws swt::Error on impossible options.
ToyCorpus make_toy_corpus(const ToyOptions& options);

// Writes DIR/{train,dev,test}.{src,tgt} atomically (creating DIR if needed).
void write_parallel_splits(const std::string& dir, const ParallelLines& train,
                           const ParallelLines& dev, const ParallelLines& test);

}  // namespace swt::data
