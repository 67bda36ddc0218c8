// libFuzzer target: scenario YAML text + `--set` assignments -> loader -> analytic estimate.
// Bad input must end in scenarios::InputError (exit 2) and an impossible result in
// models::GuardError (exit 1); any other exception, crash, hang or sanitizer report is a bug.
#include <yaml-cpp/yaml.h>

#include <cstdint>

#include "fuzz/common.h"
#include "models/estimate.h"
#include "models/guards.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"

using namespace trainsite;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::catalog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const fuzz::Input in = fuzz::split_input(data, size);
  YAML::Node root;
  try {
    root = YAML::Load(in.yaml);  // what load_yaml_file does after reading the file
  } catch (const YAML::ParserException&) {
    return 0;  // load_yaml_file turns this into an InputError with the position
  }
  try {
    scenarios::LoadOptions opt;
    opt.data_dir = scenarios::default_data_dir();
    opt.overrides = in.overrides;
    const models::Scenario sc = scenarios::scenario_from_yaml(root, "fuzz.yaml", fuzz::catalog(), opt);
    (void)models::estimate(sc);
  } catch (const scenarios::InputError&) {
  } catch (const models::GuardError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected(e.what());
  }
  return 0;
}
