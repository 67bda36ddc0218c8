// Determinism: the same scenario and seed give byte-identical JSON across runs of the binary (no
// unordered iteration, no time-based seeds, no uninitialized reads leaking into the output).
#include <gtest/gtest.h>

#include "tests/cli/run_trainsite.h"
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

using ::trainsite::testing::kSource;
using ::trainsite::testing::Proc;

// Runs `trainsite ARGS` from the source directory.
Proc trainsite(const std::string& args) { return ::trainsite::testing::run_trainsite(args); }

void expect_identical_runs(const std::string& args) {
  const Proc a = trainsite(args), b = trainsite(args);
  ASSERT_EQ(a.rc, 0) << args;
  ASSERT_EQ(b.rc, 0) << args;
  ASSERT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out) << args;
}

TEST(Determinism, EstimateJsonIsByteIdenticalAcrossRuns) {
  for (const auto& e : fs::directory_iterator(kSource + "/scenarios/library"))
    if (e.path().extension() == ".yaml") {
      SCOPED_TRACE(e.path().filename().string());
      expect_identical_runs("estimate '" + e.path().string() + "' --json");
    }
}

TEST(Determinism, SameSeedSameJsonDifferentSeedStillValid) {
  const std::string s = "estimate scenarios/library/small-16gpu.yaml --json --set reliability.seed=";
  expect_identical_runs(s + "7");
  EXPECT_EQ(trainsite(s + "8").rc, 0);
}

TEST(Determinism, ValidateJsonIsByteIdenticalAcrossRuns) {
  expect_identical_runs("validate --json");
}

}  // namespace
