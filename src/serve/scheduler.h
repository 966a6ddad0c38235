// The one thread that owns the model in `swt serve`: requests from the HTTP
// handler threads queue here, and the scheduler gathers the sentences of
// concurrent requests with the same decoding options into one batch (until
// --max-batch-tokens source tokens are waiting or the oldest request has waited
// --max-delay-ms), runs decode::Translator on it (not thread-safe, so only this
// thread touches it) and fulfils each request's future. No LibTorch types here.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "serve/metrics.h"

namespace swt::serve {

// Options a request may set; requests batch together only when these agree.
struct DecodeKey {
  int64_t beam = 5;
  int64_t nbest = 1;
  double length_penalty = 1.0;
  std::string depth_policy = "fixed";  // fixed | length | learned
  double exit_threshold = -1;          // -1: not given (no early decoder exits)
  bool alignment = false;              // keep each output token's cross-attention
  bool operator==(const DecodeKey& o) const {
    return beam == o.beam && nbest == o.nbest && length_penalty == o.length_penalty &&
           depth_policy == o.depth_policy && exit_threshold == o.exit_threshold &&
           alignment == o.alignment;
  }
};

struct Hypothesis {
  std::string text;
  double score = 0;
  int64_t encoder_depth = 0;           // encoder layers the sentence went through
  std::vector<int64_t> decoder_depth;  // decoder layers per output token and </s>
  // DecodeKey::alignment only: source and output tokens (each ending with
  // "</s>") and attention[t][s], output token t's cross-attention over them.
  std::vector<std::string> source, target;
  std::vector<std::vector<float>> attention;
};
// Per input line, up to nbest hypotheses, best first.
using Translations = std::vector<std::vector<Hypothesis>>;

struct SchedulerOptions {
  int64_t max_batch_tokens = 2048;
  int64_t max_delay_ms = 5;
  int64_t max_queue = 256;  // requests waiting (not yet in a batch)
};

// `--threads` for the model (nn::apply_threads: 0 = all cores).
void set_compute_threads(int64_t threads);

class Scheduler {
 public:
  // Loads the model directory (one copy) and starts the scheduler thread.
  Scheduler(const std::string& model_dir, bool int8, SchedulerOptions options, Metrics& metrics);
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Source tokens of a raw line as the model would see them (thread-safe).
  int64_t count_tokens(const std::string& line) const;
  // "" when the options are valid for this model, else a one-line reason
  // naming the field (beam, nbest, length_penalty, depth_policy, exit_threshold).
  std::string check(const DecodeKey& key) const;
  // Queues `lines` (with their token counts); nullopt when the queue is full.
  // A request larger than --max-batch-tokens is split over several batches.
  // Sentences of a request whose `cancelled` flag is set before their batch
  // starts are dropped.
  std::optional<std::future<Translations>> submit(std::vector<std::string> lines,
                                                  std::vector<int64_t> tokens, DecodeKey key,
                                                  std::shared_ptr<std::atomic<bool>> cancelled);
  // Config summary for GET /v1/model.
  nlohmann::json model_info() const;
  // From now on batches start without waiting for --max-delay-ms (shutdown).
  void hurry();
  // Finishes the queued requests, then ends the thread.
  void stop();

 private:
  // One request. `next` changes under mutex_; the rest after submit() only
  // on the scheduler thread.
  struct Job {
    std::vector<std::string> lines;
    std::vector<int64_t> tokens;  // per line, without </s>
    DecodeKey key;
    std::shared_ptr<std::atomic<bool>> cancelled;
    std::chrono::steady_clock::time_point queued;
    std::promise<Translations> promise;
    size_t next = 0;       // lines [0, next) have gone to a batch
    size_t remaining = 0;  // lines not translated yet
    bool answered = false;
    Translations results;  // per line, filled batch by batch
  };
  // Lines [begin, end) of a job, in one batch.
  struct Slice {
    std::shared_ptr<Job> job;
    size_t begin = 0, end = 0;
  };
  struct Model;

  void loop();
  void run_batch(std::vector<Slice>& slices);
  void publish_depth();  // with mutex_ held

  std::unique_ptr<Model> model_;
  SchedulerOptions options_;
  Metrics& metrics_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;  // requests with lines not yet in a batch
  int64_t queued_sentences_ = 0;
  bool stopping_ = false, hurry_ = false;
  std::thread thread_;
};

}  // namespace swt::serve
