#include "decode/translator.h"

#include "data/batcher.h"
#include "decode/speculative.h"
#include "text/vocab.h"
#include "util/error.h"

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

void check_translate_options(const TranslateOptions& o, const model::ModelConfig& model) {
  auto at_least = [](const char* name, double value, double low) {
    if (!(value >= low))  // also refuses NaN
      fail(std::string(name) + " must be >= " + c10::str(low) + ", got " + c10::str(value));
  };
  const auto& s = o.search;
  at_least("beam", static_cast<double>(s.beam), 1);
  at_least("nbest", static_cast<double>(s.nbest), 1);
  if (s.nbest > s.beam)
    fail("nbest must be <= beam (" + std::to_string(s.beam) + "), got " + std::to_string(s.nbest));
  at_least("batch_size", static_cast<double>(o.batch_size), 1);
  at_least("length_penalty", s.length_penalty, 0);
  at_least("max_length_a", static_cast<double>(s.max_length_a), 0);
  at_least("max_length_b", static_cast<double>(s.max_length_b), 0);
  if (s.max_length_a == 0 && s.max_length_b == 0)
    fail("max_length_a and max_length_b are both 0: no output could be produced");
  const auto& d = s.depth;
  if (d.encoder_layers < 0 || d.encoder_layers > model.encoder_layers)
    fail("encoder_layers must be between 0 and the model's " +
         std::to_string(model.encoder_layers) + ", got " + std::to_string(d.encoder_layers));
  if (d.decoder_layers < 0 || d.decoder_layers > model.decoder_layers)
    fail("decoder_layers must be between 0 and the model's " +
         std::to_string(model.decoder_layers) + ", got " + std::to_string(d.decoder_layers));
  if (!(d.threshold >= 0 && d.threshold <= 1))
    fail("exit_threshold must be in [0, 1], got " + c10::str(d.threshold));
  if (s.speculative.enabled) check_speculative_options(s, model);
}

Translator::Translator(model::ModelBundle& bundle, TranslateOptions options)
    : bundle_(bundle),
      options_(options),
      tokenizer_(text::TokenizerOptions{bundle.preprocess.nfkc}) {
  check_translate_options(options_, bundle_.config);
}

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
  Translation t;
  t.text = tokenizer_.detokenize(words);
  t.score = h.score;
  t.source_tokens = static_cast<int64_t>(src_tokens.size());
  t.encoder_depth = h.encoder_depth;
  t.exits = h.exits;
  if (options_.search.attention) {
    t.source = src_tokens;
    t.source.push_back(text::kEosToken);
    t.target = std::move(words);
    t.target.push_back(text::kEosToken);
    t.attention = h.attention;
  }
  return t;
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
    auto hyps = options_.search.speculative.enabled
                    ? speculative_search(*bundle_.model, src.to(device), options_.search,
                                         &speculative_stats_)
                    : search(*bundle_.model, src.to(device), options_.search);
    for (size_t b = 0; b < batch.size(); ++b)
      for (const auto& h : hyps[b]) out[batch[b]].push_back(render(h, tokens[batch[b]]));
  }
  return out;
}

}  // namespace swt::decode
