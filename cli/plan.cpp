// `trainsite plan SCENARIO`: the best layout and cluster for the scenario's job, per site, under a
// deadline, a budget, a GPU count and each site's power cap and rack density (models/plan.h); the
// best few re-checked with the DES. `--records F` plans each validation record's cluster instead and
// compares with the layout the source published.
#include "models/plan.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "models/step/iteration.h"
#include "reports/plan_json.h"
#include "reports/report.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"
#include "scenarios/validation.h"

namespace trainsite::cli {

using namespace trainsite::models;
using reports::Json;
using reports::tidy;

namespace {

[[noreturn]] void bad(const std::string& option, const std::string& message) {
  throw scenarios::InputError({option, 0, 0}, option, message);
}

std::vector<int> parse_nodes(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    try {
      size_t used = 0;
      const long n = std::stol(item, &used);
      if (used != item.size() || n < 1 || n > 10'000'000) throw std::invalid_argument(item);
      out.push_back(int(n));
    } catch (const std::exception&) {
      bad("--nodes", fmt::format("expected auto or a comma-separated list of node counts, got '{}'", s));
    }
  }
  if (out.empty()) bad("--nodes", "expected auto or a comma-separated list of node counts");
  return out;
}

// The scenario's job on another GPU type: that GPU's server (GPUs per node, power, price from the
// catalog) and its calibration; fabric, storage, workload and sites stay.
Scenario on_gpu(const Scenario& sc, const Catalog& cat, const std::filesystem::path& dir,
                const std::string& id) {
  if (id == sc.cluster.gpu.id) return sc;
  const Gpu* g = cat.find_gpu(id);
  if (!g) {
    std::vector<std::string> known;
    for (const auto& x : cat.gpus) known.push_back(x.id);
    const std::string hint = scenarios::did_you_mean(id, known);
    bad("--gpu", fmt::format("unknown GPU '{}'{}", id, hint.empty() ? "" : " (" + hint + ")"));
  }
  Scenario v = sc;
  v.cluster.gpu = *g;
  v.cluster.gpus_per_node = g->node_gpus;
  v.cluster.node_power_kw.reset();
  v.economics.server_price_usd = 0;  // the scenario's price is for its own server
  v.cluster.cal = scenarios::load_calibration(dir, sc.cluster.calibration, *g);
  return v;
}

std::string layout_text(const LayoutChoice& l) {
  std::string s = fmt::format("tp {} · pp {} · dp {}", l.tp, l.pp, l.dp);
  if (l.cp > 1) s += fmt::format(" · cp {}", l.cp);
  if (l.ep > 1) s += fmt::format(" · ep {}", l.ep);
  s += fmt::format(" · mb {} · v {}", l.micro_batch, l.virtual_stages);
  if (l.pp > 1) s += " · " + to_string(l.schedule);
  return s + fmt::format(" · ZeRO {} · recompute {}", l.zero, to_string(l.recompute));
}

std::string money(double v, const std::string& currency) {
  return reports::thousands(v) + " " + currency;
}

void print_point(const PlanPoint& p, const std::string& indent) {
  fmt::print("{}{} × {} ({} GPUs, {} racks of {} kW), {}\n", indent, p.nodes, p.gpu, p.gpus(),
             p.site.rack.racks, p.site.rack.rack_limit_kw, layout_text(p.layout));
  fmt::print(
      "{}step {:.3f} s{}, {:.1f} days, {}, {:.0f} t CO2, memory {:.1f}/{:.0f} GB, facility peak {:.2f} MW\n",
      indent, p.iteration.step_time_s,
      p.des_step_time_s ? fmt::format(" (DES {:.3f} s)", *p.des_step_time_s) : "", p.site.wall_clock_days,
      money(p.site.cost.total, p.site.cost.currency), p.site.co2_t, p.memory_GB, p.hbm_GB,
      p.site.facility_power_peak_mw);
}

void print_plan(const PlanResult& r, const Scenario& sc, const PlanOptions& o) {
  fmt::print("plan: {} — {} {}", sc.name, o.objective == Objective::tokens_per_day ? "maximize" : "minimize",
             to_string(o.objective));
  if (o.deadline_days > 0) fmt::print(", deadline {} days", o.deadline_days);
  if (o.budget > 0) fmt::print(", budget {}", money(o.budget, r.currency));
  if (o.max_gpus > 0) fmt::print(", at most {} GPUs", o.max_gpus);
  fmt::print(", each site's power cap and rack density\n");
  const auto& c = r.counts;
  fmt::print(
      "searched {} layouts on {} cluster(s): {} evaluated, pruned {} by layout rules, {} by memory, {} by "
      "the "
      "step-time bound; {} cluster size(s) pruned by the deadline bound; {} site evaluations; {} DES "
      "re-checks\n\n",
      c.layouts.searched, c.clusters, c.layouts.evaluated, c.layouts.layout_rules, c.layouts.memory,
      c.layouts.step_bound, c.clusters_deadline, c.site_evaluations, c.des_rechecks);
  if (!r.baseline_problem.empty())
    fmt::print("the scenario's own layout is not valid ({}), so there is nothing to compare with\n\n",
               r.baseline_problem);
  for (const auto& sp : r.plans) {
    fmt::print("{}:\n", sp.site);
    if (!sp.best) {
      fmt::print("  no plan: {}\n", sp.none_reason);
    } else {
      print_point(*sp.best, "  ");
      if (sp.baseline) {
        const auto& b = *sp.baseline;
        fmt::print("  vs the scenario ({} × {}, {}): step {:+.1f}%, days {:+.1f}%, cost {:+.1f}%\n", b.nodes,
                   b.gpu, layout_text(b.layout),
                   100 * (sp.best->iteration.step_time_s / b.iteration.step_time_s - 1),
                   100 * (sp.best->site.wall_clock_days / b.site.wall_clock_days - 1),
                   100 * (sp.best->site.cost.total / b.site.cost.total - 1));
      }
      fmt::print("  bounded by:\n");
      for (const auto& b : sp.bounds)
        if (b.share >= 0.005 || b.bound == "max_gpus")
          fmt::print("    {:<12}{:>6.1f}%  {}\n", b.bound, 100 * b.share, b.detail);
    }
    if (!sp.runner_ups.empty()) fmt::print("  runner-ups:\n");
    for (const auto& x : sp.runner_ups)
      fmt::print("    {} × {}, {}: [{}] {}\n", x.point.nodes, x.point.gpu, layout_text(x.point.layout),
                 x.lost_by, x.why);
    if (sp.sizes.size() > 1) {
      fmt::print("  cluster sizes (best layout of each):\n    {:<16}{:>7}{:>7}{:>10}{:>14}{:>10}{:>8}  {}\n",
                 "GPU", "nodes", "GPUs", "days", "cost", "peak MW", "racks", "note");
      for (const auto& row : sp.sizes) {
        if (!row.best) {
          fmt::print("    {:<16}{:>7}{:>7}{:>10}{:>14}{:>10}{:>8}  {}\n", row.gpu, row.nodes, row.gpus, "-",
                     "-", "-", "-", row.note);
          continue;
        }
        const auto& p = *row.best;
        const std::string note = p.feasible() ? "ok" : "[" + p.violation + "] " + p.detail;
        if (!p.evaluated) {
          fmt::print("    {:<16}{:>7}{:>7}{:>10}{:>14}{:>10}{:>8}  {}\n", row.gpu, row.nodes, row.gpus, "-",
                     "-", "-", "-", note);
          continue;
        }
        fmt::print("    {:<16}{:>7}{:>7}{:>10.1f}{:>14}{:>10.2f}{:>8}  {}\n", row.gpu, row.nodes, row.gpus,
                   p.site.wall_clock_days, reports::thousands(p.site.cost.total),
                   p.site.facility_power_peak_mw, p.site.rack.racks, note);
      }
    }
    fmt::print("\n");
  }
  fmt::print("Pareto front, wall-clock days vs cost ({}):\n", r.currency);
  for (const auto& p : r.pareto)
    fmt::print("  {:<10}{:>6} × {:<16}{:>8.1f} days{:>14}  {}\n", p.site.site, p.nodes, p.gpu,
               p.site.wall_clock_days, reports::thousands(p.site.cost.total), layout_text(p.layout));
}

// The terms by which the published layout's step is longer than the plan's, largest first.
std::string savings(const Iteration& published, const Iteration& plan) {
  const std::pair<const char*, double> terms[] = {
      {"compute", published.compute_s - plan.compute_s},    {"TP", published.tp_comm_s - plan.tp_comm_s},
      {"bubble", published.pp_bubble_s - plan.pp_bubble_s}, {"PP p2p", published.pp_comm_s - plan.pp_comm_s},
      {"DP", published.dp_comm_s - plan.dp_comm_s},         {"CP", published.cp_comm_s - plan.cp_comm_s},
      {"EP", published.ep_comm_s - plan.ep_comm_s},         {"other", published.other_s - plan.other_s}};
  std::vector<std::pair<const char*, double>> v(std::begin(terms), std::end(terms));
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [name, d] : v)
    if (std::abs(d) >= 0.005 * published.step_time_s)
      out += fmt::format("{}{} {:+.3g} s", out.empty() ? "" : ", ", name, -d);
  return out;
}

SearchOptions search_options(const PlanArgs& a) {
  SearchOptions o;
  o.keep = a.keep;
  o.jobs = a.jobs > 0 ? a.jobs : int(std::max(1u, std::thread::hardware_concurrency()));
  if (!a.zeros.empty()) o.zeros = a.zeros;
  if (!a.recomputes.empty()) {
    o.recomputes.clear();
    for (const auto& r : a.recomputes)
      o.recomputes.push_back(r == "none"        ? Recompute::none
                             : r == "selective" ? Recompute::selective
                                                : Recompute::full);
  }
  if (!a.schedules.empty()) {
    o.schedules.clear();
    for (const auto& s : a.schedules)
      o.schedules.push_back(s == "zero-bubble" ? Schedule::zero_bubble
                            : s == "dualpipe"  ? Schedule::dualpipe
                                               : Schedule::automatic);
  }
  return o;
}

int plan_records(const std::string& file, const Catalog& cat, const std::filesystem::path& dir,
                 const PlanArgs& a, const Common& c) {
  const auto records = scenarios::load_validation(file, cat, {dir, {}, true});
  Json out = Json::array();
  if (!c.json)
    fmt::print("{:<24}{:<44}{:>9}  {:<44}{:>9}{:>8}  {}\n", "record", "published layout", "step s",
               "planner layout", "step s", "gain", "where the time goes (plan − published)");
  for (const auto& r : records) {
    Json j = {{"id", r.id}};
    if (!r.scenario) {
      j["reason"] = r.unsupported_reason;
      out.push_back(j);
      if (!c.json) fmt::print("{:<24}not modelled: {}\n", r.id, r.unsupported_reason);
      continue;
    }
    const Iteration pub = analytic_iteration(*r.scenario);
    SearchOptions so = search_options(a);
    so.keep = 1;
    const LayoutSearch s = search_layouts(*r.scenario, so);
    j["published"] = {{"layout", reports::layout_to_json(layout_of(*r.scenario, pub))},
                      {"step_time_s", tidy(pub.step_time_s)}};
    if (s.best.empty()) {
      j["plan"] = nullptr;
      out.push_back(j);
      continue;
    }
    const auto& b = s.best.front();
    j["plan"] = {{"layout", reports::layout_to_json(b.layout)},
                 {"step_time_s", tidy(b.iteration.step_time_s)}};
    j["speedup"] = tidy(pub.step_time_s / b.iteration.step_time_s);
    j["differs_by"] = savings(pub, b.iteration);
    out.push_back(j);
    if (!c.json)
      fmt::print("{:<24}{:<44}{:>9.3f}  {:<44}{:>9.3f}{:>7.1f}%  {}\n", r.id,
                 layout_text(layout_of(*r.scenario, pub)), pub.step_time_s, layout_text(b.layout),
                 b.iteration.step_time_s, 100 * (1 - b.iteration.step_time_s / pub.step_time_s),
                 savings(pub, b.iteration));
  }
  if (c.json) std::cout << Json{{"records", out}}.dump(2) << "\n";
  return 0;
}

}  // namespace

int cmd_plan(const std::string& path, const PlanArgs& a, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const Catalog cat = scenarios::load_catalog(dir);
  if (!a.records.empty()) return plan_records(a.records, cat, dir, a, c);
  if (path.empty()) bad("scenario", "give a scenario file (or --records F)");

  std::vector<std::string> overrides = c.overrides;
  if (!a.sites.empty()) {
    std::vector<std::string> ids = a.sites;
    if (ids.size() == 1 && ids.front() == "all") {
      ids.clear();
      for (const auto& s : cat.sites) ids.push_back(s.id);
    }
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
    overrides.push_back("sites=[" + list + "]");
  }
  // The scenario's own layout need not be valid: finding one is the point (parse_only skips the
  // loader's layout and memory checks; the planner applies the same rules to every candidate).
  scenarios::LoadOptions lo{dir, overrides, false};
  lo.parse_only = true;
  const Scenario sc = scenarios::load_scenario(path, cat, lo);

  PlanOptions o;
  if (!a.maximize.empty())
    o.objective = Objective::tokens_per_day;
  else if (a.minimize == "cost")
    o.objective = Objective::cost;
  else if (a.minimize == "co2")
    o.objective = Objective::co2;
  o.deadline_days = a.deadline_days;
  o.budget = a.budget;
  o.max_gpus = a.max_gpus;
  if (a.nodes == "auto")
    o.auto_nodes = true;
  else if (!a.nodes.empty())
    o.nodes = parse_nodes(a.nodes);
  o.allow_derate = a.allow_derate;
  o.search = search_options(a);
  o.runner_ups = a.runner_ups;
  o.recheck_top = a.des_top;
  if (!a.no_des) o.recheck = des_iteration;

  std::vector<Scenario> variants;
  for (const auto& id : a.gpus) variants.push_back(on_gpu(sc, cat, dir, id));
  const bool tty = ::isatty(STDERR_FILENO) != 0;
  if (tty)  // long searches (many GPU types and sizes) show where they are, as sweeps do
    o.progress = [](size_t done, size_t all) {
      std::fprintf(stderr, "\rplan: %zu/%zu clusters searched", done, all);
      std::fflush(stderr);
    };
  const PlanResult r = plan(sc, variants, o);
  if (tty) std::fprintf(stderr, "\r%60s\r", "");
  if (c.json)
    std::cout << reports::plan_to_json(r, sc, o).dump(2) << "\n";
  else
    print_plan(r, sc, o);
  return 0;
}

}  // namespace trainsite::cli
