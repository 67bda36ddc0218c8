#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "models/site/reliability.h"

namespace trainsite::reports {

using namespace trainsite::models;

std::string thousands(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  std::string s = fmt::format("{:.{}f}", std::abs(v), decimals);
  const size_t dot = s.find('.');
  for (long i = long(dot == std::string::npos ? s.size() : dot) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  return (v < 0 ? "-" : "") + s;
}

namespace {

std::string money(double v, const std::string& cur) {
  return thousands(v) + " " + cur;
}

// Copies of the scenario with one group of inputs scaled by `f` (sensitivity). Each change is a
// field of models::Scenario; the cost comes back from the same model that made the base result.
const std::vector<std::pair<std::string, std::function<void(Scenario&, double)>>>& sensitivity_inputs() {
  static const std::vector<std::pair<std::string, std::function<void(Scenario&, double)>>> inputs = {
      {"electricity tariff",
       [](Scenario& sc, double f) {
         for (auto& s : sc.sites) {
           s.tariff_flat_per_kwh *= f;
           for (auto& p : s.tou) p.price_per_kwh *= f;
         }
       }},
      {"PUE / cooling overheads",
       [](Scenario& sc, double f) {
         for (auto& s : sc.sites) {
           s.pue_avg = 1 + (s.pue_avg - 1) * f;
           s.cooling.fan_pump_fraction *= f;
           s.cooling.other_overhead_fraction *= f;
           s.cooling.chiller_cop_rated /= f;
         }
       }},
      {"GPU failure rate",
       [](Scenario& sc, double f) {
         sc.reliability.gpu_fail_per_1000_gpu_day = fail_per_1000_gpu_day(sc.reliability) * f;
       }},
      {"GPU server price",
       [](Scenario& sc, double f) {
         const double base = sc.economics.server_price_usd > 0 ? sc.economics.server_price_usd
                                                               : sc.cluster.gpu.node_price_usd;
         sc.economics.server_price_usd = base * f;
       }},
  };
  return inputs;
}

}  // namespace

ReportData scenario_report(const Scenario& sc, const Result& r, const Recompute& recompute) {
  ReportData d;
  d.title = sc.name;
  std::string site_list;
  for (const auto& s : sc.sites) site_list += (site_list.empty() ? "" : ", ") + s.id;
  d.question = fmt::format(
      "Where, how long and at what cost: training {} on {} tokens with {} × {} ({} GPUs, tp={} "
      "pp={}) at {}?",
      sc.workload.model.id, thousands(sc.workload.tokens / 1e9) + "B", sc.cluster.nodes, sc.cluster.gpu.id,
      sc.cluster.gpus(), sc.parallelism.tp, sc.parallelism.pp, site_list);
  if (r.sites.empty()) return d;
  const auto cheapest = std::min_element(r.sites.begin(), r.sites.end(), [](const auto& a, const auto& b) {
    return a.cost.total < b.cost.total;
  });
  const std::string cur = cheapest->cost.currency;
  d.answer = fmt::format(
      "{} is the cheapest site: {} in {:.1f} days of wall-clock time at {:.1f}% MFU, using {} MWh "
      "(PUE {:.2f}) and emitting {} t CO2 ({} per million tokens).",
      cheapest->site, money(cheapest->cost.total, cur), cheapest->wall_clock_days, 100 * cheapest->mfu,
      thousands(cheapest->energy_mwh), cheapest->pue, thousands(cheapest->co2_t),
      fmt::format("{:.2f} {}", cheapest->cost_per_million_tokens, cur));
  for (const auto& s : r.sites) {
    if (&s == &*cheapest) continue;
    d.answer +=
        fmt::format(" {} costs {} more ({:+.1f}%)", s.site, money(s.cost.total - cheapest->cost.total, cur),
                    100 * (s.cost.total / cheapest->cost.total - 1));
    if (!s.why.drivers.empty())
      d.answer += fmt::format(", mostly from {} ({} of the difference)", s.why.drivers.front().driver,
                              fmt::format("{:.0f}%", 100 * s.why.drivers.front().share));
    d.answer += ".";
  }

  Table t{"Site comparison",
          {"site", "wall-clock days", "MFU", "energy MWh", "PUE", "energy cost", "capex", "facility",
           "total cost", "CO2 t", "cost / M tokens"},
          {}};
  Chart cost{"stacked-bars",
             "Cost per site (" + cur + ")",
             "site",
             cur,
             {},
             {{"energy", {}}, {"capex", {}}, {"facility", {}}}};
  for (const auto& s : r.sites) {
    t.rows.push_back({s.site, fmt::format("{:.1f}", s.wall_clock_days), fmt::format("{:.1f}%", 100 * s.mfu),
                      thousands(s.energy_mwh), fmt::format("{:.2f}", s.pue), thousands(s.cost.energy),
                      thousands(s.cost.capex), thousands(s.cost.facility), thousands(s.cost.total),
                      thousands(s.co2_t), fmt::format("{:.2f}", s.cost_per_million_tokens)});
    cost.categories.push_back(s.site);
    cost.series[0].values.push_back(s.cost.energy);
    cost.series[1].values.push_back(s.cost.capex);
    cost.series[2].values.push_back(s.cost.facility);
  }
  d.tables.push_back(t);
  d.charts.push_back(cost);

  // Monthly PUE and energy (campaign model), when the result has months.
  if (!r.sites.front().monthly.empty()) {
    Chart pue{"lines", "Monthly PUE", "month", "PUE", {}, {}},
        energy{"lines", "Monthly energy (MWh)", "month", "MWh", {}, {}};
    for (const auto& m : r.sites.front().monthly) pue.categories.push_back(m.month);
    energy.categories = pue.categories;
    for (const auto& s : r.sites) {
      Series p{s.site, {}}, e{s.site, {}};
      for (size_t i = 0; i < pue.categories.size(); ++i) {
        p.values.push_back(i < s.monthly.size() ? s.monthly[i].pue : NAN);
        e.values.push_back(i < s.monthly.size() ? s.monthly[i].energy_mwh : NAN);
      }
      pue.series.push_back(p);
      energy.series.push_back(e);
    }
    d.charts.push_back(pue);
    d.charts.push_back(energy);
  }

  const auto& it = r.iteration;
  Chart br{"stacked-bars",
           fmt::format("Iteration time breakdown ({:.2f} s per step)", it.step_time_s),
           "",
           "seconds",
           {"iteration"},
           {}};
  for (const auto& [name, v] :
       std::vector<std::pair<std::string, double>>{{"compute", it.compute_s},
                                                   {"TP comm", it.tp_comm_s},
                                                   {"PP bubble", it.pp_bubble_s},
                                                   {"PP p2p", it.pp_comm_s},
                                                   {"DP comm (exposed)", it.dp_comm_s},
                                                   {"CP comm", it.cp_comm_s},
                                                   {"EP comm", it.ep_comm_s},
                                                   {"I/O stall", it.io_stall_s},
                                                   {"other", it.other_s}})
    if (v > 0) br.series.push_back({name, {v}});
  d.charts.push_back(br);

  // Tornado: total cost at the cheapest site with each input group at -20% and +20%.
  if (recompute) {
    const size_t ci = size_t(cheapest - r.sites.begin());
    Chart tor{"tornado", fmt::format("Sensitivity of the total cost at {} to ±20% ({})", cheapest->site, cur),
              cur,       "",
              {},        {{"-20%", {}}, {"+20%", {}}}};
    tor.reference = cheapest->cost.total;
    for (const auto& [name, change] : sensitivity_inputs()) {
      tor.categories.push_back(name);
      for (int k = 0; k < 2; ++k) {
        Scenario m = sc;
        change(m, k == 0 ? 0.8 : 1.2);
        const Result mr = recompute(m);
        tor.series[size_t(k)].values.push_back(ci < mr.sites.size() ? mr.sites[ci].cost.total : NAN);
      }
    }
    d.charts.push_back(tor);
  }

  d.assumptions = {
      {"model", fmt::format("{} ({} layers, hidden {}, seq {})", sc.workload.model.id,
                            sc.workload.model.layers, sc.workload.model.hidden, sc.workload.model.seq_len)},
      {"tokens", thousands(sc.workload.tokens)},
      {"global batch", fmt::format("{} sequences", sc.workload.global_batch)},
      {"precision", to_string(sc.workload.precision)},
      {"cluster", fmt::format("{} nodes × {} {} = {} GPUs", sc.cluster.nodes, sc.cluster.gpus_per_node,
                              sc.cluster.gpu.id, sc.cluster.gpus())},
      {"layout", fmt::format("tp={} pp={} dp={} cp={} ep={} micro_batch={} virtual stages={}",
                             sc.parallelism.tp, sc.parallelism.pp, it.dp, sc.parallelism.cp,
                             sc.parallelism.ep, sc.parallelism.micro_batch, it.virtual_stages)},
      {"fabric",
       fmt::format("{} {} × {} Gb/s per node, {}", sc.cluster.fabric.kind, sc.cluster.fabric.nics_per_node,
                   sc.cluster.fabric.nic_gbps, sc.cluster.fabric.topology)},
      {"GPU failures", fmt::format("{:.3g} per 1000 GPU-days, restart {} min",
                                   fail_per_1000_gpu_day(sc.reliability), sc.reliability.restart_min)},
      {"economics", fmt::format("{}, servers amortized over {} years, start {}", sc.economics.currency,
                                sc.economics.amortization_years, sc.economics.start)},
      {"engine", r.engine},
  };
  for (const auto& [k, v] : sc.cluster.gpu.sources) d.sources.push_back({sc.cluster.gpu.id + " " + k, v});
  if (!sc.workload.model.source.empty())
    d.sources.push_back({sc.workload.model.id, sc.workload.model.source});
  for (const auto& s : sc.sites)
    for (const auto& [k, v] : s.sources) d.sources.push_back({s.id + " " + k, v});
  return d;
}

ReportData sweep_report(const std::string& db_name, const std::vector<PointRow>& ok, uint64_t all_points,
                        const std::optional<ReportData>& best) {
  ReportData d;
  d.title = "Sweep " + (ok.empty() ? db_name : ok.front().sweep);
  d.question = fmt::format("Which of the {} configurations in {} is cheapest, and what does speed cost?",
                           thousands(double(all_points)), db_name);
  if (ok.empty()) {
    d.answer = "No point of the sweep could be computed; see `trainsite sweep --db F --all` for the reasons.";
    return d;
  }
  auto by_cost = [](const PointRow* a, const PointRow* b) {
    return a->cost_total.value_or(INFINITY) < b->cost_total.value_or(INFINITY);
  };
  std::vector<const PointRow*> rows;
  for (const auto& r : ok) rows.push_back(&r);
  std::sort(rows.begin(), rows.end(), by_cost);
  const PointRow& c = *rows.front();
  const PointRow& f = **std::min_element(rows.begin(), rows.end(), [](auto* a, auto* b) {
    return a->wall_clock_days.value_or(INFINITY) < b->wall_clock_days.value_or(INFINITY);
  });
  d.answer = fmt::format(
      "{} of {} points ran. The cheapest is {} GPUs of {} on {} at {} (tp={} pp={}): {} in {:.1f} days. "
      "The fastest is {} GPUs of {} on {} at {}: {:.1f} days for {} ({:+.0f}% cost).",
      thousands(double(ok.size())), thousands(double(all_points)), thousands(c.gpus), c.gpu, c.fabric, c.site,
      c.tp, c.pp, money(*c.cost_total, c.currency), *c.wall_clock_days, thousands(f.gpus), f.gpu, f.fabric,
      f.site, *f.wall_clock_days, money(*f.cost_total, f.currency),
      100 * (*f.cost_total / *c.cost_total - 1));
  const std::vector<std::string> header = {"site", "GPU", "fabric", "GPUs", "tp",   "pp",
                                           "days", "MFU", "MWh",    "cost", "CO2 t"};
  auto cells = [](const PointRow& r) {
    return std::vector<std::string>{r.site,
                                    r.gpu,
                                    r.fabric,
                                    thousands(r.gpus),
                                    std::to_string(r.tp),
                                    std::to_string(r.pp),
                                    fmt::format("{:.1f}", r.wall_clock_days.value_or(NAN)),
                                    fmt::format("{:.1f}%", 100 * r.mfu.value_or(NAN)),
                                    thousands(r.energy_mwh.value_or(NAN)),
                                    thousands(r.cost_total.value_or(NAN)),
                                    thousands(r.co2_t.value_or(NAN))};
  };
  Table per_site{"Cheapest configuration per site (" + c.currency + ")", header, {}};
  std::map<std::string, bool> seen;
  for (const auto* r : rows)
    if (!seen[r->site]) seen[r->site] = true, per_site.rows.push_back(cells(*r));
  Table top{"The 10 cheapest points", header, {}};
  for (size_t i = 0; i < std::min<size_t>(10, rows.size()); ++i) top.rows.push_back(cells(*rows[i]));
  d.tables = {per_site, top};

  // Pareto: a point is optimal when no other is both cheaper and faster.
  Chart p{"scatter",
          "Cost vs wall-clock days (Pareto-optimal points highlighted)",
          "wall-clock days",
          "total cost (" + c.currency + ")",
          {},
          {{"days", {}}, {"cost", {}}}};
  std::vector<const PointRow*> by_days = rows;
  std::sort(by_days.begin(), by_days.end(), [](auto* a, auto* b) {
    return a->wall_clock_days < b->wall_clock_days ||
           (a->wall_clock_days == b->wall_clock_days && a->cost_total < b->cost_total);
  });
  double best_cost = INFINITY;
  for (const auto* r : by_days) {
    p.series[0].values.push_back(*r->wall_clock_days);
    p.series[1].values.push_back(*r->cost_total);
    const bool front = *r->cost_total < best_cost;
    best_cost = std::min(best_cost, *r->cost_total);
    p.highlighted.push_back(front);
    p.point_labels.push_back(front ? fmt::format("{} {}×{} {}", r->site, r->gpus, r->gpu, r->fabric) : "");
  }
  d.charts.push_back(p);
  if (best) {
    for (auto t : best->tables) t.title = "Cheapest point: " + t.title, d.tables.push_back(t);
    for (auto ch : best->charts) ch.title = "Cheapest point: " + ch.title, d.charts.push_back(ch);
    d.assumptions = best->assumptions;
    d.sources = best->sources;
  }
  return d;
}

std::string report_csv(const ReportData& d) {
  auto field = [](const std::string& f) {
    if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
    std::string out = "\"";
    for (char ch : f) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return out + "\"";
  };
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + field(cells[i]);
    out += "\r\n";
  };
  line({"report", d.title});
  line({"question", d.question});
  line({"answer", d.answer});
  for (const auto& t : d.tables) {
    line({});
    line({"table", t.title});
    line(t.header);
    for (const auto& r : t.rows) line(r);
  }
  line({});
  line({"table", "Assumptions"});
  for (const auto& [k, v] : d.assumptions) line({k, v});
  line({});
  line({"table", "Sources"});
  for (const auto& [k, v] : d.sources) line({k, v});
  return out;
}

}  // namespace trainsite::reports
