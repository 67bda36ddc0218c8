// Replays every reproducer the fuzzers found (tests/fuzz_regressions/<target>/*) through the same
// path the fuzz target takes. Each once crashed, hung, tripped a sanitizer or let an unexpected
// exception escape; now each must end in a clean InputError or GuardError (or load fine).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "models/estimate.h"
#include "models/guards.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"
#include "scenarios/validation.h"

namespace {

namespace fs = std::filesystem;
using namespace trainsite;

const fs::path kDir = fs::path(TRAINSITE_SOURCE_DIR) / "tests" / "fuzz_regressions";

std::vector<fs::path> reproducers(const std::string& target) {
  std::vector<fs::path> out;
  if (fs::exists(kDir / target))
    for (const auto& e : fs::directory_iterator(kDir / target))
      if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const models::Catalog& catalog() {
  static const models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  return cat;
}

// The scenario_fuzzer's input convention (fuzz/common.h): YAML text whose "#set " lines are
// `--set` assignments.
std::vector<std::string> overrides_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("#set ", 0) == 0) out.push_back(line.substr(5));
  return out;
}

enum class Outcome { loaded, input_error, guard_error, parse_error };

Outcome run_scenario(const std::string& text) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException&) {
    return Outcome::parse_error;
  }
  try {
    scenarios::LoadOptions opt;
    opt.data_dir = scenarios::default_data_dir();
    opt.overrides = overrides_of(text);
    const models::Scenario sc = scenarios::scenario_from_yaml(root, "fuzz.yaml", catalog(), opt);
    (void)models::estimate(sc);
    return Outcome::loaded;
  } catch (const scenarios::InputError&) {
    return Outcome::input_error;
  } catch (const models::GuardError&) {
    return Outcome::guard_error;
  }
}

TEST(FuzzRegressions, ScenarioReproducersEndInDocumentedErrors) {
  const auto files = reproducers("scenario_fuzzer");
  EXPECT_FALSE(files.empty()) << "no reproducers under " << kDir;
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    // Any other exception fails the test (gtest reports it); a crash or sanitizer report aborts it.
    EXPECT_NO_THROW((void)run_scenario(slurp(f)));
  }
}

TEST(FuzzRegressions, ValidationReproducersEndInDocumentedErrors) {
  for (const auto& f : reproducers("validation_fuzzer")) {
    SCOPED_TRACE(f.filename().string());
    EXPECT_NO_THROW({
      try {
        scenarios::LoadOptions opt;
        opt.data_dir = scenarios::default_data_dir();
        opt.partial = true;
        for (const auto& r : scenarios::load_validation(f.string(), catalog(), opt))
          if (r.scenario) (void)models::estimate(*r.scenario);
      } catch (const scenarios::InputError&) {
      } catch (const models::GuardError&) {
      }
    });
  }
}

// Two of the reproducers, pinned to the message a user sees.
TEST(FuzzRegressions, ComplexKeyIsALocatedInputError) {
  try {
    scenarios::scenario_from_yaml(YAML::Load("? [a, b]: 1\n"), "k.yaml", catalog(), {});
    FAIL() << "expected an InputError";
  } catch (const scenarios::InputError& e) {
    EXPECT_STREQ(e.what(), "k.yaml:1:3: error: a key must be a plain name, not a list or mapping");
  }
}

TEST(FuzzRegressions, SetOnAScalarDocumentIsAnInputError) {
  try {
    scenarios::LoadOptions opt;
    opt.overrides = {"parallelism.tp=2"};
    scenarios::scenario_from_yaml(YAML::Load("just text"), "s.yaml", catalog(), opt);
    FAIL() << "expected an InputError";
  } catch (const scenarios::InputError& e) {
    EXPECT_STREQ(e.what(), "--set: error: field 'parallelism.tp': the scenario is not a YAML mapping");
  }
}

}  // namespace
