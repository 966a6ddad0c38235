// include/swt/swt.h: a thin facade over decode::Translator that keeps
// LibTorch out of the public header.
#include <swt/swt.h>

#include "decode/translator.h"
#include "model/model_dir.h"
#include "nn/linear.h"
#include "nn/threads.h"
#include "util/error.h"

namespace swt {

struct Translator::Impl {
  model::ModelBundle bundle;
  std::unique_ptr<decode::Translator> translator;
  bool int8 = false;
  ~Impl() {
    if (int8) nn::forget_int8_weights(*bundle.model);
  }
};

namespace {

decode::TranslateOptions internal_options(const TranslatorOptions& o) {
  decode::TranslateOptions t;
  t.search.beam = o.beam;
  t.search.nbest = o.nbest;
  t.search.length_penalty = o.length_penalty;
  t.search.max_length_a = o.max_length_a;
  t.search.max_length_b = o.max_length_b;
  t.search.depth =
      decode::inference_depth(t.search.depth, o.depth_policy, o.exit_threshold, o.decoder_exit);
  t.search.speculative = {o.speculative, o.draft_layers, o.draft_tokens, o.draft_confidence,
                          o.draft_vocabulary};
  t.batch_size = o.batch_size;
  t.replace_unk = o.replace_unk;
  t.precision = nn::parse_precision(o.precision, "precision");
  return t;
}

// Every error leaving the public API is a std::runtime_error (swt::Error) with
// one line: LibTorch's and JSON's own exceptions are translated here.
template <class F>
auto at_api_boundary(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(one_line_message(e));
  }
}

}  // namespace

Translator::Translator(const std::string& model_dir, const TranslatorOptions& options)
    : impl_(std::make_unique<Impl>()) {
  at_api_boundary([&] {
    if (options.threads < 0) fail("threads must be >= 0, got " + std::to_string(options.threads));
    auto internal = internal_options(options);
    nn::apply_threads(options.threads);
    impl_->bundle = model::load_model_dir(model_dir);
    impl_->translator = std::make_unique<decode::Translator>(impl_->bundle, internal);
    if (options.int8) nn::use_int8_weights(*impl_->bundle.model);
    impl_->int8 = options.int8;
  });
}

Translator::~Translator() = default;

std::vector<std::vector<TranslationResult>> Translator::translate_nbest(
    const std::vector<std::string>& lines) {
  return at_api_boundary([&] {
    std::vector<std::vector<TranslationResult>> out;
    for (const auto& nbest : impl_->translator->translate(lines)) {
      out.emplace_back();
      for (const auto& t : nbest) out.back().push_back({t.text, t.score});
    }
    return out;
  });
}

std::vector<std::string> Translator::translate(const std::vector<std::string>& lines) {
  std::vector<std::string> best;
  for (const auto& nbest : translate_nbest(lines))
    best.push_back(nbest.empty() ? "" : nbest[0].text);
  return best;
}

std::string version() { return SWT_VERSION; }

}  // namespace swt
