// A tiny toy-task training set-up shared by the trainer tests: a few steps of
// a 1+1-layer model train in about a second.
#pragma once

#include <string>

#include "data/toy_data.h"
#include "train/train_config.h"

namespace swt::testing {

inline train::TrainConfig toy_config(const std::string& data_dir) {
  auto c = train::load_train_config(
      "",
      {"model.preset=tiny", "model.d_model=32", "model.d_ff=64", "model.heads=2",
       "model.encoder_layers=1", "model.decoder_layers=1", "train.batch_tokens=256",
       "train.valid_every=3", "train.log_every=1", "train.valid_sentences=5", "train.patience=0"});
  c.data.train_src = data_dir + "/train.src";
  c.data.train_tgt = data_dir + "/train.tgt";
  c.data.dev_src = data_dir + "/dev.src";
  c.data.dev_tgt = data_dir + "/dev.tgt";
  return c;
}

inline void write_toy(const std::string& dir, size_t train, size_t dev) {
  data::ToyOptions toy;
  toy.train_size = train;
  toy.dev_size = toy.test_size = dev;
  auto corpus = data::make_toy_corpus(toy);
  data::write_parallel_splits(dir, corpus.train, corpus.dev, corpus.test);
}

}  // namespace swt::testing
