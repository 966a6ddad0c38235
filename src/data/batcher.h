// Token-based batching with length bucketing: examples of similar length go
// together so little is spent on padding, and each batch holds about
// `batch_tokens` tokens (padding included). The order is a pure function of
// (seed, epoch), so a resumed run replays exactly the same batches.
#pragma once

#include <cstdint>
#include <vector>

namespace swt::data {

struct ExampleLength {
  int64_t src = 0;
  int64_t tgt = 0;
};

using Batch = std::vector<int64_t>;  // indices into the example list

// Splits all examples into batches for one epoch, shuffled deterministically.
// An example longer than batch_tokens alone still gets a batch of its own.
std::vector<Batch> make_epoch_batches(const std::vector<ExampleLength>& lengths,
                                      int64_t batch_tokens, uint64_t seed, int64_t epoch);

// Splits `count` items sorted by length into consecutive chunks with at most
// `max_items` items and about `max_tokens` padded tokens each (translation).
std::vector<Batch> make_sorted_batches(const std::vector<int64_t>& lengths, int64_t max_items,
                                       int64_t max_tokens);

}  // namespace swt::data
