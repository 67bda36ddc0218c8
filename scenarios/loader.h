// Scenario loader: trainsite/v1 YAML (or a partial scenario inside a validation record) ->
// models::Scenario, strictly validated. Errors are InputErrors with file:line:column and field.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/catalog.h"
#include "models/scenario.h"

namespace trainsite::scenarios {

struct LoadOptions {
  std::filesystem::path data_dir;       // for calibration files and relative weather files
  std::vector<std::string> overrides;   // "a.b=v", applied in order
  bool partial = false;                 // validation records: no schema/name/sites required
  bool parse_only = false;              // skip the layout/memory checks (grouping records the model rejects)
};

models::Scenario load_scenario(const std::string& path, const models::Catalog& cat, const LoadOptions& opt);
models::Scenario scenario_from_yaml(YAML::Node root, const std::string& file, const models::Catalog& cat,
                                    const LoadOptions& opt);

// Apply one `--set a.b.c=value` to a parsed document; the value is parsed as YAML (numbers, lists,
// mappings). A preset name in the way (`workload.model: gpt3-175b` and `--set workload.model.seq_len=4096`)
// becomes `{preset: gpt3-175b, seq_len: 4096}`.
void apply_override(YAML::Node root, const std::string& assignment);

// The layout and memory checks alone (the loader runs them; sweeps call them on resolved points).
void check_layout(const models::Scenario& sc, const std::string& file);

}  // namespace trainsite::scenarios
