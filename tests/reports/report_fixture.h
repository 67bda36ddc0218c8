// The shipped two-site scenario (Ulanqab vs Shanghai), its result with the robustness runs, and its
// report: built once per test binary and shared by the report, PDF and browser tests.
#pragma once

#include <string>

#include "models/estimate.h"
#include "models/site/sensitivity.h"
#include "reports/report.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::testing {

struct Fixture {
  models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  std::string file =
      std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml";
  models::Scenario sc = scenarios::load_scenario(file, cat, {scenarios::default_data_dir(), {}, false});
  models::Result r = [this] {
    models::Result x = models::estimate(sc);
    models::add_robustness(sc, cat.sensitivity, x);
    return x;
  }();
  reports::ReportData d = reports::scenario_report(sc, r, &cat);

  static const Fixture& get() {
    static const Fixture f;
    return f;
  }
};

}  // namespace trainsite::testing
