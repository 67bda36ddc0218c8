// `trainsite sweep`: run a sweep file into a SQLite store (resumable, shardable), merge shard
// stores, list the best points, export CSV.
#include "reports/sweep.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "models/estimate.h"
#include "reports/json.h"
#include "reports/store.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"
#include "scenarios/sweep_file.h"

namespace trainsite::cli {

namespace {

using reports::PointRow;

void describe(const YAML::Node& doc, PointRow& row);

// One worker thread's view of the sweep: its own parsed copy of the base (yaml-cpp nodes are not
// safe to share between threads), the shared read-only catalog.
class ScenarioWorker : public reports::PointWorker {
 public:
  ScenarioWorker(const scenarios::SweepFile& sw, const models::Catalog& cat, std::filesystem::path data_dir)
      : sw_(sw), cat_(cat), base_(YAML::Load(sw.base_text)) {
    opt_.data_dir = std::move(data_dir);
  }

  std::optional<PointRow> run(uint64_t index, const std::set<std::string>& done) override {
    PointRow row;
    row.idx = index;
    row.sweep = sw_.name;
    row.engine = sw_.engine;
    const auto overrides = sw_.point_overrides(index);
    for (const auto& [k, v] : overrides) row.point += (row.point.empty() ? "" : "; ") + k + "=" + v;
    YAML::Node doc;
    try {
      doc = scenarios::resolve_point(base_, overrides);
      row.scenario = scenarios::canonical_yaml(doc);
    } catch (const scenarios::InputError& e) {
      // The override itself is impossible (a key path through a list): key the point by its text.
      row.scenario = scenarios::canonical_yaml(base_) + "\n" + row.point;
      row.hash = scenarios::point_hash(row.scenario, sw_.engine);
      if (done.count(row.hash)) return std::nullopt;
      row.status = "invalid";
      row.reason = e.what();
      return row;
    }
    row.hash = scenarios::point_hash(row.scenario, sw_.engine);
    if (done.count(row.hash)) return std::nullopt;
    describe(doc, row);
    try {
      if (const auto why = scenarios::failed_constraint(sw_, doc)) {
        row.status = "skipped";
        row.reason = *why;
        return row;
      }
      const models::Scenario sc = scenarios::scenario_from_yaml(doc, sw_.base_file, cat_, opt_);
      // DES points share SimGrid's process-wide engine, which sim/ serializes; they still resume
      // and shard like analytic points.
      const models::Result result =
          sw_.engine == "des" ? models::evaluate(sc, des_iteration(sc), "des") : models::estimate(sc);
      reports::fill_row(row, sc, result);
    } catch (const scenarios::InputError& e) {
      row.status = "invalid";
      row.reason = e.what();
    } catch (const std::invalid_argument& e) {  // e.g. a site power cap the cluster cannot fit
      row.status = "invalid";
      row.reason = e.what();
    }
    return row;
  }

 private:
  const scenarios::SweepFile& sw_;
  const models::Catalog& cat_;
  YAML::Node base_;
  scenarios::LoadOptions opt_;
};

// Headline columns of a point that never ran (skipped or invalid), read from its document.
void describe(const YAML::Node& doc, PointRow& row) {
  auto text = [&](std::initializer_list<const char*> path) -> std::string {
    YAML::Node cur;
    cur.reset(doc);
    for (const char* k : path) {
      const YAML::Node& c = cur;
      if (!c.IsMap() || !c[k]) return "";
      cur.reset(c[k]);
    }
    const YAML::Node& c = cur;
    if (c.IsSequence() && c.size() > 0) cur.reset(c[0]);
    const YAML::Node& e = cur;
    if (e.IsMap() && e["id"]) cur.reset(e["id"]);
    return cur.IsScalar() ? cur.Scalar() : "";
  };
  auto number = [&](std::initializer_list<const char*> path, int fallback) {
    const std::string t = text(path);
    return t.empty() ? fallback : std::atoi(t.c_str());
  };
  row.site = text({"sites"});
  row.gpu = text({"cluster", "gpu"});
  row.fabric = text({"cluster", "fabric", "kind"});
  row.nodes = number({"cluster", "nodes"}, 1);
  row.gpus = row.nodes * number({"cluster", "gpus_per_node"}, 8);
  row.tp = number({"parallelism", "tp"}, 1);
  row.pp = number({"parallelism", "pp"}, 1);
}

std::string opt_num(const std::optional<double>& v, const char* f) {
  return v ? fmt::format(fmt::runtime(f), *v) : "-";
}

void print_rows(const std::vector<PointRow>& rows, bool json) {
  if (json) {
    reports::Json a = reports::Json::array();
    for (const auto& r : rows) {
      reports::Json j = {{"hash", r.hash}, {"idx", r.idx}, {"point", r.point},   {"status", r.status},
                         {"site", r.site}, {"gpu", r.gpu}, {"fabric", r.fabric}, {"gpus", r.gpus},
                         {"tp", r.tp},     {"pp", r.pp}};
      j["wall_clock_days"] = r.wall_clock_days ? reports::Json(*r.wall_clock_days) : reports::Json(nullptr);
      j["mfu"] = r.mfu ? reports::Json(*r.mfu) : reports::Json(nullptr);
      j["energy_mwh"] = r.energy_mwh ? reports::Json(*r.energy_mwh) : reports::Json(nullptr);
      j["cost_total"] = r.cost_total ? reports::Json(*r.cost_total) : reports::Json(nullptr);
      j["co2_t"] = r.co2_t ? reports::Json(*r.co2_t) : reports::Json(nullptr);
      j["currency"] = r.currency;
      if (!r.reason.empty()) j["reason"] = r.reason;
      a.push_back(j);
    }
    std::cout << a.dump(2) << "\n";
    return;
  }
  fmt::print("{:>4} {:<10}{:<16}{:<11}{:>6}{:>4}{:>4}{:>9}{:>7}{:>11}{:>14}{:>9}\n", "#", "site", "gpu",
             "fabric", "GPUs", "tp", "pp", "days", "MFU", "MWh", "cost", "CO2 t");
  size_t i = 0;
  for (const auto& r : rows)
    fmt::print("{:>4} {:<10}{:<16}{:<11}{:>6}{:>4}{:>4}{:>9}{:>7}{:>11}{:>14}{:>9}  {}\n", ++i, r.site, r.gpu,
               r.fabric, r.gpus, r.tp, r.pp, opt_num(r.wall_clock_days, "{:.1f}"),
               r.mfu ? fmt::format("{:.1f}%", 100 * *r.mfu) : "-", opt_num(r.energy_mwh, "{:.0f}"),
               opt_num(r.cost_total, "{:.0f}"), opt_num(r.co2_t, "{:.0f}"), r.status == "ok" ? "" : r.reason);
  if (!rows.empty() && !rows.front().currency.empty()) fmt::print("(costs in {})\n", rows.front().currency);
}

int run(const SweepArgs& a, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const scenarios::SweepFile sw = scenarios::load_sweep_file(a.sweep);
  const auto [shard, shards] =
      a.shard.empty() ? std::pair<uint64_t, uint64_t>{0, 1} : scenarios::parse_shard(a.shard);
  const models::Catalog cat = scenarios::load_catalog(dir);
  // Fail on a broken base before any thread starts: load it once with no overrides... unless the
  // base is only valid once the axes fill it in, so only YAML syntax is checked here.
  (void)YAML::Load(sw.base_text);
  reports::Store store(a.db);
  const uint64_t existing = store.count();
  if (existing > 0 && !a.resume)
    throw scenarios::InputError(
        {a.db, 0, 0}, "--db",
        fmt::format("{} already holds {} points; pass --resume to continue that sweep, or "
                    "choose a new --db file",
                    a.db, existing));
  store.set_meta("sweep", sw.name);
  reports::SweepOptions opt;
  opt.points = sw.point_count();
  opt.shard = shard;
  opt.shards = shards;
  opt.jobs = a.jobs;
  opt.tty = ::isatty(STDERR_FILENO) != 0;
  const auto counts =
      reports::run_sweep(store, opt, [&] { return std::make_unique<ScenarioWorker>(sw, cat, dir); });
  fmt::print(
      "sweep {}: {} of {} points in shard {}/{}; {} already in {}, {} computed ({} ok, {} invalid, {} "
      "skipped) "
      "in {:.1f} s ({:.0f} points/s); {} rows now\n",
      sw.name, counts.in_shard, opt.points, shard, shards, counts.already, a.db, counts.computed, counts.ok,
      counts.invalid, counts.skipped, counts.seconds,
      counts.seconds > 0 ? double(counts.computed) / counts.seconds : 0.0, store.count());
  return 0;
}

}  // namespace

int cmd_sweep(const SweepArgs& a, const Common& c) {
  try {
    if (!a.merge.empty()) {
      if (a.merge.size() < 2)
        throw scenarios::InputError({"--merge", 0, 0}, "--merge", "expected OUT.sqlite IN.sqlite...");
      reports::Store out(a.merge.front());
      uint64_t added = 0;
      for (size_t i = 1; i < a.merge.size(); ++i) added += out.merge_from(a.merge[i]);
      fmt::print("merged {} file(s) into {}: {} new rows, {} rows now\n", a.merge.size() - 1, a.merge.front(),
                 added, out.count());
      return 0;
    }
    if (a.db.empty())
      throw scenarios::InputError({"--db", 0, 0}, "--db", "missing: the results database (--db F.sqlite)");
    if (!a.sweep.empty()) return run(a, c);
    if (!std::filesystem::exists(a.db))
      throw scenarios::InputError({a.db, 0, 0}, "--db", fmt::format("no such database '{}'", a.db));
    reports::Store store(a.db, true);
    if (!a.csv.empty()) {
      const auto rows = store.all();
      reports::write_file_atomic(a.csv, reports::rows_to_csv(rows));
      fmt::print("wrote {} rows to {}\n", rows.size(), a.csv);
      return 0;
    }
    print_rows(store.query(a.where, a.by, a.descending, a.top, !a.all), c.json);
    return 0;
  } catch (const std::invalid_argument& e) {
    std::cerr << "trainsite sweep: " << e.what() << "\n";
    return 2;
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const scenarios::InputError*>(&e)) throw;
    // A foreign or corrupt database is the user's input: exit 2, the file untouched.
    std::cerr << "trainsite sweep: " << e.what() << "\n";
    return std::string(e.what()).find("not a trainsite") != std::string::npos ? 2 : 1;
  }
}

}  // namespace trainsite::cli
