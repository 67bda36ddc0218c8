// `trainsite report SCENARIO|F.sqlite --out F.pdf|F.html|F.csv`: a report for people.
#include "reports/report.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <set>

#include "cli/commands.h"
#include "models/site/sensitivity.h"
#include "models/plan.h"
#include "reports/plan_section.h"
#include "reports/store.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"
#ifdef TRAINSITE_HAVE_PDF
#include "reports/report_pdf.h"
#endif

namespace trainsite::cli {

namespace {

bool is_sqlite(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() == 16 && std::string(header, 16) == std::string("SQLite format 3\0", 16);
}

reports::ReportData sweep_data(const std::string& path, const models::Catalog& cat,
                               const std::filesystem::path& dir) {
  const reports::Store store(path, true);
  const auto ok = store.query({}, "cost_total", false, std::nullopt, true);
  std::optional<reports::ReportData> best;
  if (!ok.empty()) {
    // The cheapest configuration, re-run at every site of the sweep so its sites can be compared.
    YAML::Node doc = YAML::Load(ok.front().scenario);
    std::set<std::string> sites;
    for (const auto& r : ok) sites.insert(r.site);
    YAML::Node list(YAML::NodeType::Sequence);
    list.push_back(ok.front().site);
    for (const auto& s : sites)
      if (s != ok.front().site && cat.find_site(s)) list.push_back(s);
    doc["sites"] = list;
    const models::Scenario sc = scenarios::scenario_from_yaml(doc, path, cat, {dir, {}, false});
    models::Result r = models::estimate(sc);
    models::add_robustness(sc, cat.sensitivity, r);
    best = reports::scenario_report(sc, r, &cat);
  }
  return reports::sweep_report(std::filesystem::path(path).filename().string(), ok, store.count(), best);
}

}  // namespace

int cmd_report(const std::string& input, const std::string& out, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext != ".pdf" && ext != ".html" && ext != ".csv")
    throw scenarios::InputError({"--out", 0, 0}, "--out",
                                fmt::format("'{}': expected a .pdf, .html or .csv file", out));
  if (!std::filesystem::exists(input))
    throw scenarios::InputError({input, 0, 0}, "input", fmt::format("no such file '{}'", input));
  const models::Catalog cat = scenarios::load_catalog(dir);
  reports::ReportData d;
  if (is_sqlite(input)) {
    d = sweep_data(input, cat, dir);
  } else {
    const models::Scenario sc = scenarios::load_scenario(input, cat, {dir, c.overrides, false});
    models::Result r = models::estimate(sc);
    models::add_robustness(sc, cat.sensitivity, r);  // sensitivity, break-even, start months
    d = reports::scenario_report(sc, r, &cat);
    d.sections.push_back(reports::plan_section(models::plan(sc, {}, {}), sc));  // is there a faster layout?
  }
  if (ext == ".pdf") {
#ifdef TRAINSITE_HAVE_PDF
    reports::write_report_pdf(d, out);
#else
    std::cerr << "trainsite report: this build has no PDF support (configure with -DTRAINSITE_GUI=ON); "
                 "write .html or .csv instead\n";
    return 1;
#endif
  } else {
    reports::write_file_atomic(out, ext == ".html" ? reports::report_html(d) : reports::report_csv(d));
  }
  fmt::print("wrote {}\n", out);
  return 0;
}

}  // namespace trainsite::cli
