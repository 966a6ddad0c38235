// Parallel text turned into token ids, ready for batching.
#pragma once

#include <string>
#include <vector>

#include "data/batcher.h"
#include "model/model_dir.h"
#include "text/tokenizer.h"
#include "text/vocab.h"

namespace swt::train {

struct TokenizedCorpus {
  std::vector<std::vector<std::string>> src, tgt;
  std::vector<std::string> raw_src, raw_tgt;  // as read (for BLEU against references)
};

struct EncodedCorpus {
  std::vector<std::vector<int>> src, tgt;  // without </s>
  int64_t skipped_too_long = 0;
  std::vector<data::ExampleLength> lengths() const;  // with the </s> / <s> each side gets
};

// Reads two parallel files, strips the source prefix and tokenizes both sides.
TokenizedCorpus read_corpus(const std::string& src_path, const std::string& tgt_path,
                            const model::Preprocess& preprocess);

// Maps tokens to ids; pairs longer than max_length (> 0) on either side are dropped.
EncodedCorpus encode_corpus(const TokenizedCorpus& corpus, const text::Vocab& src_vocab,
                            const text::Vocab& tgt_vocab, int64_t max_length);

// Padded tensors for one batch: src [B,S] ending in </s>; tgt_in [B,T] starting
// with <s>; tgt_out [B,T] ending in </s> (0 = padding everywhere).
struct BatchTensors {
  torch::Tensor src, tgt_in, tgt_out;
  int64_t target_tokens = 0;
};
BatchTensors make_batch(const EncodedCorpus& corpus, const data::Batch& batch,
                        torch::Device device);

}  // namespace swt::train
