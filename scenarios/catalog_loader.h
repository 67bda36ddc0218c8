// Loads data/ (hardware, models, sites, economics, calibration) into models::Catalog.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "models/calibration.h"
#include "models/catalog.h"
#include "scenarios/yaml_reader.h"

namespace trainsite::scenarios {

// $TRAINSITE_DATA, else the source tree's data/ (compiled in), else ../share/trainsite/data.
std::filesystem::path default_data_dir();

models::Catalog load_catalog(const std::filesystem::path& data_dir);
// data/software.yaml: software-stack presets, appended to `cat`.
void load_software_stacks(const std::filesystem::path& file, models::Catalog& cat);
// The settings a stack (and a scenario's `software:` block) may set.
const std::vector<std::string>& software_settings();
// data/sensitivity.yaml: the sensitivity range of each confidence class and of inputs without a label.
models::SensitivityRanges load_sensitivity_ranges(const std::filesystem::path& file);

// Parse one site mapping on top of `base` (a catalog site or defaults); used for data/sites/*.yaml
// and for per-scenario site overrides.
models::Site parse_site(const Section& s, models::Site base);
models::ModelSpec parse_model(const Section& s, models::ModelSpec base);

// data/calibration/NAME.yaml for the GPU's architecture (a by_arch file) or for one GPU.
models::Calibration load_calibration(const std::filesystem::path& data_dir, const std::string& name,
                                     const models::Gpu& gpu);
models::Calibration parse_calibration(const Section& s, models::Calibration base);

}  // namespace trainsite::scenarios
