// Reports for people: what a planner hands to management. The content (ReportData) is built from
// a scenario's results or a sweep database; writers turn it into self-contained HTML (inline SVG
// charts), CSV, or PDF (reports/report_pdf.h, Qt, built with TRAINSITE_GUI). Every number in a
// report comes from models/ (estimate, the campaign model); the report only arranges it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/catalog.h"
#include "models/estimate.h"
#include "models/scenario.h"
#include "reports/store.h"

namespace trainsite::reports {

// A named series of numbers for one chart (one bar group, one line, one stacked segment).
struct Series {
  std::string name;
  std::vector<double> values;
};

struct Chart {
  std::string kind;  // stacked-bars | lines | tornado | scatter
  std::string title;
  std::string x_label, y_label;
  std::vector<std::string> categories;      // x categories (bars, lines) or tornado parameters
  std::vector<Series> series;               // tornado: {"-20%", ...}, {"+20%", ...}; scatter: {"x"}, {"y"}
  double reference = 0;                     // tornado: the base value the bars start from
  std::vector<std::string> point_labels{};  // scatter labels
  std::vector<bool> highlighted{};          // scatter: Pareto-optimal points
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ReportData {
  std::string title;
  std::string question;
  std::string answer;  // one paragraph
  std::vector<Table> tables;
  std::vector<Chart> charts;
  std::vector<std::pair<std::string, std::string>> assumptions;  // label, value
  std::vector<std::pair<std::string, std::string>> sources;      // what, source
};

// Total cost at the first site of `sc` after `change` is applied to a copy (sensitivity).
using Recompute = std::function<models::Result(const models::Scenario&)>;

// A scenario report: site table, cost bars, monthly PUE/energy (when the result has months),
// iteration breakdown, ±20% tornado on the cheapest site, assumptions and sources.
ReportData scenario_report(const models::Scenario& sc, const models::Result& r, const Recompute& recompute);

// A sweep report: best point per site, top points, Pareto chart of cost vs days, plus the scenario
// report of the cheapest point when `best` is given.
ReportData sweep_report(const std::string& db_name, const std::vector<PointRow>& ok_rows, uint64_t all_points,
                        const std::optional<ReportData>& best);

std::string report_html(const ReportData& d);
std::string report_csv(const ReportData& d);
// One chart as standalone SVG (the HTML report inlines these).
std::string chart_svg(const Chart& c, int width = 720, int height = 360);

// "12,345,678" style thousands separators, and money with the currency.
std::string thousands(double v, int decimals = 0);

}  // namespace trainsite::reports
