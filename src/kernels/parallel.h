// The program's one thread pool: every parallel loop of ours (GEMMs, the
// fused kernels) runs here; LibTorch's own OpenMP pool is kept at one thread
// and OpenBLAS too (nn/threads.h).
//
// Why our own: LibTorch's parallel_for splits a loop into one fixed share per
// thread and waits at a barrier for all of them. On two cores with another
// process on one of them, every region then waits for the descheduled share:
// training ran up to 10x slower with two threads than with one. Here a loop
// is cut into several blocks per thread that threads claim one at a time; the
// caller claims blocks too and waits only for blocks already started, never
// for a worker that has not woken up. Idle workers spin briefly, then sleep.
#pragma once

#include <cstdint>
#include <functional>

namespace swt::kernels {

// Threads that run a loop, the caller included (1 = everything serial, the
// default). Changing it starts or stops workers; not while a loop runs.
void set_parallel_threads(int threads);
int parallel_threads();

// Calls fn(lo, hi) over sub-ranges that cover [begin, end) exactly once,
// each at least `grain` long (except the last), possibly on several threads,
// and returns when all are done. Runs serially when the range is one block,
// the pool has one thread, or when called from inside another loop. The first
// exception thrown by fn is rethrown here (after the other blocks finish).
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace swt::kernels
