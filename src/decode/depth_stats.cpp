#include "decode/depth_stats.h"

#include <cstdio>
#include <limits>

namespace swt::decode {

namespace {

struct Sums {
  int64_t sentences = 0, tokens = 0;
  double encoder = 0, decoder = 0;
  void add(const Translation& t) {
    ++sentences;
    encoder += static_cast<double>(t.encoder_depth);
    for (auto e : t.exits) decoder += static_cast<double>(e);
    tokens += static_cast<int64_t>(t.exits.size());
  }
  double mean_encoder() const { return sentences ? encoder / sentences : 0; }
  double mean_decoder() const { return tokens ? decoder / tokens : 0; }
};

}  // namespace

DepthStats depth_stats(const std::vector<std::vector<Translation>>& translations) {
  const int64_t edges[][2] = {
      {1, 10}, {11, 20}, {21, 30}, {31, 50}, {51, std::numeric_limits<int64_t>::max()}};
  Sums all;
  std::vector<Sums> buckets(std::size(edges));
  for (const auto& nbest : translations) {
    if (nbest.empty()) continue;
    const auto& t = nbest[0];
    all.add(t);
    for (size_t b = 0; b < std::size(edges); ++b)
      if (t.source_tokens >= edges[b][0] && t.source_tokens <= edges[b][1]) buckets[b].add(t);
  }
  DepthStats s;
  s.mean_encoder_depth = all.mean_encoder();
  s.mean_decoder_layers = all.mean_decoder();
  for (size_t b = 0; b < std::size(edges); ++b)
    if (buckets[b].sentences > 0)
      s.by_length.push_back({edges[b][0], edges[b][1], buckets[b].sentences,
                             buckets[b].mean_encoder(), buckets[b].mean_decoder()});
  return s;
}

std::string format_depth_stats(const DepthStats& s) {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "mean encoder depth %.2f | mean decoder layers per token %.2f\n",
                s.mean_encoder_depth, s.mean_decoder_layers);
  out += line;
  out += "source length | sentences | encoder depth | decoder layers/token\n";
  for (const auto& b : s.by_length) {
    const std::string range =
        b.max_length == std::numeric_limits<int64_t>::max()
            ? std::to_string(b.min_length) + "+"
            : std::to_string(b.min_length) + "-" + std::to_string(b.max_length);
    std::snprintf(line, sizeof line, "%13s | %9lld | %13.2f | %20.2f\n", range.c_str(),
                  static_cast<long long>(b.sentences), b.mean_encoder_depth, b.mean_decoder_layers);
    out += line;
  }
  return out;
}

}  // namespace swt::decode
