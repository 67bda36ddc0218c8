// The planner's explanations (models/plan_explain.h): objective arithmetic, what bounds a plan, why a
// runner-up lost. Every number comes from the plan points (engine results) or from the models.
#include "models/plan_explain.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "models/layout.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"

namespace trainsite::models::plan_detail {

double objective_of(Objective o, const SiteResult& r, double tokens) {
  switch (o) {
    case Objective::time: return r.wall_clock_days;
    case Objective::cost: return r.cost.total;
    case Objective::co2: return r.co2_t;
    case Objective::tokens_per_day: return r.wall_clock_days > 0 ? tokens / r.wall_clock_days : 0;
  }
  return r.wall_clock_days;
}

bool better(Objective o, double a, double b) {
  return o == Objective::tokens_per_day ? a > b : a < b;
}

// Relative amount by which `a` is worse than `b` on the objective (> 0 = worse).
double worse_by(Objective o, double a, double b) {
  if (b == 0) return 0;
  return o == Objective::tokens_per_day ? (b - a) / b : (a - b) / b;
}

std::string objective_text(Objective o, double v, const std::string& currency) {
  switch (o) {
    case Objective::time: return str("%.1f days", v);
    case Objective::cost: return str("%.0f %s", v, currency.c_str());
    case Objective::co2: return str("%.0f t CO2", v);
    case Objective::tokens_per_day: return str("%.3g tokens/day", v);
  }
  return "";
}

Scenario configured(const Scenario& variant, int nodes, const LayoutChoice& l) {
  Scenario sc = variant;
  sc.cluster.nodes = nodes;
  apply_layout(sc, l);
  return sc;
}

namespace {

// The largest per-step term by which `a` is slower than `b` (global batch is the same, so steps
// of any two configurations do the same work).
std::string slower_term(const Iteration& a, const Iteration& b) {
  const std::pair<const char*, double> terms[] = {{"compute", a.compute_s - b.compute_s},
                                                  {"TP communication", a.tp_comm_s - b.tp_comm_s},
                                                  {"pipeline bubble", a.pp_bubble_s - b.pp_bubble_s},
                                                  {"pipeline p2p", a.pp_comm_s - b.pp_comm_s},
                                                  {"DP communication", a.dp_comm_s - b.dp_comm_s},
                                                  {"CP communication", a.cp_comm_s - b.cp_comm_s},
                                                  {"EP all-to-all", a.ep_comm_s - b.ep_comm_s},
                                                  {"optimizer/other", a.other_s - b.other_s},
                                                  {"I/O stall", a.io_stall_s - b.io_stall_s}};
  const auto* worst = std::max_element(std::begin(terms), std::end(terms),
                                       [](const auto& x, const auto& y) { return x.second < y.second; });
  if (worst->second <= 0) return "";
  return str("%s +%.3g s per step", worst->first, worst->second);
}

}  // namespace

std::string config_text(const PlanPoint& p) {
  return str("%d × %s (%d GPUs, tp %d · pp %d · dp %d)", p.nodes, p.gpu.c_str(), p.gpus(), p.layout.tp,
             p.layout.pp, p.layout.dp);
}

std::string why_lost(Objective o, const PlanPoint& r, const PlanPoint& best, const std::string& currency) {
  if (!r.feasible()) return r.detail;
  const double d = worse_by(o, r.objective, best.objective);
  std::string why = str("%.2f%% worse on %s (%s vs %s)", 100 * d, to_string(o).c_str(),
                        objective_text(o, r.objective, currency).c_str(),
                        objective_text(o, best.objective, currency).c_str());
  std::string cause;
  if (o == Objective::cost) {
    const double de = r.site.cost.energy - best.site.cost.energy,
                 dc = r.site.cost.capex - best.site.cost.capex,
                 df = r.site.cost.facility - best.site.cost.facility;
    if (std::max({de, dc, df}) > 0)
      cause = de >= dc && de >= df ? str("energy +%.0f", de)
              : dc >= df           ? str("capex +%.0f", dc)
                                   : str("colocation +%.0f", df);
    if (r.gpus() != best.gpus() || r.gpu != best.gpu)
      cause += (cause.empty() ? "" : "; ") + str("%d vs %d GPUs", r.gpus(), best.gpus());
  } else if (o == Objective::co2) {
    cause = str("energy %+.0f MWh", r.site.energy_mwh - best.site.energy_mwh);
  }
  if (cause.empty() || o == Objective::time || o == Objective::tokens_per_day) {
    const std::string term = slower_term(r.iteration, best.iteration);
    if (!term.empty()) cause += (cause.empty() ? "" : "; ") + term;
    if (r.gpus() != best.gpus() && o != Objective::cost)
      cause += (cause.empty() ? "" : "; ") + str("%d vs %d GPUs", r.gpus(), best.gpus());
  }
  if (d == 0 && r.iteration.step_time_s > best.iteration.step_time_s)
    cause = str("same %s, slower step (%.4g vs %.4g s)", to_string(o).c_str(), r.iteration.step_time_s,
                best.iteration.step_time_s);
  return cause.empty() ? why : why + ": " + cause;
}

// Shares of the step and what caps them.
std::vector<PlanBound> step_bounds(const PlanPoint& b, const Scenario& cluster_sc) {
  std::vector<PlanBound> out;
  const Iteration& it = b.iteration;
  const double t = it.step_time_s;
  if (t <= 0) return out;
  const auto& l = b.layout;
  out.push_back({"compute", it.compute_s / t,
                 str("GEMMs and kernels at tp %d, micro-batch %d, recompute %s: %.0f%% of the step", l.tp,
                     l.micro_batch, to_string(l.recompute).c_str(), 100 * it.compute_s / t)});
  const double tp = (it.tp_comm_s + it.cp_comm_s) / t;
  if (l.tp == cluster_sc.cluster.gpus_per_node && l.tp > 1)
    out.push_back({"tp_nvlink", tp,
                   str("tp %d fills the %d-GPU NVLink domain (TP over the fabric is not searched); TP/CP "
                       "communication %.1f%% of the step",
                       l.tp, cluster_sc.cluster.gpus_per_node, 100 * tp)});
  else if (tp > 0)
    out.push_back(
        {"tp_comm", tp,
         str("tp %d inside the NVLink domain: TP/CP communication %.1f%% of the step", l.tp, 100 * tp)});
  const double bubble = (it.pp_bubble_s + it.pp_comm_s) / t;
  if (l.pp > 1)
    out.push_back(
        {"bubble", bubble,
         str("pp %d (%s) with %d micro-batches and %d virtual stages: bubble + p2p %.1f%% of the "
             "step",
             l.pp, to_string(it.schedule).c_str(), it.micro_batches, it.virtual_stages, 100 * bubble)});
  const double dp = it.dp_comm_s / t;
  if (l.dp > 1)
    out.push_back({"dp_fabric", dp,
                   str("dp %d over %d×%.0f Gb/s %s: exposed DP/ZeRO %d traffic %.1f%% of the step", l.dp,
                       cluster_sc.cluster.fabric.nics_per_node, cluster_sc.cluster.fabric.nic_gbps,
                       cluster_sc.cluster.fabric.kind.c_str(), l.zero, 100 * dp)});
  if (it.ep_comm_s > 0)
    out.push_back({"ep_alltoall", it.ep_comm_s / t,
                   str("ep %d all-to-all %.1f%% of the step", l.ep, 100 * it.ep_comm_s / t)});
  return out;
}

// Settings that would be faster but do not fit in memory: what memory costs the chosen layout.
std::vector<PlanBound> memory_bounds(const PlanPoint& b, const Scenario& cluster_sc,
                                     const SearchOptions& so) {
  std::vector<PlanBound> out;
  const auto& l = b.layout;
  std::vector<std::pair<LayoutChoice, std::string>> tries;
  const int per_replica = cluster_sc.workload.global_batch / std::max(1, l.dp);
  for (int mb = l.micro_batch + 1; mb <= per_replica; ++mb)
    if (per_replica % mb == 0) {
      LayoutChoice x = l;
      x.micro_batch = mb;
      tries.push_back({x, str("micro-batch %d", mb)});
      break;
    }
  // Less recompute and lower ZeRO stages, among the choices searched.
  for (Recompute rc : so.recomputes)
    if (int(rc) < int(l.recompute)) {
      LayoutChoice x = l;
      x.recompute = rc;
      tries.push_back({x, "recompute " + to_string(rc)});
    }
  for (int z : so.zeros)
    if (z < l.zero) {
      LayoutChoice x = l;
      x.zero = z;
      tries.push_back({x, str("ZeRO %d", z)});
    }
  if (l.pp > 1 && l.virtual_stages > 1) {
    // More interleaving is limited by memory too; the engine already took the best that fits.
  }
  for (auto& [x, what] : tries) {
    Scenario sc = configured(cluster_sc, b.nodes, x);
    sc.sites.clear();
    const auto problems = layout_problems(sc);
    if (problems.size() != 1 || problems.front().rule != LayoutRule::memory) continue;
    const Iteration it = analytic_iteration(sc);
    const double gain = 1 - it.step_time_s / b.iteration.step_time_s;
    if (gain <= 0) continue;
    out.push_back(
        {"memory", gain,
         str("%s would be %.1f%% faster per step but needs %.1f GB of the %.1f GB usable", what.c_str(),
             100 * gain, memory_per_gpu(sc).total_GB(), usable_hbm_GB(cluster_sc.cluster.gpu))});
  }
  return out;
}

}  // namespace trainsite::models::plan_detail
