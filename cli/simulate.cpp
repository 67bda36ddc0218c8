// `trainsite simulate`: the discrete-event engine (sim/) on a scenario, per site, with the fabric's
// link utilization and an optional Chrome/Perfetto trace.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "models/site/sensitivity.h"
#include "reports/json.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"
#include "sim/iteration_engine.h"
#include "sim/trace.h"

namespace trainsite::cli {

using reports::Json;
using reports::tidy;

models::Iteration des_iteration(const models::Scenario& sc) {
  return sim::simulate_iteration(sc);
}

Json fabric_to_json(const sim::DesResult& r, int top) {
  double max_u = 0, sum_u = 0;
  for (const auto& l : r.fabric_links) {
    max_u = std::max(max_u, l.utilization);
    sum_u += l.utilization;
  }
  Json f;
  f["links"] = r.fabric_link_count;
  f["links_used"] = r.fabric_links.size();
  f["max_link_utilization"] = tidy(max_u);
  // Mean over the links that carried traffic (idle spares would dilute it).
  f["mean_link_utilization"] = tidy(r.fabric_links.empty() ? 0 : sum_u / double(r.fabric_links.size()));
  Json a = Json::array();
  for (int i = 0; i < std::min<int>(top, int(r.fabric_links.size())); ++i) {
    const auto& l = r.fabric_links[i];
    a.push_back({{"link", l.name},
                 {"kind", l.kind},
                 {"utilization", tidy(l.utilization)},
                 {"GB", tidy(l.bytes / 1e9)},
                 {"bandwidth_GBps", tidy(l.bandwidth_Bps / 1e9)}});
  }
  f["top_links"] = a;
  return f;
}

int cmd_simulate(const std::string& path, const SimulateArgs& a, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const models::Catalog cat = scenarios::load_catalog(dir);
  const models::Scenario sc = scenarios::load_scenario(path, cat, {dir, c.overrides, false});
  sim::DesOptions opt;
  opt.straggler_fraction = a.straggler_fraction;
  opt.straggler_slowdown = a.straggler_slowdown;
  opt.failed_links = a.fail_links;
  opt.step_level = a.step_level;
  opt.trace = !a.trace.empty();
  const sim::DesResult des = sim::simulate(sc, opt);
  if (!a.trace.empty()) sim::write_trace(des, sc.name, a.trace);
  models::Result r = models::evaluate(sc, des.iteration, "des");
  if (c.json) {
    models::add_robustness(sc, cat.sensitivity, r);  // re-runs the campaign on the DES iteration
    Json doc = reports::result_to_json(r);
    doc["fabric"] = fabric_to_json(des, 5);
    doc["des"] = {{"actors", des.actors}, {"flows", des.flows}};
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  print_table(r, sc);
  const Json f = fabric_to_json(des, 5);
  fmt::print(
      "\nfabric: {} of {} links carried traffic, utilization over the step: max {:.1f}%, mean {:.1f}%\n",
      f["links_used"].get<size_t>(), f["links"].get<int>(), 100 * f["max_link_utilization"].get<double>(),
      100 * f["mean_link_utilization"].get<double>());
  for (const auto& l : f["top_links"])
    fmt::print("  {:<28}{:>7.1f}%{:>12.2f} GB\n", l["link"].get<std::string>(),
               100 * l["utilization"].get<double>(), l["GB"].get<double>());
  fmt::print("DES: {} actors, {} flows\n", des.actors, des.flows);
  return 0;
}

}  // namespace trainsite::cli
