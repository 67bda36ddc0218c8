// What every report shares: number formatting, the ReportData accessors, the sources list, the sweep
// report and the CSV writer. The scenario report's sections are in reports/scenario_report.cpp.
#include "reports/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace trainsite::reports {

using namespace trainsite::models;

std::string thousands(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  std::string s = fmt::format("{:.{}f}", std::abs(v), std::max(0, decimals));
  const size_t dot = s.find('.');
  for (long i = long(dot == std::string::npos ? s.size() : dot) - 3; i > 0; i -= 3) s.insert(size_t(i), ",");
  const bool zero = s.find_first_not_of("0.,") == std::string::npos;
  return (v < 0 && !zero ? "-" : "") + s;
}

std::string axis_number(double v, double step) {
  int decimals = 0;
  if (step > 0 && step < 1) decimals = std::min(6, int(std::ceil(-std::log10(step) - 1e-9)));
  // 2.5-steps need one more digit than their decade (0.25, 0.025).
  if (step > 0 && std::abs(std::round(step * std::pow(10, decimals)) - step * std::pow(10, decimals)) > 1e-6)
    decimals = std::min(6, decimals + 1);
  return thousands(v, decimals);
}

const Section* ReportData::section(const std::string& id) const {
  for (const auto& s : sections)
    if (s.id == id) return &s;
  return nullptr;
}

std::vector<const Table*> ReportData::tables() const {
  std::vector<const Table*> out;
  for (const auto& s : sections)
    for (const auto& b : s.blocks)
      if (const auto* t = std::get_if<Table>(&b)) out.push_back(t);
  return out;
}

std::vector<const Chart*> ReportData::charts() const {
  std::vector<const Chart*> out;
  for (const auto& s : sections)
    for (const auto& b : s.blocks)
      if (const auto* c = std::get_if<Chart>(&b)) out.push_back(c);
  return out;
}

std::vector<std::pair<std::string, std::string>> scenario_sources(const Scenario& sc,
                                                                  const Catalog* catalog) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : sc.cluster.gpu.sources) out.push_back({sc.cluster.gpu.id + " " + k, v});
  if (!sc.workload.model.source.empty()) out.push_back({sc.workload.model.id, sc.workload.model.source});
  for (const auto& s : sc.sites)
    for (const auto& [k, v] : s.sources) out.push_back({s.id + " " + k, v});
  if (catalog) {
    for (const auto& [k, v] : catalog->economics.sources) out.push_back({"economics " + k, v});
    for (const auto& [k, r] : catalog->sensitivity.classes)
      out.push_back(
          {fmt::format("sensitivity range, {} figures (x{:.2f} to x{:.2f})", k, r.low, r.high), r.basis});
    for (const auto& [k, r] : catalog->sensitivity.fixed)
      out.push_back({fmt::format("sensitivity range, {} (x{:.2f} to x{:.2f})", k, r.low, r.high), r.basis});
    for (const auto& [k, c] : catalog->sensitivity.factor_class) {
      const auto b = catalog->sensitivity.factor_basis.find(k);
      out.push_back({fmt::format("sensitivity range, {} ({} class)", k, c),
                     b == catalog->sensitivity.factor_basis.end() ? "" : b->second});
    }
  }
  return out;
}

namespace {

std::string money(double v, const std::string& cur) {
  return thousands(v) + " " + cur;
}

}  // namespace

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
      "The cheapest of {} computed points (of {}) is {} GPUs of {} on {} at {} (tp={} pp={}): {} in {:.1f} "
      "days. The fastest is {} GPUs of {} on {} at {}: {:.1f} days for {} ({:+.0f} % cost).",
      thousands(double(ok.size())), thousands(double(all_points)), thousands(c.gpus), c.gpu, c.fabric, c.site,
      c.tp, c.pp, money(*c.cost_total, c.currency), *c.wall_clock_days, thousands(f.gpus), f.gpu, f.fabric,
      f.site, *f.wall_clock_days, money(*f.cost_total, f.currency),
      100 * (*f.cost_total / *c.cost_total - 1));
  const std::vector<std::string> header = {"site", "GPU",  "fabric", "GPUs", "tp",
                                           "pp",   "days", "MFU",    "MWh",  "cost (" + c.currency + ")",
                                           "CO2 t"};
  auto cells = [](const PointRow& r) {
    return std::vector<std::string>{r.site,
                                    r.gpu,
                                    r.fabric,
                                    thousands(r.gpus),
                                    std::to_string(r.tp),
                                    std::to_string(r.pp),
                                    fmt::format("{:.1f}", r.wall_clock_days.value_or(NAN)),
                                    fmt::format("{:.1f} %", 100 * r.mfu.value_or(NAN)),
                                    thousands(r.energy_mwh.value_or(NAN)),
                                    thousands(r.cost_total.value_or(NAN)),
                                    thousands(r.co2_t.value_or(NAN))};
  };
  Table per_site{"Cheapest configuration per site", header, {}};
  std::map<std::string, bool> seen;
  for (const auto* r : rows)
    if (!seen[r->site]) seen[r->site] = true, per_site.rows.push_back(cells(*r));
  Table top{"The 10 cheapest points", header, {}};
  for (size_t i = 0; i < std::min<size_t>(10, rows.size()); ++i) top.rows.push_back(cells(*rows[i]));

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
  d.sections.push_back({"sweep", "The sweep", {per_site, p}, false});
  d.sections.push_back({"sweep-top", "The cheapest points", {top}, false});
  if (best) {
    for (auto s : best->sections) {
      if (s.id == "decision") s.new_page = true;  // page 1 is the sweep's
      s.id = "best-" + s.id;
      s.title = "Cheapest point: " + s.title;
      d.sections.push_back(s);
    }
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
  for (const auto* t : d.tables()) {
    line({});
    line({"table", t->title});
    line(t->header);
    for (const auto& r : t->rows) line(r);
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
