// The planner across GPU types, cluster sizes and sites (models/plan.h): layout searches per cluster,
// the site model on the best layouts, constraints, the objective, and the explanations.
#include "models/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>

#include "models/layout.h"
#include "models/parallel.h"
#include "models/plan_explain.h"
#include "models/site/campaign.h"
#include "models/site/power.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"

namespace trainsite::models {

using namespace plan_detail;

std::string to_string(Objective o) {
  switch (o) {
    case Objective::time: return "time";
    case Objective::cost: return "cost";
    case Objective::co2: return "co2";
    case Objective::tokens_per_day: return "tokens_per_day";
  }
  return "time";
}

namespace {

// A cluster to search: a GPU type (variant) at a size.
struct ClusterJob {
  int variant = 0;
  int nodes = 0;
  Scenario sc;
  std::string pruned;  // why it was not searched
  LayoutSearch search;
};

// A point's identity: same GPU type, size and layout.
auto key_of(const PlanPoint& p) {
  const auto& l = p.layout;
  return std::make_tuple(p.gpu, p.nodes, l.tp, l.pp, l.cp, l.ep, l.micro_batch, l.virtual_stages,
                         int(l.schedule), l.zero, int(l.recompute));
}

// The site model for one configuration at one site, with the constraints applied.
PlanPoint evaluate_at(const Scenario& cluster_sc, const LayoutCandidate& c, const Site& site,
                      const PlanOptions& o, const std::string& currency) {
  PlanPoint p;
  p.gpu = cluster_sc.cluster.gpu.id;
  p.nodes = cluster_sc.cluster.nodes;
  p.gpus_per_node = cluster_sc.cluster.gpus_per_node;
  p.layout = c.layout;
  p.iteration = c.iteration;
  p.memory_GB = c.memory_GB;
  p.hbm_GB = usable_hbm_GB(cluster_sc.cluster.gpu);
  Scenario sc = configured(cluster_sc, p.nodes, c.layout);
  sc.sites = {site};
  try {
    const Result r = evaluate(sc, c.iteration, "analytic");
    p.site = r.sites.front();
    p.evaluated = true;
  } catch (const PowerCapError& e) {
    p.site.site = site.id;
    p.violation = "power_cap";
    p.detail = e.what();
    return p;
  } catch (const std::exception& e) {
    p.site.site = site.id;
    p.violation = "error";
    p.detail = e.what();
    return p;
  }
  const SiteResult& r = p.site;
  p.objective = objective_of(o.objective, r, sc.workload.tokens);
  if (r.derated_hours > 0 && !o.allow_derate) {
    p.violation = "power_cap";
    p.detail =
        str("IT peak %.2f MW × PUE exceeds the %.4g MW power cap in %.0f hours of the run (derated to %.0f%% "
            "speed)",
            r.it_power_peak_mw, site.power_capacity_mw, r.derated_hours, 100 * r.min_speed);
  } else if (!r.rack.fits) {
    p.violation = "rack";
    p.detail =
        str("a %.1f kW server exceeds the %.4g kW rack limit", node_power(sc).full_kw, r.rack.rack_limit_kw);
  } else if (o.deadline_days > 0 && r.wall_clock_days > o.deadline_days) {
    p.violation = "deadline";
    p.detail = str("%.1f days > the %.4g-day deadline", r.wall_clock_days, o.deadline_days);
  } else if (o.budget > 0 && r.cost.total > o.budget) {
    p.violation = "budget";
    p.detail = str("%.0f %s > the budget of %.0f", r.cost.total, currency.c_str(), o.budget);
  }
  return p;
}

// Ordering of points at one site: feasible first, then the objective, then step time, then fewer
// GPUs, then the search order (stable sort keeps it).
bool ranks_before(Objective o, const PlanPoint& a, const PlanPoint& b) {
  if (a.feasible() != b.feasible()) return a.feasible();
  if (a.violation == "error" || b.violation == "error")
    return b.violation == "error" && a.violation != "error";
  if (a.objective != b.objective) return better(o, a.objective, b.objective);
  if (a.iteration.step_time_s != b.iteration.step_time_s)
    return a.iteration.step_time_s < b.iteration.step_time_s;
  return a.gpus() < b.gpus();
}

}  // namespace

PlanResult plan(const Scenario& base, const std::vector<Scenario>& variants_in, const PlanOptions& o) {
  const std::vector<Scenario> own_only =
      variants_in.empty() ? std::vector<Scenario>{base} : std::vector<Scenario>{};
  const std::vector<Scenario>& variants = variants_in.empty() ? own_only : variants_in;
  PlanResult res;
  res.objective = o.objective;
  res.currency = base.economics.currency;
  const double tokens = base.workload.tokens;
  const double steps = tokens / (double(base.workload.global_batch) * base.workload.model.seq_len);

  // 1. Clusters: GPU type × size, pruned by --max-gpus and by peak FLOP/s against the deadline.
  std::vector<ClusterJob> jobs;
  for (size_t v = 0; v < variants.size(); ++v) {
    const int per_node = variants[v].cluster.gpus_per_node;
    const std::vector<int> sizes = o.auto_nodes
                                       ? default_node_counts(per_node, o.max_gpus > 0 ? o.max_gpus : 16384)
                                   : o.nodes.empty() ? std::vector<int>{variants[v].cluster.nodes}
                                                     : o.nodes;
    for (int nodes : sizes) {
      ClusterJob j;
      j.variant = int(v);
      j.nodes = nodes;
      j.sc = variants[v];
      j.sc.cluster.nodes = nodes;
      j.sc.parallelism.dp = 0;
      if (o.max_gpus > 0 && j.sc.cluster.gpus() > o.max_gpus) {
        ++res.counts.clusters_max_gpus;
        continue;
      }
      const double days_lb = steps * flop_lower_bound_s(j.sc) / 86400.0;
      if (o.deadline_days > 0 && days_lb > o.deadline_days) {
        ++res.counts.clusters_deadline;
        j.pruned = str("deadline: even at peak FLOP/s %d GPUs need %.1f days", j.sc.cluster.gpus(), days_lb);
      }
      jobs.push_back(std::move(j));
    }
  }

  // 2. Layout searches: clusters in parallel when there are several, else threads inside the search.
  const bool outer = jobs.size() >= size_t(2 * std::max(1, o.search.jobs));
  SearchOptions inner = o.search;
  inner.jobs = outer ? 1 : o.search.jobs;
  std::mutex progress_mutex;
  size_t searched_clusters = 0;
  parallel_for(jobs.size(), outer ? o.search.jobs : 1, [&](size_t i, int) {
    if (jobs[i].pruned.empty()) jobs[i].search = search_layouts(jobs[i].sc, inner);
    if (o.progress) {
      std::lock_guard lock(progress_mutex);
      o.progress(++searched_clusters, jobs.size());
    }
  });
  for (const auto& j : jobs) {
    if (!j.pruned.empty()) continue;
    ++res.counts.clusters;
    res.counts.layouts += j.search.counts;
    if (j.search.best.empty()) ++res.counts.clusters_no_layout;
  }

  // 3. The site model on each cluster's best layouts, at every site.
  struct Task {
    size_t job, cand, site;
  };
  std::vector<Task> tasks;
  for (size_t j = 0; j < jobs.size(); ++j)
    for (size_t c = 0; c < jobs[j].search.best.size(); ++c)
      for (size_t s = 0; s < base.sites.size(); ++s) tasks.push_back({j, c, s});
  std::vector<PlanPoint> points(tasks.size());
  parallel_for(tasks.size(), o.search.jobs, [&](size_t i, int) {
    const Task& t = tasks[i];
    points[i] =
        evaluate_at(jobs[t.job].sc, jobs[t.job].search.best[t.cand], base.sites[t.site], o, res.currency);
  });
  res.counts.site_evaluations = long(points.size());

  // The scenario's own configuration at each site (the baseline the plan is compared with), when it
  // is a valid layout.
  LayoutCandidate own;
  if (const auto problems = layout_problems(base); !problems.empty()) {
    res.baseline_problem = problems.front().field + ": " + problems.front().message;
  } else {
    own.iteration = analytic_iteration(base);
    own.layout = layout_of(base, own.iteration);
    Scenario resolved = base;
    resolved.parallelism.virtual_stages = own.iteration.virtual_stages;
    own.memory_GB = memory_per_gpu(resolved).total_GB();
  }

  // 4. Per site: rank, explain, runner-ups, sizes.
  for (size_t s = 0; s < base.sites.size(); ++s) {
    SitePlan sp;
    sp.site = base.sites[s].id;
    if (res.baseline_problem.empty()) sp.baseline = evaluate_at(base, own, base.sites[s], o, res.currency);
    std::vector<const PlanPoint*> here;
    for (size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i].site == s) here.push_back(&points[i]);
    std::stable_sort(here.begin(), here.end(), [&](const PlanPoint* a, const PlanPoint* b) {
      return ranks_before(o.objective, *a, *b);
    });
    if (!here.empty() && here.front()->feasible()) sp.best = *here.front();
    if (!sp.best) {
      std::map<std::string, int> why;
      for (const auto* p : here) ++why[p->violation];
      for (const auto& j : jobs)
        if (!j.pruned.empty()) ++why["deadline"];
      sp.none_reason = here.empty() && jobs.empty() ? "no cluster size to search"
                                                    : "no configuration meets the constraints:";
      for (const auto& [k, n] : why) sp.none_reason += str(" %d %s", n, k.c_str()) + ",";
      if (!sp.none_reason.empty() && sp.none_reason.back() == ',') sp.none_reason.pop_back();
      if (here.empty() && !jobs.empty())
        sp.none_reason += " (no layout fits in memory on any cluster searched)";
    }
    // Runner-ups: the next feasible ones, then the best configuration each constraint ruled out
    // that would have won on the objective.
    const PlanPoint* ref = sp.best ? &*sp.best : nullptr;
    for (size_t i = sp.best ? 1 : 0; i < here.size() && int(sp.runner_ups.size()) < o.runner_ups; ++i) {
      if (!here[i]->feasible()) break;
      sp.runner_ups.push_back(
          {*here[i], "objective", ref ? why_lost(o.objective, *here[i], *ref, res.currency) : ""});
    }
    std::map<std::string, const PlanPoint*> ruled_out;
    for (const auto* p : here)
      if (!p->feasible() && p->violation != "error" && !ruled_out.count(p->violation) &&
          (!ref || better(o.objective, p->objective, ref->objective)))
        ruled_out[p->violation] = p;
    for (const auto& [kind, p] : ruled_out) sp.runner_ups.push_back({*p, kind, p->detail});

    if (ref) {
      const ClusterJob* cj = nullptr;
      for (const auto& j : jobs)
        if (j.sc.cluster.gpu.id == ref->gpu && j.nodes == ref->nodes) cj = &j;
      sp.bounds = step_bounds(*ref, cj->sc);
      for (auto& b : memory_bounds(*ref, cj->sc, o.search)) sp.bounds.push_back(std::move(b));
      for (const auto& [kind, p] : ruled_out)
        sp.bounds.push_back(
            {kind, worse_by(o.objective, ref->objective, p->objective),
             str("%s would reach %s but %s", config_text(*p).c_str(),
                 objective_text(o.objective, p->objective, res.currency).c_str(), p->detail.c_str())});
      int largest = 0;
      for (const auto& j : jobs)
        if (j.sc.cluster.gpu.id == ref->gpu) largest = std::max(largest, j.nodes);
      if (o.max_gpus > 0 && res.counts.clusters_max_gpus > 0 && ref->nodes == largest)
        sp.bounds.push_back({"max_gpus", 0, str("the largest cluster allowed by --max-gpus %d", o.max_gpus)});
      std::stable_sort(sp.bounds.begin(), sp.bounds.end(),
                       [](const PlanBound& a, const PlanBound& b) { return a.share > b.share; });
    }

    for (size_t j = 0; j < jobs.size(); ++j) {
      SizeRow row;
      row.gpu = jobs[j].sc.cluster.gpu.id;
      row.nodes = jobs[j].nodes;
      row.gpus = jobs[j].sc.cluster.gpus();
      row.note = jobs[j].pruned;
      for (const auto* p : here)  // `here` is ranked: the first of this cluster is its best
        if (p->gpu == row.gpu && p->nodes == row.nodes) {
          row.best = *p;
          row.note = p->detail;
          break;
        }
      if (!row.best && row.note.empty()) row.note = "no layout fits in memory";
      sp.sizes.push_back(std::move(row));
    }
    res.plans.push_back(std::move(sp));
  }

  // 5. Pareto front of wall-clock days vs cost over every feasible point at every site.
  std::vector<const PlanPoint*> feas;
  for (const auto& p : points)
    if (p.feasible()) feas.push_back(&p);
  std::stable_sort(feas.begin(), feas.end(), [](const PlanPoint* a, const PlanPoint* b) {
    return a->site.wall_clock_days != b->site.wall_clock_days
               ? a->site.wall_clock_days < b->site.wall_clock_days
               : a->site.cost.total < b->site.cost.total;
  });
  double min_cost = INFINITY;
  for (const auto* p : feas)
    if (p->site.cost.total < min_cost) {
      min_cost = p->site.cost.total;
      res.pareto.push_back(*p);
    }

  // 6. The DES re-check of the best few distinct configurations (and the scenario's own).
  if (o.recheck) {
    std::vector<std::tuple<const Scenario*, PlanPoint>> todo;
    auto add = [&](const PlanPoint& p, const Scenario& variant) {
      for (const auto& [v, q] : todo)
        if (key_of(q) == key_of(p)) return;
      todo.push_back({&variant, p});
    };
    for (const auto& sp : res.plans)
      if (sp.baseline) add(*sp.baseline, base);
    int picked = 0;
    for (size_t rank = 0; rank < 1 + size_t(o.runner_ups) && picked < o.recheck_top; ++rank)
      for (const auto& sp : res.plans) {
        const PlanPoint* p =
            rank == 0 ? (sp.best ? &*sp.best : nullptr)
            : rank - 1 < sp.runner_ups.size() && sp.runner_ups[rank - 1].lost_by == "objective"
                ? &sp.runner_ups[rank - 1].point
                : nullptr;
        if (!p || picked >= o.recheck_top) continue;
        const size_t before = todo.size();
        for (const auto& v : variants)
          if (v.cluster.gpu.id == p->gpu) {
            add(*p, v);
            break;
          }
        if (todo.size() > before) ++picked;
      }
    std::map<decltype(key_of(PlanPoint{})), double> des;
    for (const auto& [variant, p] : todo) {
      Scenario sc = configured(*variant, p.nodes, p.layout);
      sc.sites.clear();
      des[key_of(p)] = o.recheck(sc).step_time_s;
      ++res.counts.des_rechecks;
    }
    auto attach = [&](PlanPoint& p) {
      if (auto it = des.find(key_of(p)); it != des.end()) p.des_step_time_s = it->second;
    };
    for (auto& sp : res.plans) {
      if (sp.best) attach(*sp.best);
      if (sp.baseline) attach(*sp.baseline);
      for (auto& r : sp.runner_ups) attach(r.point);
    }
    for (auto& p : res.pareto) attach(p);
  }
  return res;
}

}  // namespace trainsite::models
