// The SQLite results store of sweeps: one row per point, keyed by the point's hash, with the full
// result JSON and indexed headline columns. WAL journal; writes are batched transactions, so a
// process killed at any moment leaves whole batches only. A file that is not a trainsite store is
// refused with a clear error and never written to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "models/estimate.h"

struct sqlite3;

namespace trainsite::reports {

inline constexpr const char* kStoreSchema = "trainsite/sweep-db/v1";

struct PointRow {
  std::string hash;
  uint64_t idx = 0;      // the point's index in its sweep (deterministic order)
  std::string sweep;     // sweep name
  std::string point;     // the axis values, "cluster.gpu=H800-SXM5-80GB; cluster.nodes=128"
  std::string scenario;  // canonical resolved scenario (flow YAML)
  std::string engine = "analytic";
  std::string status = "ok";  // ok | invalid | skipped
  std::string reason;         // why invalid / skipped
  // Headline columns (of the first site of the point).
  std::string site, gpu, fabric;
  int nodes = 0, gpus = 0, tp = 0, pp = 0;
  std::optional<double> step_time_s, mfu, wall_clock_days, energy_mwh, cost_total, co2_t;
  std::string currency;
  std::string result;  // full result JSON (empty unless ok)
};

// Headline columns and result JSON of an ok point from its scenario and result.
void fill_row(PointRow& row, const models::Scenario& sc, const models::Result& r);

// The queryable columns, in table order (CSV header order too).
const std::vector<std::string>& store_columns();

class Store {
 public:
  // Opens or creates `path`. Throws std::runtime_error naming the file when it exists and is not a
  // trainsite store (foreign SQLite database, corrupt file, other schema version); nothing is written then.
  explicit Store(const std::string& path, bool read_only = false);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  uint64_t count() const;
  std::set<std::string> hashes() const;
  // Inserts rows in one transaction; existing hashes are kept (first writer wins, rows are equal).
  void insert(const std::vector<PointRow>& rows);
  // Copies every row of another store in one transaction (INSERT OR IGNORE): idempotent.
  uint64_t merge_from(const std::string& other_path);
  void set_meta(const std::string& key, const std::string& value);
  std::string meta(const std::string& key) const;

  // Rows by `where` clauses ("site=ulanqab", "gpus>=1024"), sorted by a column, best first.
  std::vector<PointRow> query(const std::vector<std::string>& where, const std::string& by, bool descending,
                              std::optional<uint64_t> limit, bool ok_only) const;
  // All rows sorted by hash (the comparison order of tests and merges).
  std::vector<PointRow> all() const { return query({}, "hash", false, std::nullopt, false); }

  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// Maps user names ("cost.total", "days", "energy") to a column; throws std::invalid_argument.
std::string column_for(const std::string& name);

// CSV (RFC 4180) of rows: every column but the scenario and result JSON.
std::string rows_to_csv(const std::vector<PointRow>& rows);
// Parses CSV text into records of fields (quotes, doubled quotes, embedded newlines).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

// Write `text` to `path` atomically (temporary file + rename).
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace trainsite::reports
