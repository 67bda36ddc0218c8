// The CLI's subcommands; each returns the process exit code (0 ok, 1 runtime failure, 2 bad input).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/catalog.h"
#include "models/estimate.h"
#include "models/step/collectives.h"
#include "calibration/calibrate.h"
#include "calibration/microbench_io.h"
#include "scenarios/validation.h"

namespace trainsite::cli {

struct Common {
  std::string data_dir;               // empty = default
  std::vector<std::string> overrides;  // --set
  bool json = false;
};

int cmd_estimate(const std::string& scenario, const Common& c);
int cmd_catalog(const std::string& what, const Common& c);

// `trainsite simulate` (cli/simulate.cpp): the SimGrid discrete-event engine with what-ifs.
struct SimulateArgs {
  std::string trace;               // Chrome/Perfetto trace-event JSON output
  double straggler_fraction = 0;   // of GPUs
  double straggler_slowdown = 1;   // compute-time multiplier of a straggler
  int fail_links = 0;              // node NIC links down
  bool step_level = false;         // one message per ring step (slow; checks the aggregation)
};
int cmd_simulate(const std::string& scenario, const SimulateArgs& a, const Common& c);
// The DES iteration with default options (the predictor of `validate --engine des`).
models::Iteration des_iteration(const models::Scenario& sc);
// The estimate/simulate table for people.
void print_table(const models::Result& r, const models::Scenario& sc);

// `trainsite sweep` (cli/sweep.cpp): run a sweep file, merge stores, list the best points, export CSV.
struct SweepArgs {
  std::string sweep, db, shard, csv;
  int jobs = 1;
  bool resume = false, descending = false, all = false;
  std::optional<uint64_t> top;
  std::string by = "cost_total";
  std::vector<std::string> where, merge;
};
int cmd_sweep(const SweepArgs& a, const Common& c);

// `trainsite plan SCENARIO` (cli/plan.cpp): the best layout and cluster per site (models/plan.h).
struct PlanArgs {
  std::string minimize = "time", maximize;  // time|cost|co2, or tokens_per_day
  double deadline_days = 0, budget = 0;
  int max_gpus = 0;
  std::vector<std::string> gpus, sites;  // --gpu (other GPU types), --sites (ids or all)
  std::string nodes;                     // "auto" or "64,128,256"; empty = the scenario's
  std::string records;                   // --records F: plan each validation record's cluster
  std::vector<int> zeros;                // --zero: ZeRO stages searched (default 0-3)
  std::vector<std::string> recomputes;   // --recompute: none|selective|full searched (default all)
  std::vector<std::string> schedules;    // --schedule: auto|zero-bubble|dualpipe searched (default all)
  bool allow_derate = false, no_des = false;
  int keep = 8, runner_ups = 3, jobs = 0, des_top = 3;
};
int cmd_plan(const std::string& scenario, const PlanArgs& a, const Common& c);

// `trainsite report SCENARIO|F.sqlite --out F.pdf|F.html|F.csv` (cli/report.cpp).
int cmd_report(const std::string& input, const std::string& out, const Common& c);

// `trainsite calibrate INPUT... --out F.yaml` (cli/calibrate.cpp) and `trainsite validate
// --microbench F` (cli/validate_microbench.cpp). Inputs: microbench JSON, nccl-tests logs, Megatron logs.
// The fitting core lives in calibration/calibrate.h.
using calibration::calibrate;
using calibration::CalibrateOptions;
using calibration::CalibrationDoc;
using calibration::measured_link;
using calibration::resolve_gpu;
int cmd_calibrate(CalibrateOptions o, const Common& c);
nlohmann::ordered_json microbench_report(const calibration::Measurements& m, const models::Gpu* gpu,
                                         const models::Calibration& cal, const CalibrateOptions& o);
int cmd_validate_microbench(const std::string& file, const std::string& calibration, const CalibrateOptions& o,
                            const Common& c);

// Predicted value of `metric` for a record's scenario from a result (shared by both engines).
double predicted_metric(const std::string& metric, const models::SiteResult& r);

// `trainsite validate` over validation sets: cli/validate.h.

}  // namespace trainsite::cli
