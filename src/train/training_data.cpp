#include "train/training_data.h"

#include <algorithm>

#include "util/text_file.h"

namespace swt::train {

std::vector<data::ExampleLength> EncodedCorpus::lengths() const {
  std::vector<data::ExampleLength> out(src.size());
  for (size_t i = 0; i < src.size(); ++i)
    out[i] = {static_cast<int64_t>(src[i].size()) + 1, static_cast<int64_t>(tgt[i].size()) + 1};
  return out;
}

TokenizedCorpus read_corpus(const std::string& src_path, const std::string& tgt_path,
                            const model::Preprocess& preprocess) {
  TokenizedCorpus c;
  read_parallel(src_path, tgt_path, c.raw_src, c.raw_tgt);
  text::Tokenizer tokenizer(text::TokenizerOptions{preprocess.nfkc});
  const auto& prefix = preprocess.strip_src_prefix;
  c.src.reserve(c.raw_src.size());
  c.tgt.reserve(c.raw_tgt.size());
  for (size_t i = 0; i < c.raw_src.size(); ++i) {
    std::string_view s(c.raw_src[i]);
    if (!prefix.empty() && s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
    c.src.push_back(tokenizer.tokenize(s));
    c.tgt.push_back(tokenizer.tokenize(c.raw_tgt[i]));
  }
  return c;
}

EncodedCorpus encode_corpus(const TokenizedCorpus& corpus, const text::Vocab& src_vocab,
                            const text::Vocab& tgt_vocab, int64_t max_length) {
  EncodedCorpus e;
  for (size_t i = 0; i < corpus.src.size(); ++i) {
    const auto& s = corpus.src[i];
    const auto& t = corpus.tgt[i];
    const auto longest = static_cast<int64_t>(std::max(s.size(), t.size()));
    if (s.empty() || t.empty() || (max_length > 0 && longest > max_length)) {
      ++e.skipped_too_long;
      continue;
    }
    e.src.push_back(src_vocab.encode(s));
    e.tgt.push_back(tgt_vocab.encode(t));
  }
  return e;
}

BatchTensors make_batch(const EncodedCorpus& corpus, const data::Batch& batch,
                        torch::Device device) {
  size_t src_len = 0, tgt_len = 0;
  for (auto i : batch) {
    src_len = std::max(src_len, corpus.src[i].size() + 1);
    tgt_len = std::max(tgt_len, corpus.tgt[i].size() + 1);
  }
  const auto rows = static_cast<int64_t>(batch.size());
  auto src = torch::zeros({rows, static_cast<int64_t>(src_len)}, torch::kLong);
  auto tin = torch::zeros({rows, static_cast<int64_t>(tgt_len)}, torch::kLong);
  auto tout = torch::zeros({rows, static_cast<int64_t>(tgt_len)}, torch::kLong);
  auto s = src.accessor<int64_t, 2>();
  auto ti = tin.accessor<int64_t, 2>();
  auto to = tout.accessor<int64_t, 2>();
  BatchTensors out;
  for (int64_t b = 0; b < rows; ++b) {
    const auto& x = corpus.src[batch[b]];
    const auto& y = corpus.tgt[batch[b]];
    for (size_t j = 0; j < x.size(); ++j) s[b][j] = x[j];
    s[b][x.size()] = text::Vocab::kEos;
    ti[b][0] = text::Vocab::kBos;
    for (size_t j = 0; j < y.size(); ++j) {
      ti[b][j + 1] = y[j];
      to[b][j] = y[j];
    }
    to[b][y.size()] = text::Vocab::kEos;
    out.target_tokens += static_cast<int64_t>(y.size()) + 1;
  }
  out.src = src.to(device);
  out.tgt_in = tin.to(device);
  out.tgt_out = tout.to(device);
  return out;
}

}  // namespace swt::train
