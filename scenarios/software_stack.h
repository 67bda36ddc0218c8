// The software-stack presets (data/software.yaml) applied to a scenario document: used by the loader
// and by the GUI's form, which shows what the stack sets for keys the scenario leaves out.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "models/catalog.h"

namespace trainsite::scenarios {

// Writes the stack's settings into `root` wherever the scenario does not set them itself (an explicit
// workload:/parallelism: key wins over the `software:` block, which wins over the preset). Returns the
// stack's id; an unknown stack or setting is an InputError naming `file`.
std::string apply_software_stack(YAML::Node root, const std::string& file, const models::Catalog& cat);

}  // namespace trainsite::scenarios
