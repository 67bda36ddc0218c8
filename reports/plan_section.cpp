#include "reports/plan_section.h"

#include <fmt/format.h>

#include <algorithm>

namespace trainsite::reports {

using namespace trainsite::models;

namespace {

std::string layout_text(const LayoutChoice& l) {
  return fmt::format("tp {} · pp {} · dp {}{}{} · mb {} · v {}{} · ZeRO {} · {}", l.tp, l.pp, l.dp,
                     l.cp > 1 ? fmt::format(" · cp {}", l.cp) : "",
                     l.ep > 1 ? fmt::format(" · ep {}", l.ep) : "", l.micro_batch, l.virtual_stages,
                     l.pp > 1 ? " · " + to_string(l.schedule) : "", l.zero,
                     "recompute " + to_string(l.recompute));
}

std::vector<std::string> point_row(const std::string& what, const PlanPoint& p) {
  return {what,
          fmt::format("{} × {}", p.nodes, p.gpu),
          layout_text(p.layout),
          fmt::format("{:.3f}", p.iteration.step_time_s),
          fmt::format("{:.1f}", p.site.wall_clock_days),
          thousands(p.site.cost.total) + " " + p.site.cost.currency,
          fmt::format("{:.1f} / {:.0f}", p.memory_GB, p.hbm_GB)};
}

}  // namespace

Section plan_section(const PlanResult& r, const Scenario& sc) {
  Section s;
  s.id = "plan";
  s.title = "Layout plan: is there a faster layout for this job?";
  const std::string goal = r.objective == Objective::tokens_per_day ? "the most tokens per day"
                           : r.objective == Objective::time         ? "the shortest wall-clock time"
                           : r.objective == Objective::cost         ? "the lowest total cost"
                                                                    : "the least CO2";
  const auto& c = r.counts.layouts;
  s.blocks.push_back(fmt::format(
      "The planner searched {} layouts of {} for {}, keeping the scenario's GPUs, software switches, "
      "global batch and sites: {} obey the loader's rules and fit in memory, and {} of those were evaluated "
      "with the analytic engine (the rest could not beat the best found: their lower bound on the step time "
      "was already higher). Tensor parallelism stays inside one NVLink domain.",
      thousands(double(c.searched)), sc.workload.model.id, goal,
      thousands(double(c.searched - c.layout_rules - c.memory)), thousands(double(c.evaluated))));

  Table best{"Best layout per site and the scenario's own",
             {"site", "cluster", "layout", "step s", "wall-clock days", "total cost", "memory GB / HBM"},
             {}};
  for (const auto& sp : r.plans) {
    if (sp.best)
      best.rows.push_back(point_row(sp.site + ": plan", *sp.best));
    else
      best.rows.push_back({sp.site + ": plan", "-", sp.none_reason, "-", "-", "-", "-"});
    if (sp.baseline) best.rows.push_back(point_row(sp.site + ": scenario", *sp.baseline));
  }
  s.blocks.push_back(best);

  for (const auto& sp : r.plans) {
    if (!sp.best) continue;
    Table bounds{"What bounds the plan at " + sp.site, {"bound", "share", "why"}, {}};
    for (const auto& b : sp.bounds)
      if (b.share >= 0.005 || b.bound == "max_gpus")
        bounds.rows.push_back({b.bound, fmt::format("{:.1f} %", 100 * b.share), b.detail});
    s.blocks.push_back(bounds);
    Table ru{"Runner-ups at " + sp.site, {"cluster", "layout", "lost by", "why"}, {}};
    for (const auto& x : sp.runner_ups)
      ru.rows.push_back({fmt::format("{} × {}", x.point.nodes, x.point.gpu), layout_text(x.point.layout),
                         x.lost_by, x.why});
    if (!ru.rows.empty()) s.blocks.push_back(ru);
  }

  if (r.pareto.size() >= 2) {
    Chart c{"scatter",
            "Planner: wall-clock days vs total cost (Pareto front highlighted)",
            "wall-clock days",
            "total cost (" + r.currency + ")",
            {},
            {{"days", {}}, {"cost", {}}}};
    for (const auto& p : r.pareto) {
      c.series[0].values.push_back(p.site.wall_clock_days);
      c.series[1].values.push_back(p.site.cost.total);
      c.point_labels.push_back(fmt::format("{} {}×", p.site.site, p.nodes));
      c.highlighted.push_back(true);
    }
    s.blocks.push_back(c);
  }
  return s;
}

}  // namespace trainsite::reports
