#include "reports/sweep.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "models/parallel.h"

namespace trainsite::reports {

namespace {

using Clock = std::chrono::steady_clock;

std::string hms(double s) {
  if (!(s >= 0) || s > 1e7) return "--:--";
  const long t = long(s + 0.5);
  return t >= 3600 ? fmt::format("{}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
                   : fmt::format("{}:{:02}", t / 60, t % 60);
}

// Rows from the workers to the single writer thread.
class RowQueue {
 public:
  void push(PointRow r) {
    {
      std::lock_guard lock(m_);
      q_.push_back(std::move(r));
    }
    cv_.notify_one();
  }
  void close() {
    {
      std::lock_guard lock(m_);
      closed_ = true;
    }
    cv_.notify_one();
  }
  // Up to `max` rows, waiting at most `wait`; empty and closed = done.
  std::vector<PointRow> take(size_t max, std::chrono::milliseconds wait, bool& done) {
    std::unique_lock lock(m_);
    cv_.wait_for(lock, wait, [&] { return q_.size() >= max || closed_; });
    std::vector<PointRow> out;
    while (!q_.empty() && out.size() < max) {
      out.push_back(std::move(q_.front()));
      q_.pop_front();
    }
    done = closed_ && q_.empty();
    return out;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<PointRow> q_;
  bool closed_ = false;
};

}  // namespace

uint64_t shard_size(uint64_t points, uint64_t shard, uint64_t shards) {
  return points > shard ? (points - shard + shards - 1) / shards : 0;
}

SweepCounts run_sweep(Store& store, const SweepOptions& opt,
                      const std::function<std::unique_ptr<PointWorker>()>& make_worker) {
  SweepCounts counts;
  counts.in_shard = shard_size(opt.points, opt.shard, opt.shards);
  const std::set<std::string> done = store.hashes();
  const auto t0 = Clock::now();

  std::atomic<uint64_t> finished{0}, already{0}, stored{0};
  std::atomic<uint64_t> ok{0}, invalid{0}, skipped{0};
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  auto fail = [&](std::exception_ptr e) {
    std::lock_guard lock(error_mutex);
    if (!error) error = e;
    stop = true;
  };

  RowQueue queue;
  std::jthread writer([&] {
    bool finished_writing = false;
    while (!finished_writing) {
      auto rows = queue.take(opt.batch_rows, std::chrono::milliseconds(500), finished_writing);
      if (rows.empty() || error) continue;
      try {
        store.insert(rows);  // one transaction: a kill leaves this batch all in or all out
        stored += rows.size();
      } catch (...) {
        fail(std::current_exception());
      }
    }
  });

  // Workers: the work-sharing loop the planner uses too (models/parallel.h), on its own thread so
  // this one can report progress.
  const int jobs = std::max(1, opt.jobs);
  std::vector<std::unique_ptr<PointWorker>> pool;
  for (int j = 0; j < jobs; ++j) pool.push_back(make_worker());
  std::jthread workers([&] {
    try {
      models::parallel_for(
          counts.in_shard, jobs,
          [&](size_t k, int j) {
            auto row = pool[size_t(j)]->run(opt.shard + k * opt.shards, done);
            if (!row) {
              ++already;
            } else {
              (row->status == "ok" ? ok : row->status == "invalid" ? invalid : skipped)++;
              queue.push(std::move(*row));
            }
            ++finished;
          },
          &stop);
    } catch (...) {
      fail(std::current_exception());
    }
  });

  // Progress on stderr while the workers run.
  auto last_plain = Clock::now();
  auto report = [&](bool final) {
    const double el = std::chrono::duration<double>(Clock::now() - t0).count();
    const uint64_t f = finished, computed = f - already;
    const double rate = el > 0 ? double(computed) / el : 0;
    const double eta = rate > 0 ? double(counts.in_shard - f) / rate : -1;
    const double frac = counts.in_shard ? double(f) / double(counts.in_shard) : 1;
    if (opt.tty) {
      const int width = 30, fill = int(frac * width);
      std::fprintf(stderr, "\r[%s%s] %5.1f%% %llu/%llu points  %.0f/s  ETA %s   ",
                   std::string(size_t(fill), '#').c_str(), std::string(size_t(width - fill), '.').c_str(),
                   100 * frac, static_cast<unsigned long long>(f),
                   static_cast<unsigned long long>(counts.in_shard), rate, hms(final ? 0 : eta).c_str());
      if (final) std::fputc('\n', stderr);
    } else if (final ||
               std::chrono::duration<double>(Clock::now() - last_plain).count() >= opt.plain_interval_s) {
      last_plain = Clock::now();
      std::fprintf(stderr, "sweep: %llu/%llu points (%.1f%%), %.0f points/s, ETA %s\n",
                   static_cast<unsigned long long>(f), static_cast<unsigned long long>(counts.in_shard),
                   100 * frac, rate, hms(final ? 0 : eta).c_str());
    }
    std::fflush(stderr);
  };
  while (finished < counts.in_shard && !stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(opt.tty ? 100 : 200));
    report(false);
  }
  workers.join();
  queue.close();
  writer.join();
  if (error) std::rethrow_exception(error);
  report(true);

  counts.already = already;
  counts.computed = uint64_t(finished) - already;
  counts.ok = ok;
  counts.invalid = invalid;
  counts.skipped = skipped;
  counts.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return counts;
}

}  // namespace trainsite::reports
