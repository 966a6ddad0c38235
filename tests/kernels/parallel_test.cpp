// The thread pool (kernels/parallel.h): every index exactly once, blocks no
// shorter than the grain, serial fallbacks, nested loops, exceptions, loops
// started from two threads at once, and resizing.
#include "kernels/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "support/pool_threads.h"

namespace swt::kernels {

namespace {

using PoolThreads = test::PoolThreadsTest;

// Runs a loop and returns how often each index was visited and the blocks.
std::vector<int> visits(int64_t begin, int64_t end, int64_t grain,
                        std::vector<std::pair<int64_t, int64_t>>* blocks = nullptr) {
  std::vector<std::atomic<int>> count(static_cast<size_t>(std::max<int64_t>(end, 0)));
  std::mutex m;
  parallel_for(begin, end, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) ++count[static_cast<size_t>(i)];
    if (blocks) {
      std::lock_guard<std::mutex> lock(m);
      blocks->emplace_back(lo, hi);
    }
  });
  std::vector<int> out;
  for (auto& c : count) out.push_back(c.load());
  return out;
}

}  // namespace

TEST_P(PoolThreads, CoversEveryIndexExactlyOnce) {
  for (int64_t n : {1, 2, 7, 64, 1000, 100003})
    for (int64_t grain : {1, 3, 16, 5000}) {
      const auto v = visits(0, n, grain);
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v[i], 1) << "n " << n << " grain " << grain;
    }
  // An offset range and an empty one.
  const auto v = visits(10, 50, 4);
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(v[i], i >= 10 ? 1 : 0);
  EXPECT_EQ(visits(5, 5, 1), std::vector<int>(5, 0));
}

TEST_P(PoolThreads, BlocksAreAtLeastTheGrainExceptTheLast) {
  std::vector<std::pair<int64_t, int64_t>> blocks;
  visits(0, 1001, 100, &blocks);
  int short_blocks = 0;
  for (const auto& [lo, hi] : blocks) short_blocks += hi - lo < 100;
  EXPECT_LE(short_blocks, 1);
}

TEST_P(PoolThreads, UsesSeveralThreadsOnlyWhenItHasThem) {
  std::mutex m;
  std::set<std::thread::id> ids;
  const auto caller = std::this_thread::get_id();
  // The caller's blocks wait (up to 5 s, for a loaded machine) until another
  // thread has taken a block, so a sleeping worker has time to wake and join.
  parallel_for(0, 64, 1, [&](int64_t, int64_t) {
    {
      std::lock_guard<std::mutex> lock(m);
      ids.insert(std::this_thread::get_id());
    }
    for (int waited = 0; GetParam() > 1 && std::this_thread::get_id() == caller && waited < 5000;
         ++waited) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (ids.size() >= 2) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  if (GetParam() == 1)
    EXPECT_EQ(ids.size(), 1u);
  else
    EXPECT_GE(ids.size(), 2u);
}

TEST_P(PoolThreads, NestedLoopsRunSeriallyOnTheirThread) {
  std::atomic<int64_t> total{0};
  parallel_for(0, 8, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      const auto outer = std::this_thread::get_id();
      parallel_for(0, 100, 1, [&](int64_t a, int64_t b) {
        EXPECT_EQ(std::this_thread::get_id(), outer);
        total += b - a;
      });
    }
  });
  EXPECT_EQ(total.load(), 800);
}

TEST_P(PoolThreads, RethrowsTheFirstExceptionAfterTheOtherBlocks) {
  std::atomic<int64_t> ran{0};
  EXPECT_THROW(parallel_for(0, 64, 1,
                            [&](int64_t lo, int64_t hi) {
                              ran += hi - lo;
                              if (lo <= 17 && 17 < hi) throw std::runtime_error("block 17");
                            }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 64);
  // The pool still works afterwards.
  const auto v = visits(0, 300, 1);
  for (int x : v) EXPECT_EQ(x, 1);
}

TEST_P(PoolThreads, LoopsFromTwoThreadsAtOnceBothComplete) {
  std::vector<int> a, b;
  std::thread other([&] {
    for (int r = 0; r < 50; ++r) b = visits(0, 2000, 1);
  });
  for (int r = 0; r < 50; ++r) a = visits(0, 3000, 1);
  other.join();
  for (int x : a) EXPECT_EQ(x, 1);
  for (int x : b) EXPECT_EQ(x, 1);
}

INSTANTIATE_TEST_SUITE_P(Threads, PoolThreads, ::testing::Values(1, 2, 3));

TEST(Pool, ResizesUpAndDown) {
  const int saved = parallel_threads();
  for (int t : {4, 1, 2, 2, 0}) {
    set_parallel_threads(t);
    EXPECT_EQ(parallel_threads(), std::max(1, t));
    const auto v = visits(0, 500, 1);
    for (int x : v) ASSERT_EQ(x, 1);
  }
  set_parallel_threads(saved);
}

}  // namespace swt::kernels
