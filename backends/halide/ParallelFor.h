// ParallelFor.h: runs independent jobs on a few threads (kernel compiles).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <vector>

namespace kiln {

/// The number of worker threads to use when none is asked for: one per core.
inline int default_job_count() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

/// Calls `job(i)` for every i in [0, count) on up to `threads` threads, each taking the next
/// undone index; returns when all are done. `job` must not throw.
inline void parallel_for(int count, int threads, const std::function<void(int)>& job) {
  threads = std::max(1, std::min(threads, count));
  if (threads <= 1) {
    for (int i = 0; i < count; ++i) job(i);
    return;
  }
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) job(i);
    });
  for (std::thread& w : workers) w.join();
}

}  // namespace kiln
