// Reports for people: what a planner hands to management. The content (ReportData) is built from
// a scenario's results or a sweep database; writers turn it into self-contained HTML (inline SVG
// charts), CSV, or PDF (reports/report_pdf.h, Qt, built with TRAINSITE_GUI). Every number in a
// report comes from models/ (estimate, the campaign model, models::add_robustness); the report only
// arranges it.
//
// Layout: the title, the question and a two-sentence answer, then sections. The first section is the
// decision (key figures per site and the cost chart) and shares page 1 with the answer; the others
// (what drives the answer, when to start, over the run, ...) follow. A later module (e.g. a plan) adds
// its own Section.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
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

// A vertical line across a tornado at a value (e.g. the other site's total: a bar crossing it flips
// the decision).
struct Marker {
  double value = 0;
  std::string label;
};

struct Chart {
  std::string kind;  // stacked-bars | lines | tornado | scatter
  std::string title;
  std::string x_label, y_label;             // with units
  std::vector<std::string> categories;      // x categories (bars, lines) or tornado inputs
  std::vector<Series> series;               // tornado: {input low}, {input high}; scatter: {"x"}, {"y"}
  double reference = 0;                     // tornado: the base value the bars start from
  std::vector<std::string> point_labels{};  // scatter labels
  std::vector<bool> highlighted{};          // scatter: Pareto-optimal points
  std::vector<Marker> markers{};            // tornado
};

struct Table {
  std::string title;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// A section's content in reading order: a paragraph, a table or a chart.
using Block = std::variant<std::string, Table, Chart>;

struct Section {
  std::string id;  // decision | sensitivity | start-month | daily | monthly | breakdown | sweep | ...
  std::string title;
  std::vector<Block> blocks;
  bool new_page = false;  // PDF: start the section on a new page (else it flows on after the previous one)
};

struct ReportData {
  std::string title;
  std::string question;
  std::string answer;  // two sentences: the choice, and how robust it is
  std::vector<Section> sections;
  std::vector<std::pair<std::string, std::string>> assumptions;  // label, value
  std::vector<std::pair<std::string, std::string>> sources;      // what, source

  const Section* section(const std::string& id) const;
  std::vector<const Table*> tables() const;  // every table, in order
  std::vector<const Chart*> charts() const;  // every chart, in order
};

// A scenario report from `r` = models::estimate / evaluate of `sc`. The sensitivity, break-even and
// start-month pages need models::add_robustness(sc, ranges, r) first (they say so when it is missing).
// `catalog`, when given, adds the economics and sensitivity-range sources.
ReportData scenario_report(const models::Scenario& sc, const models::Result& r,
                           const models::Catalog* catalog = nullptr);

// A sweep report: best point per site, top points, Pareto chart of cost vs days, plus the sections of
// the scenario report of the cheapest point when `best` is given.
ReportData sweep_report(const std::string& db_name, const std::vector<PointRow>& ok_rows, uint64_t all_points,
                        const std::optional<ReportData>& best);

// Every source string behind a scenario: GPU, model, sites, and (with the catalog) economics and the
// sensitivity ranges. `trainsite catalog` prints the same strings for the whole catalog.
std::vector<std::pair<std::string, std::string>> scenario_sources(const models::Scenario& sc,
                                                                  const models::Catalog* catalog);

std::string report_html(const ReportData& d);
std::string report_csv(const ReportData& d);
// One chart as standalone SVG (the HTML report inlines these; the PDF renders them with Qt Svg).
std::string chart_svg(const Chart& c, int width = 720, int height = 360);

// "12,345,678" style thousands separators.
std::string thousands(double v, int decimals = 0);
// An axis tick: thousands separators, as many decimals as the tick step needs, never an exponent.
std::string axis_number(double v, double step);

}  // namespace trainsite::reports
