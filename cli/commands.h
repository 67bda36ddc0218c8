// The CLI's subcommands; each returns the process exit code (0 ok, 1 runtime failure, 2 bad input).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/catalog.h"
#include "models/estimate.h"
#include "scenarios/validation.h"

namespace trainsite::cli {

struct Common {
  std::string data_dir;               // empty = default
  std::vector<std::string> overrides;  // --set
  bool json = false;
};

int cmd_estimate(const std::string& scenario, const Common& c);
int cmd_validate(const std::string& data_file, const std::string& engine, const Common& c);
int cmd_catalog(const std::string& what, const Common& c);

// Predicted value of `metric` for a record's scenario from a result (shared by both engines).
double predicted_metric(const std::string& metric, const models::SiteResult& r);

// The validation document of DESIGN section 8 from records and a predictor.
nlohmann::ordered_json validation_report(const std::vector<scenarios::ValidationRecord>& records,
                                         const std::string& engine);

}  // namespace trainsite::cli
