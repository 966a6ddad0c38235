// Counts the bytes of every CPU tensor allocation while installed, so that a
// benchmark can report the exact peak of live tensor memory of one run (peak
// RSS cannot be reset portably and includes allocator caching).
#pragma once

#include <c10/core/Allocator.h>

#include <atomic>
#include <cstdint>

namespace swt::cli {

class AllocTracker : public c10::Allocator {
 public:
  // Wraps the current CPU allocator; later tensor allocations go through this one.
  static AllocTracker& install() {
    static AllocTracker tracker(c10::GetAllocator(c10::DeviceType::CPU));
    c10::SetAllocator(c10::DeviceType::CPU, &tracker, /*priority=*/255);
    return tracker;
  }

  c10::DataPtr allocate(size_t n) const override {
    auto* ctx = new Block{base_->allocate(n), static_cast<int64_t>(n), this};
    add(ctx->bytes);
    void* data = ctx->inner.get();
    return {data, ctx, &release, ctx->inner.device()};
  }
  c10::DeleterFnPtr raw_deleter() const override { return nullptr; }

  int64_t live() const { return live_.load(); }
  int64_t peak() const { return peak_.load(); }
  void reset_peak() { peak_.store(live_.load()); }

 private:
  struct Block {
    c10::DataPtr inner;
    int64_t bytes;
    const AllocTracker* owner;
  };

  explicit AllocTracker(c10::Allocator* base) : base_(base) {}

  static void release(void* p) {
    auto* block = static_cast<Block*>(p);
    block->owner->live_.fetch_sub(block->bytes);
    delete block;  // frees the wrapped allocation
  }
  void add(int64_t bytes) const {
    const int64_t now = live_.fetch_add(bytes) + bytes;
    int64_t seen = peak_.load();
    while (now > seen && !peak_.compare_exchange_weak(seen, now)) {
    }
  }

  c10::Allocator* base_;
  mutable std::atomic<int64_t> live_{0}, peak_{0};
};

}  // namespace swt::cli
