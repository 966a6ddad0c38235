// `swt data toy|bible|summaries`: make ready-to-train parallel corpora (docs/data.md).
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "data/bible_data.h"
#include "data/summaries.h"
#include "data/toy_data.h"

namespace swt::cli {

namespace {

void print_counts(const std::string& dir, const data::ParallelLines& train,
                  const data::ParallelLines& dev, const data::ParallelLines& test) {
  std::cout << "wrote " << dir << "/{train,dev,test}.{src,tgt}: train " << train.src.size()
            << ", dev " << dev.src.size() << ", test " << test.src.size() << " pairs\n";
}

void setup_toy(CLI::App& data) {
  auto* sub = data.add_subcommand("toy", "synthetic reverse/copy/sort word sequences");
  struct Args {
    std::string task, out;
    data::ToyOptions options;
  };
  auto args = std::make_shared<Args>();
  auto& o = args->options;
  sub->add_option("--task", args->task, "reverse, copy or sort")
      ->required()
      ->check(CLI::IsMember({"reverse", "copy", "sort"}));
  sub->add_option("--out", args->out, "output directory")->required();
  sub->add_option("--seed", o.seed, "random seed")->capture_default_str();
  sub->add_option("--train-size", o.train_size, "training pairs")->capture_default_str();
  sub->add_option("--dev-size", o.dev_size, "dev pairs")->capture_default_str();
  sub->add_option("--test-size", o.test_size, "test pairs")->capture_default_str();
  sub->add_option("--vocab-size", o.vocab_size, "distinct words")->capture_default_str();
  sub->add_option("--min-len", o.min_len, "shortest sequence")->capture_default_str();
  sub->add_option("--max-len", o.max_len, "longest sequence")->capture_default_str();
  sub->callback([args] {
    args->options.task = data::parse_toy_task(args->task);
    const auto corpus = data::make_toy_corpus(args->options);
    data::write_parallel_splits(args->out, corpus.train, corpus.dev, corpus.test);
    print_counts(args->out, corpus.train, corpus.dev, corpus.test);
  });
}

void setup_bible(CLI::App& data) {
  auto* sub = data.add_subcommand(
      "bible", "Spanish (Reina-Valera 1909) -> English verse-aligned corpus from SWORD modules");
  struct Args {
    std::string out, english = "kjv", unit = "verse";
    data::BibleOptions options;
  };
  auto args = std::make_shared<Args>();
  sub->add_option("--out", args->out, "output directory")->required();
  sub->add_option("--english", args->english, "English version: kjv or web")
      ->capture_default_str()
      ->check(CLI::IsMember({"kjv", "web"}));
  sub->add_option("--unit", args->unit,
                  "one line is a verse, a whole chapter, or (train) a window of verses")
      ->capture_default_str()
      ->check(CLI::IsMember({"verse", "chapter", "window"}));
  sub->add_option("--seed", args->options.seed, "window: random seed")->capture_default_str();
  sub->add_option("--max-window", args->options.max_window, "window: most verses in a window")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}));
  sub->add_option("--passes", args->options.passes,
                  "window: times the training verses are cut into windows")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  sub->callback([args] {
    args->options.unit = data::parse_bible_unit(args->unit);
    const auto corpus = data::build_bible_corpus(args->out, args->english, args->options);
    std::cout << "verses: " << corpus.spanish_verses << " Spanish, " << corpus.dropped
              << " dropped (missing or empty on one side), " << corpus.dropped_with_chapter
              << " more dropped with " << corpus.misaligned_chapters << " misaligned chapters, "
              << corpus.length_outliers << " length outliers\n";
    if (args->options.unit != data::BibleUnit::verse)
      std::cout << "chapters: " << corpus.chapters << " kept\n";
    print_counts(args->out, corpus.train, corpus.dev, corpus.test);
  });
}

void setup_summaries(CLI::App& data) {
  auto* sub = data.add_subcommand(
      "summaries",
      "English passage -> summary line pairs from Matthew Henry's Concise Commentary outlines");
  auto out = std::make_shared<std::string>();
  auto english = std::make_shared<std::string>("kjv");
  sub->add_option("--out", *out, "output directory")->required();
  sub->add_option("--english", *english, "English version of the passages: kjv or web")
      ->capture_default_str()
      ->check(CLI::IsMember({"kjv", "web"}));
  sub->callback([out, english] {
    const auto corpus = data::build_summary_corpus(*out, *english);
    std::cout << "outline lines: " << corpus.outline_items << " in " << corpus.chapters_with_outline
              << " chapters; dropped " << corpus.out_of_chapter << " naming another chapter, "
              << corpus.missing_verses << " with a verse missing in English, " << corpus.too_long
              << " over " << data::kMaxSummaryWords << " words, " << corpus.duplicates
              << " duplicates\n";
    print_counts(*out, corpus.train, corpus.dev, corpus.test);
  });
}

const RegisterCommand kRegister("data", "make parallel corpora: toy tasks, the Bible, summaries",
                                [](CLI::App& sub) {
                                  sub.require_subcommand(1);
                                  setup_toy(sub);
                                  setup_bible(sub);
                                  setup_summaries(sub);
                                });

}  // namespace

}  // namespace swt::cli
