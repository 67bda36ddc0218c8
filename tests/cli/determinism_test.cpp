// Determinism: the same scenario and seed give byte-identical JSON across runs of the binary (no
// unordered iteration, no time-based seeds, no uninitialized reads leaking into the output).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;

const std::string kBinary = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";
const std::string kSource = TRAINSITE_SOURCE_DIR;

struct Proc {
  int rc = -1;
  std::string out;
};

// Runs `trainsite ARGS` from the source directory; stderr is discarded.
Proc trainsite(const std::string& args) {
  const std::string cmd = "cd '" + kSource + "' && '" + kBinary + "' " + args + " 2>/dev/null";
  Proc r;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

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
