#include "decode/translator.h"

#include "data/batcher.h"

namespace swt::decode {

model::DepthOptions inference_depth(model::DepthOptions base, const std::string& policy,
                                    double exit_threshold, const std::string& decoder_exit) {
  base.encoder = model::parse_encoder_policy(policy);
  if (exit_threshold >= 0) base.threshold = exit_threshold;
  std::string exit = decoder_exit;
  if (exit.empty()) exit = exit_threshold >= 0 ? "halting" : "none";
  base.decoder = model::parse_decoder_exit(exit);
  return base;
}

Translator::Translator(model::ModelBundle& bundle, TranslateOptions options)
    : bundle_(bundle),
      options_(options),
      tokenizer_(text::TokenizerOptions{bundle.preprocess.nfkc}) {}

std::vector<std::string> Translator::source_tokens(const std::string& line) const {
  std::string_view view(line);
  const auto& prefix = bundle_.preprocess.strip_src_prefix;
  if (!prefix.empty() && view.substr(0, prefix.size()) == prefix) view.remove_prefix(prefix.size());
  return tokenizer_.tokenize(view);
}

Translation Translator::render(const Hypothesis& h,
                               const std::vector<std::string>& src_tokens) const {
  std::vector<std::string> words;
  words.reserve(h.tokens.size());
  for (size_t i = 0; i < h.tokens.size(); ++i) {
    const int id = static_cast<int>(h.tokens[i]);
    const auto at = h.alignment[i];
    if (id == text::Vocab::kUnk && options_.replace_unk && at >= 0 &&
        at < static_cast<int64_t>(src_tokens.size()))
      words.push_back(src_tokens[at]);
    else
      words.push_back(bundle_.tgt_vocab.token(id));
  }
  return {tokenizer_.detokenize(words), h.score, static_cast<int64_t>(src_tokens.size()),
          h.encoder_depth, h.exits};
}

std::vector<std::vector<Translation>> Translator::translate(const std::vector<std::string>& lines) {
  nn::MatmulPrecisionGuard precision(options_.precision.value_or(nn::matmul_precision()));
  const int64_t n = static_cast<int64_t>(lines.size());
  std::vector<std::vector<std::string>> tokens(n);
  std::vector<int64_t> lengths(n);
  for (int64_t i = 0; i < n; ++i) {
    tokens[i] = source_tokens(lines[i]);
    lengths[i] = static_cast<int64_t>(tokens[i].size()) + 1;  // + </s>
  }
  std::vector<std::vector<Translation>> out(n);
  // Empty lines translate to empty lines; the model never sees them.
  std::vector<int64_t> todo;
  for (int64_t i = 0; i < n; ++i) {
    if (tokens[i].empty())
      out[i].push_back(Translation{});
    else
      todo.push_back(i);
  }
  std::vector<int64_t> todo_lengths;
  for (auto i : todo) todo_lengths.push_back(lengths[i]);
  const auto device = bundle_.model->parameters().front().device();
  for (auto batch : data::make_sorted_batches(todo_lengths, options_.batch_size, 0)) {
    for (auto& i : batch) i = todo[i];
    int64_t longest = 0;
    for (auto i : batch) longest = std::max(longest, lengths[i]);
    auto src = torch::zeros({static_cast<int64_t>(batch.size()), longest}, torch::kLong);
    auto acc = src.accessor<int64_t, 2>();
    for (size_t b = 0; b < batch.size(); ++b) {
      const auto ids = bundle_.src_vocab.encode(tokens[batch[b]]);
      for (size_t j = 0; j < ids.size(); ++j) acc[b][j] = ids[j];
      acc[b][ids.size()] = text::Vocab::kEos;
    }
    auto hyps = search(*bundle_.model, src.to(device), options_.search);
    for (size_t b = 0; b < batch.size(); ++b)
      for (const auto& h : hyps[b]) out[batch[b]].push_back(render(h, tokens[batch[b]]));
  }
  return out;
}

}  // namespace swt::decode
