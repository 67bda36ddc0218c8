// The planner: the best parallel layout and cluster for a job, per site, under a deadline, a budget,
// a GPU count and each site's power cap and rack density. It only searches; every number comes from
// the models the estimate uses: validity from layout_problems() (models/layout.h), memory from
// memory_per_gpu(), step time from analytic_iteration(), days/cost/CO2/power from evaluate().
//
// Search, per GPU type and cluster size:
//   1. Enumerate layouts: tp inside the NVLink domain (a divisor of the GPUs per node), cp, pp, dp
//      from the GPU count, ep over dp·cp (MoE), recompute none|selective|full, ZeRO 0..3, every
//      micro-batch that divides the batch per replica, and the pipeline schedule: 1F1B with the
//      engine's `auto` interleaving (the degree that is fastest and fits), zero-bubble (ZB-H1) and, for
//      MoE models, DualPipe (pp even, micro-batches >= pp). Candidates are checked with layout_problems().
//   2. Bound on memory: the least-memory setting of a (tp, cp, pp, ep) group (the most recompute and
//      the highest ZeRO stage searched, micro-batch 1) is tried first; if it does not fit, nothing in
//      the group does. Larger micro-batches stop at the first one that does not fit.
//   3. Bound on step time: every stage runs its m micro-batches one after another, so
//      step >= m × (forward + backward compute of one micro-batch on the last stage). Candidates are
//      evaluated in increasing order of that bound, and the rest are pruned once the bound exceeds
//      the `keep`-th best step time found.
//   4. The best `keep` layouts of each cluster are evaluated at each site with the site model
//      (campaign, power, cost); constraints are applied there and the objective picks the plan.
// Cluster sizes are pruned before any layout search when even peak FLOP/s cannot meet the deadline
// (the guards in models/guards.h hold every result to MFU <= peak, so the bound is safe).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "models/estimate.h"
#include "models/scenario.h"

namespace trainsite::models {

// The searched settings of one layout (software switches such as flash attention, sequence
// parallelism and gradient-reduce overlap stay as the scenario sets them; sequence parallelism is
// off where tp = 1).
struct LayoutChoice {
  int tp = 1, pp = 1, dp = 1, cp = 1, ep = 1, micro_batch = 1;
  int virtual_stages = 0;  // 0 = auto (the engine picks); resolved in search results
  // automatic = 1F1B, interleaved when virtual_stages > 1; resolved in search results (never automatic).
  Schedule schedule = Schedule::automatic;
  int zero = 0;
  Recompute recompute = Recompute::none;
  bool sequence_parallel = false;
  bool operator==(const LayoutChoice&) const = default;
};

std::string to_string(Recompute r);
// "tp 8 · pp 16 · dp 8 · cp 1 · ep 1 · mb 1 · v 3 · interleaved · ZeRO 1 · recompute selective"
std::string describe(const LayoutChoice& l);
// The scenario's own layout (dp and interleaving resolved from an iteration of it).
LayoutChoice layout_of(const Scenario& sc, const Iteration& it);
// Writes the layout into the scenario (parallelism, its schedule, and workload.recompute).
void apply_layout(Scenario& sc, const LayoutChoice& l);

// Lower bound on the analytic step time of a layout: m × (forward + backward compute of one
// micro-batch on the last pipeline stage). Holds for any pipeline schedule: a stage's GPU runs its
// micro-batches one after another.
double step_lower_bound_s(const Scenario& sc);
// Lower bound on the step time of any layout on the scenario's cluster: model FLOPs at peak.
double flop_lower_bound_s(const Scenario& sc);

struct LayoutCandidate {
  LayoutChoice layout;
  Iteration iteration;   // analytic
  double memory_GB = 0;  // per GPU, with the interleaving the engine chose
  double lower_bound_s = 0;
};

struct SearchCounts {
  long searched = 0;      // layout candidates considered
  long layout_rules = 0;  // rejected by layout_problems (divisibility, hardware)
  long memory = 0;        // rejected or pruned by the memory bound
  long step_bound = 0;    // pruned: step-time lower bound above the keep-th best
  long evaluated = 0;     // analytic iterations run
  SearchCounts& operator+=(const SearchCounts& o);
};

struct SearchOptions {
  int keep = 8;     // best layouts returned (ties that differ only in ZeRO stage or recompute count once)
  int jobs = 1;     // threads
  int max_cp = 16;  // context-parallel degrees searched: 1, 2, 4, ... up to this
  // The software choices searched (e.g. only what an older stack had: ZeRO 0, full recompute).
  std::vector<int> zeros{0, 1, 2, 3};
  std::vector<Recompute> recomputes{Recompute::none, Recompute::selective, Recompute::full};
  // Pipeline schedules searched where pp > 1: automatic (1F1B or interleaved 1F1B, whichever the engine
  // finds faster), zero_bubble, and dualpipe for MoE models only (where its all-to-all overlap is the
  // point) with an even pp and at least pp micro-batches.
  std::vector<Schedule> schedules{Schedule::automatic, Schedule::zero_bubble, Schedule::dualpipe};
};

struct LayoutSearch {
  std::vector<LayoutCandidate> best;  // fastest first
  SearchCounts counts;
};

// Every valid layout of the scenario's cluster (GPU type, nodes, GPUs per node as given).
LayoutSearch search_layouts(const Scenario& sc, const SearchOptions& o = {});

enum class Objective { time, cost, co2, tokens_per_day };
std::string to_string(Objective o);

struct PlanOptions {
  Objective objective = Objective::time;
  double deadline_days = 0;   // 0 = none; wall-clock days at the site
  double budget = 0;          // 0 = none; total cost in the scenario's currency
  int max_gpus = 0;           // 0 = none
  std::vector<int> nodes;     // cluster sizes per GPU type; empty = each variant's own
  bool auto_nodes = false;    // sizes from default_node_counts(GPUs per node, max_gpus or 16,384)
  bool allow_derate = false;  // accept plans the site's power cap derates (else they break the cap)
  SearchOptions search;
  int runner_ups = 3;
  // The DES re-check of the best few distinct plans (the caller supplies sim::simulate_iteration;
  // models/ does not depend on sim/). Empty = no re-check.
  std::function<Iteration(const Scenario&)> recheck;
  int recheck_top = 3;
  // Called after each cluster's layout search with (clusters done, clusters in all), one call at a time.
  std::function<void(size_t, size_t)> progress;
};

// One configuration (GPU type, cluster size, layout) evaluated at one site.
struct PlanPoint {
  std::string gpu;
  int nodes = 0, gpus_per_node = 0;
  LayoutChoice layout;
  Iteration iteration;
  double memory_GB = 0, hbm_GB = 0;
  SiteResult site;         // days, cost, CO2, power, racks at this site
  bool evaluated = false;  // the site model ran (false: it refused the configuration, see detail)
  double objective = 0;    // in the objective's unit (days, currency, t, tokens/day)
  // The constraint it breaks: deadline | budget | power_cap | rack | error ("" = feasible).
  std::string violation;
  std::string detail;  // the numbers behind the violation
  std::optional<double> des_step_time_s;
  int gpus() const { return nodes * gpus_per_node; }
  bool feasible() const { return violation.empty(); }
};

// What bounds the chosen plan: a share of the step (compute; tp_nvlink when tp fills the NVLink domain,
// else tp_comm; bubble; dp_fabric; ep_alltoall) or the gain a constraint forgoes (memory, power_cap,
// rack, deadline, budget, max_gpus).
struct PlanBound {
  std::string bound;
  double share = 0;
  std::string detail;
};

struct RunnerUp {
  PlanPoint point;
  std::string lost_by;  // objective | deadline | budget | power_cap | rack | error
  std::string why;
};

// The best configuration per cluster size at a site: "how many servers, where".
struct SizeRow {
  std::string gpu;
  int nodes = 0, gpus = 0;
  std::optional<PlanPoint> best;  // empty when no layout fits or the size was pruned
  std::string note;               // why empty, or the violation of `best`
};

struct SitePlan {
  std::string site;
  std::optional<PlanPoint> best;  // empty when nothing meets the constraints
  std::string none_reason;
  std::vector<PlanBound> bounds;
  std::vector<RunnerUp> runner_ups;
  std::optional<PlanPoint> baseline;  // the scenario's own layout and cluster at this site
  std::vector<SizeRow> sizes;
};

struct PlanCounts {
  SearchCounts layouts;
  long clusters = 0;            // GPU type × size combinations searched
  long clusters_deadline = 0;   // pruned before search: peak FLOP/s misses the deadline
  long clusters_max_gpus = 0;   // above --max-gpus
  long clusters_no_layout = 0;  // searched, nothing fits
  long site_evaluations = 0;    // evaluate() calls (campaign per site)
  long des_rechecks = 0;
};

struct PlanResult {
  Objective objective = Objective::time;
  std::string currency;
  // Why the scenario's own layout is not a baseline (layout_problems' first message), "" when it is.
  std::string baseline_problem;
  std::vector<SitePlan> plans;    // one per site of the scenario
  std::vector<PlanPoint> pareto;  // feasible points not dominated in (wall-clock days, cost), by days
  PlanCounts counts;
};

// Plans `sc`'s job over `variants` (the same job on other GPU types; empty = `sc` alone). The caller
// resolves each variant's GPU, node size and calibration; workload, sites, economics and the
// baseline (the scenario's own layout and cluster) come from `sc`. `sc`'s own layout need not be
// valid (a planner may not know one yet): then there is no baseline and `baseline_problem` says why.
PlanResult plan(const Scenario& sc, const std::vector<Scenario>& variants, const PlanOptions& o);

// Cluster sizes to search: 1, 2, 3, 4, 6, 8, 12, ... nodes (2^k and 3·2^k) up to `max_gpus`.
std::vector<int> default_node_counts(int gpus_per_node, int max_gpus);

}  // namespace trainsite::models
