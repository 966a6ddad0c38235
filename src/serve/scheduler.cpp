#include "serve/scheduler.h"

#include "decode/translator.h"
#include "model/model_dir.h"
#include "nn/linear.h"
#include "nn/precision.h"
#include "nn/threads.h"
#include "util/error.h"

namespace swt::serve {

void set_compute_threads(int64_t threads) { nn::apply_threads(threads); }

struct Scheduler::Model {
  model::ModelBundle bundle;
  text::Tokenizer tokenizer;
  decode::TranslateOptions base;  // as `swt translate` with no options
  bool int8 = false;
  ~Model() {
    if (int8 && bundle.model) nn::forget_int8_weights(*bundle.model);
  }
  decode::TranslateOptions options(const DecodeKey& key) const {
    auto o = base;
    o.search.beam = key.beam;
    o.search.nbest = key.nbest;
    o.search.length_penalty = key.length_penalty;
    // As swt translate --depth-policy P [--exit-threshold T].
    o.search.depth =
        decode::inference_depth(o.search.depth, key.depth_policy, key.exit_threshold, "");
    o.search.attention = key.alignment;
    return o;
  }
};

Scheduler::Scheduler(const std::string& model_dir, bool int8, SchedulerOptions options,
                     Metrics& metrics)
    : model_(std::make_unique<Model>()), options_(options), metrics_(metrics) {
  model_->bundle = model::load_model_dir(model_dir);
  model_->tokenizer = text::Tokenizer(text::TokenizerOptions{model_->bundle.preprocess.nfkc});
  auto& base = model_->base;
  base.precision = nn::parse_precision("auto", "--precision");
  base.search.depth = decode::inference_depth(base.search.depth, "fixed", -1, "");
  decode::check_translate_options(base, model_->bundle.config);
  if (int8) nn::use_int8_weights(*model_->bundle.model);
  model_->int8 = int8;
  thread_ = std::thread([this] { loop(); });
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::hurry() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    hurry_ = true;
  }
  wake_.notify_all();
}

void Scheduler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t Scheduler::count_tokens(const std::string& line) const {
  // As decode::Translator::source_tokens: the source prefix is stripped first.
  std::string_view view(line);
  const auto& prefix = model_->bundle.preprocess.strip_src_prefix;
  if (!prefix.empty() && view.substr(0, prefix.size()) == prefix) view.remove_prefix(prefix.size());
  return static_cast<int64_t>(model_->tokenizer.tokenize(view).size());
}

std::string Scheduler::check(const DecodeKey& key) const {
  const auto adaptive_only = " needs a model trained with model.adaptive_depth: true";
  if (!model_->bundle.config.depth.adaptive) {
    if (key.depth_policy == "learned") return std::string("depth_policy 'learned'") + adaptive_only;
    if (key.exit_threshold >= 0) return std::string("exit_threshold") + adaptive_only;
  }
  try {
    decode::check_translate_options(model_->options(key), model_->bundle.config);
  } catch (const std::exception& e) {
    return one_line_message(e);
  }
  return "";
}

std::optional<std::future<Translations>> Scheduler::submit(
    std::vector<std::string> lines, std::vector<int64_t> tokens, DecodeKey key,
    std::shared_ptr<std::atomic<bool>> cancelled) {
  auto job = std::make_shared<Job>();
  job->lines = std::move(lines);
  job->tokens = std::move(tokens);
  job->remaining = job->lines.size();
  job->results.resize(job->lines.size());
  job->key = std::move(key);
  job->cancelled = std::move(cancelled);
  job->queued = std::chrono::steady_clock::now();
  auto future = job->promise.get_future();
  if (job->lines.empty()) {  // {"texts": []}: nothing for the model
    job->promise.set_value({});
    return future;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || static_cast<int64_t>(queue_.size()) >= options_.max_queue) return std::nullopt;
    queued_sentences_ += static_cast<int64_t>(job->lines.size());
    queue_.push_back(std::move(job));
    publish_depth();
  }
  wake_.notify_all();
  return future;
}

void Scheduler::publish_depth() {
  metrics_.set_queue_depth(static_cast<int64_t>(queue_.size()), queued_sentences_);
}

void Scheduler::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    // Requests whose clients stopped waiting (deadline passed) are dropped.
    for (auto it = queue_.begin(); it != queue_.end();) {
      const auto& job = **it;
      if (job.cancelled && job.cancelled->load()) {
        queued_sentences_ -= static_cast<int64_t>(job.lines.size() - job.next);
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
    publish_depth();
    if (queue_.empty()) {
      if (stopping_) return;
      wake_.wait(lock);
      continue;
    }
    const DecodeKey key = queue_.front()->key;
    int64_t waiting = 0;  // source tokens (with </s>) waiting with these options
    for (const auto& job : queue_)
      if (job->key == key)
        for (size_t i = job->next; i < job->lines.size(); ++i) waiting += job->tokens[i] + 1;
    const auto due = queue_.front()->queued + std::chrono::milliseconds(options_.max_delay_ms);
    if (!stopping_ && !hurry_ && waiting < options_.max_batch_tokens &&
        std::chrono::steady_clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    // The waiting sentences of the oldest request and of those after it with
    // the same options, in order, up to the token budget: a request larger
    // than the budget is split over several batches (a sentence larger than
    // the budget goes alone).
    std::vector<Slice> batch;
    int64_t tokens = 0;
    for (auto it = queue_.begin(); it != queue_.end();) {
      auto& job = **it;
      if (!(job.key == key)) {
        ++it;
        continue;
      }
      size_t end = job.next;
      while (end < job.lines.size() &&
             (tokens == 0 || tokens + job.tokens[end] + 1 <= options_.max_batch_tokens))
        tokens += job.tokens[end++] + 1;
      if (end > job.next) {
        batch.push_back({*it, job.next, end});
        queued_sentences_ -= static_cast<int64_t>(end - job.next);
        job.next = end;
      }
      if (job.next < job.lines.size()) break;  // the budget is spent
      it = queue_.erase(it);
    }
    publish_depth();
    lock.unlock();
    run_batch(batch);
    lock.lock();
  }
}

void Scheduler::run_batch(std::vector<Slice>& slices) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> lines;
  int64_t tokens_in = 0;
  for (const auto& s : slices)
    for (size_t i = s.begin; i < s.end; ++i) {
      lines.push_back(s.job->lines[i]);
      tokens_in += s.job->tokens[i];
    }
  std::vector<std::vector<decode::Translation>> all;
  try {
    decode::Translator translator(model_->bundle, model_->options(slices.front().job->key));
    all = translator.translate(lines);
  } catch (...) {
    auto error = std::current_exception();
    for (auto& s : slices) {
      if (s.job->answered) continue;
      s.job->answered = true;
      if (s.job->cancelled) s.job->cancelled->store(true);  // its other sentences are dropped
      s.job->promise.set_exception(error);
    }
    return;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.observe_batch(static_cast<int64_t>(lines.size()), tokens_in, seconds);
  int64_t sentences_out = 0, tokens_out = 0;
  size_t next = 0;
  for (auto& s : slices) {
    auto& job = *s.job;
    for (size_t i = s.begin; i < s.end; ++i, ++next) {
      auto& nbest = job.results[i];
      for (auto& t : all[next]) {
        ++sentences_out;
        tokens_out += static_cast<int64_t>(model_->tokenizer.tokenize(t.text).size());
        nbest.push_back({std::move(t.text), t.score, t.encoder_depth, std::move(t.exits),
                         std::move(t.source), std::move(t.target), std::move(t.attention)});
      }
    }
    job.remaining -= s.end - s.begin;
    if (job.remaining == 0 && !job.answered) {
      job.answered = true;
      job.promise.set_value(std::move(job.results));
    }
  }
  metrics_.count_translated(static_cast<int64_t>(lines.size()), tokens_in, sentences_out,
                            tokens_out);
}

nlohmann::json Scheduler::model_info() const {
  const auto& b = model_->bundle;
  auto config = model::to_json(b.config);
  return {{"config", config},
          {"attention", b.config.attention},
          {"src_vocab_size", b.src_vocab.size()},
          {"tgt_vocab_size", b.tgt_vocab.size()},
          {"encoder_layers", b.config.encoder_layers},
          {"decoder_layers", b.config.decoder_layers},
          {"adaptive_depth", config.contains("depth") ? config["depth"] : nlohmann::json()},
          {"preprocess", model::to_json(b.preprocess)},
          {"int8", model_->int8}};
}

}  // namespace swt::serve
