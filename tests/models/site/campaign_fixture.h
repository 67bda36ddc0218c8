// Shared helpers for the power/cooling/campaign tests: the shipped catalog and scenarios.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::testing {

inline const models::Catalog& catalog() {
  static const models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  return cat;
}

inline models::Scenario shipped(const std::string& name, std::vector<std::string> overrides = {}) {
  scenarios::LoadOptions opt;
  opt.data_dir = scenarios::default_data_dir();
  opt.overrides = std::move(overrides);
  return scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name + ".yaml",
                                  catalog(), opt);
}

inline const char* kA800Sites = "gpt3-175b-a800-ulanqab-vs-shanghai";

}  // namespace trainsite::testing
