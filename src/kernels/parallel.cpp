#include "kernels/parallel.h"

#include <omp.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace swt::kernels {

namespace {

// Blocks per thread: enough that a descheduled thread leaves most of a loop
// to the others, few enough that each block amortises its start-up.
constexpr int64_t kBlocksPerThread = 4;
// Polls of the job counter before an idle worker sleeps (some microseconds:
// decoding runs loops back to back, a few per layer and step).
constexpr int kSpinPolls = 4000;

inline void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// True on pool workers and on a caller while its loop runs: nested loops run
// serially on the thread that meets them.
thread_local bool t_in_loop = false;

struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t begin = 0, end = 0, block = 1, blocks = 0;
  std::atomic<int64_t> next{0};  // next block to claim
  std::atomic<int64_t> done{0};  // blocks finished
  std::mutex error_mutex;
  std::exception_ptr error;

  // Claims and runs blocks until none is left.
  void work() {
    for (int64_t i = next++; i < blocks; i = next++) {
      const int64_t lo = begin + i * block, hi = std::min(end, lo + block);
      try {
        (*fn)(lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_release);
    }
  }
};

class Pool {
 public:
  int threads() const { return threads_; }

  void resize(int threads) {
    threads = std::max(1, threads);
    if (threads == threads_) return;
    stop_workers();
    threads_ = threads;
    // Jobs published from now on are for the new workers, even if a worker
    // starts running only after the first of them.
    const uint64_t seen = published_.load(std::memory_order_acquire);
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this, seen] { worker_loop(seen); });
  }

  void run(int64_t begin, int64_t end, int64_t block, int64_t blocks,
           const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> owner(run_mutex_, std::try_to_lock);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->begin = begin;
    job->end = end;
    job->block = block;
    job->blocks = blocks;
    if (owner.owns_lock()) publish(job);  // else another thread's loop runs: do it alone
    t_in_loop = true;
    job->work();
    // Only blocks that a worker has claimed can still be running.
    for (int polls = 0; job->done.load(std::memory_order_acquire) < blocks; ++polls) {
      if (polls < kSpinPolls)
        cpu_relax();
      else
        std::this_thread::yield();
    }
    t_in_loop = false;
    if (job->error) std::rethrow_exception(job->error);
  }

  ~Pool() { stop_workers(); }

 private:
  void publish(const std::shared_ptr<Job>& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job;
      published_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
  }

  void worker_loop(uint64_t seen) {
    t_in_loop = true;
    omp_set_num_threads(1);              // LibTorch calls inside blocks stay serial
    torch::AutoGradMode no_grad(false);  // blocks do plain arithmetic
    for (;;) {
      for (int i = 0; i < kSpinPolls && published_.load(std::memory_order_acquire) == seen; ++i)
        cpu_relax();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || published_.load() != seen; });
        if (stop_) return;
        seen = published_.load();
        job = job_;
      }
      job->work();  // a stale job has no block left: nothing happens
    }
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stop_ = false;
  }

  int threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_, run_mutex_;
  std::condition_variable wake_;
  std::shared_ptr<Job> job_;
  std::atomic<uint64_t> published_{0};
  bool stop_ = false;
};

Pool& pool() {
  // Never destroyed: workers must not be joined during static destruction,
  // when LibTorch's state may already be gone.
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

void set_parallel_threads(int threads) { pool().resize(threads); }

int parallel_threads() { return pool().threads(); }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (begin >= end) return;
  const int64_t n = end - begin, threads = parallel_threads();
  grain = std::max<int64_t>(1, grain);
  const int64_t block =
      std::max(grain, (n + threads * kBlocksPerThread - 1) / (threads * kBlocksPerThread));
  const int64_t blocks = (n + block - 1) / block;
  if (threads <= 1 || blocks <= 1 || t_in_loop) {
    fn(begin, end);
    return;
  }
  pool().run(begin, end, block, blocks, fn);
}

}  // namespace swt::kernels
