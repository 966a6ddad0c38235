// Prometheus text-format metrics of `swt serve` (docs/serve.md lists the
// names). Every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace swt::serve {

// Cumulative histogram with fixed upper bounds (Prometheus `le` buckets).
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Appends NAME_bucket{le=...}, NAME_sum and NAME_count lines.
  void render(const std::string& name, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; last = +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // One answered HTTP request; `route` is a known path or "other".
  void count_request(const std::string& route, int status);
  void observe_translate_latency(double seconds);
  void count_translated(int64_t sentences_in, int64_t tokens_in, int64_t sentences_out,
                        int64_t tokens_out);
  void observe_batch(int64_t sentences, int64_t tokens, double seconds);
  void set_queue_depth(int64_t requests, int64_t sentences);

  std::string render() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t sentences_in_ = 0, tokens_in_ = 0, sentences_out_ = 0, tokens_out_ = 0;
  int64_t queue_requests_ = 0, queue_sentences_ = 0;
  Histogram latency_, batch_sentences_, batch_tokens_, batch_seconds_;
};

}  // namespace swt::serve
