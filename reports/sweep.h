// The sweep runner: a pool of worker threads over a sweep's points (or one shard of them) and a
// single writer thread that stores results in batched transactions. What a point *is* (a scenario
// resolved from a sweep file and run by an engine) is the worker's business, so this file depends
// on the store only; cli/sweep.cpp supplies workers built on scenarios/ and models/.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "reports/store.h"

namespace trainsite::reports {

class PointWorker {
 public:
  virtual ~PointWorker() = default;
  // The row of point `index`, or nothing when its hash is already in `done` (resume). Must not
  // throw for bad points: those become rows with status invalid and the reason.
  virtual std::optional<PointRow> run(uint64_t index, const std::set<std::string>& done) = 0;
};

struct SweepOptions {
  uint64_t points = 0;  // points in the whole sweep
  uint64_t shard = 0, shards = 1;
  int jobs = 1;
  bool tty = false;             // progress bar (else a plain line every few seconds)
  double plain_interval_s = 5;  // seconds between plain progress lines
  size_t batch_rows = 256;      // rows per transaction (also committed every 0.5 s)
};

struct SweepCounts {
  uint64_t in_shard = 0, already = 0, computed = 0, ok = 0, invalid = 0, skipped = 0;
  double seconds = 0;
};

// Points of shard i/N: indices i, i+N, i+2N, ... (deterministic, balanced within one point).
uint64_t shard_size(uint64_t points, uint64_t shard, uint64_t shards);

SweepCounts run_sweep(Store& store, const SweepOptions& opt,
                      const std::function<std::unique_ptr<PointWorker>()>& make_worker);

}  // namespace trainsite::reports
