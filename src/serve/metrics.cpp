#include "serve/metrics.h"

#include <cmath>
#include <cstdio>

namespace swt::serve {

namespace {

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15g", v);
  return buffer;
}

void header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(const std::string& name, std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    const double le = i < bounds_.size() ? bounds_[i] : INFINITY;
    out += name + "_bucket{le=\"" + number(le) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
}

Metrics::Metrics()
    : latency_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}),
      batch_sentences_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512}),
      batch_tokens_({16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192}),
      batch_seconds_({0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}) {}

void Metrics::count_request(const std::string& route, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{route, status}];
}

void Metrics::observe_translate_latency(double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  latency_.observe(seconds);
}

void Metrics::count_translated(int64_t sentences_in, int64_t tokens_in, int64_t sentences_out,
                               int64_t tokens_out) {
  std::lock_guard<std::mutex> lock(mutex_);
  sentences_in_ += sentences_in;
  tokens_in_ += tokens_in;
  sentences_out_ += sentences_out;
  tokens_out_ += tokens_out;
}

void Metrics::observe_batch(int64_t sentences, int64_t tokens, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  batch_sentences_.observe(static_cast<double>(sentences));
  batch_tokens_.observe(static_cast<double>(tokens));
  batch_seconds_.observe(seconds);
}

void Metrics::set_queue_depth(int64_t requests, int64_t sentences) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_requests_ = requests;
  queue_sentences_ = sentences;
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  header(out, "swt_http_requests_total", "counter", "HTTP requests answered, by route and status");
  for (const auto& [key, count] : requests_)
    out += "swt_http_requests_total{route=\"" + key.first + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
  const std::pair<const char*, uint64_t> counters[] = {{"swt_sentences_in_total", sentences_in_},
                                                       {"swt_tokens_in_total", tokens_in_},
                                                       {"swt_sentences_out_total", sentences_out_},
                                                       {"swt_tokens_out_total", tokens_out_}};
  const char* helps[] = {"sentences translated (inputs)", "source tokens translated",
                         "translations returned (n-best entries included)",
                         "tokens in the returned translations"};
  for (size_t i = 0; i < 4; ++i) {
    header(out, counters[i].first, "counter", helps[i]);
    out += std::string(counters[i].first) + " " + std::to_string(counters[i].second) + "\n";
  }
  header(out, "swt_queue_requests", "gauge", "requests waiting for the model");
  out += "swt_queue_requests " + std::to_string(queue_requests_) + "\n";
  header(out, "swt_queue_sentences", "gauge", "sentences waiting for the model");
  out += "swt_queue_sentences " + std::to_string(queue_sentences_) + "\n";
  header(out, "swt_translate_latency_seconds", "histogram",
         "POST /v1/translate latency, answered requests");
  latency_.render("swt_translate_latency_seconds", out);
  header(out, "swt_batch_sentences", "histogram", "sentences per model batch");
  batch_sentences_.render("swt_batch_sentences", out);
  header(out, "swt_batch_tokens", "histogram", "source tokens per model batch");
  batch_tokens_.render("swt_batch_tokens", out);
  header(out, "swt_batch_seconds", "histogram", "time the model spent on one batch");
  batch_seconds_.render("swt_batch_seconds", out);
  return out;
}

}  // namespace swt::serve
