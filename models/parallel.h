// A work-sharing loop over indices on a few threads: the pool behind the sweep runner
// (reports/sweep.cpp) and the planner (models/plan.h). Workers claim the next index from one
// atomic counter, so uneven work balances itself; the first exception stops the others and is
// rethrown to the caller once every worker has finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace trainsite::models {

// fn(index, worker) for every index in [0, n) on `jobs` threads (worker in [0, jobs)); returns when
// all are done, or early when `stop` becomes true. jobs <= 1 runs on the calling thread.
inline void parallel_for(size_t n, int jobs, const std::function<void(size_t, int)>& fn,
                         std::atomic<bool>* stop = nullptr) {
  std::atomic<bool> local_stop{false};
  std::atomic<bool>& halt = stop ? *stop : local_stop;
  if (jobs <= 1 || n <= 1) {
    for (size_t i = 0; i < n && !halt; ++i) fn(i, 0);
    return;
  }
  std::atomic<size_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto work = [&](int worker) {
    try {
      for (size_t i = next++; i < n && !halt; i = next++) fn(i, worker);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      halt = true;
    }
  };
  {
    std::vector<std::jthread> threads;
    const int workers = int(std::min<size_t>(size_t(jobs), n));
    for (int j = 1; j < workers; ++j) threads.emplace_back(work, j);
    work(0);
  }  // joins
  if (error) std::rethrow_exception(error);
}

}  // namespace trainsite::models
