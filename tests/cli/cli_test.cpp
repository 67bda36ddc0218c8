// The built `trainsite` binary run as a process: estimate, validate, catalog, exit codes,
// determinism and the golden JSON.
#include <gtest/gtest.h>

#include "tests/cli/run_trainsite.h"
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using ::trainsite::testing::kSource;
using ::trainsite::testing::Proc;
using ::trainsite::testing::slurp;

// Runs `trainsite ARGS` from the source directory.
Proc trainsite(const std::string& args) { return ::trainsite::testing::run_trainsite(args); }

const std::string kA800 = "scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml";

TEST(Cli, EstimateJsonHasEveryDesignKey) {
  const Proc r = trainsite("estimate " + kA800 + " --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j.at("schema"), "trainsite/result/v1");
  EXPECT_EQ(j.at("scenario"), "gpt3-175b-a800-ulanqab-vs-shanghai");
  EXPECT_EQ(j.at("engine"), "analytic");
  ASSERT_EQ(j.at("sites").size(), 2u);
  EXPECT_EQ(j["sites"][0].at("site"), "ulanqab");
  EXPECT_EQ(j["sites"][1].at("site"), "shanghai");
  // DESIGN section 7.
  const std::vector<std::string> numbers = {
      "step_time_s",   "tokens_per_s",    "tflops_per_gpu", "mfu",     "gpu_utilization",
      "training_days", "wall_clock_days", "interruptions",  "goodput", "it_power_mw",
      "pue",           "energy_mwh",      "co2_t"};
  for (const auto& s : j["sites"]) {
    SCOPED_TRACE(s.at("site").get<std::string>());
    for (const auto& k : numbers) {
      ASSERT_TRUE(s.contains(k)) << k;
      EXPECT_TRUE(s[k].is_number()) << k;
      EXPECT_GT(s[k].get<double>(), 0) << k;
    }
    for (const std::string k : {"compute", "tp_comm", "pp_bubble", "dp_comm", "io_stall", "other"}) {
      ASSERT_TRUE(s.at("breakdown_s").contains(k)) << k;
      EXPECT_TRUE(s["breakdown_s"][k].is_number()) << k;
    }
    double sum = 0;
    for (const auto& [k, v] : s["breakdown_s"].items()) sum += v.get<double>();
    EXPECT_NEAR(sum, s["step_time_s"].get<double>(), 1e-4 * s["step_time_s"].get<double>());
    for (const std::string k : {"currency", "energy", "capex", "total"})
      EXPECT_TRUE(s.at("cost").contains(k)) << k;
    EXPECT_EQ(s["cost"]["currency"], "USD");
    EXPECT_LT(s["mfu"].get<double>(), 1.0);
    EXPECT_LE(s["goodput"].get<double>(), 1.0);
  }
  // Same cluster, same step time; Shanghai's PUE and grid are higher.
  EXPECT_EQ(j["sites"][0]["step_time_s"], j["sites"][1]["step_time_s"]);
  EXPECT_LT(j["sites"][0]["pue"].get<double>(), j["sites"][1]["pue"].get<double>());
}

TEST(Cli, EstimateTableWithoutJson) {
  const Proc r = trainsite("estimate " + kA800);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("ulanqab"), std::string::npos);
  EXPECT_NE(r.out.find("shanghai"), std::string::npos);
}

TEST(Cli, MalformedScenarioExits2WithLocation) {
  const fs::path bad =
      fs::temp_directory_path() / ("trainsite-cli-bad-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(bad)
      << "schema: trainsite/v1\nname: bad\nworkload:\n  model: gpt3-175b\n  global_bach: 1536\n";
  const Proc r = trainsite("estimate '" + bad.string() + "' --json");
  fs::remove(bad);
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_NE(r.err.find(bad.string() + ":5:3"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("workload.global_bach"), std::string::npos) << r.err;
  // Unparseable YAML is bad input too.
  std::ofstream(bad) << "schema: trainsite/v1\nworkload: {model: [gpt3\n";
  const Proc r2 = trainsite("estimate '" + bad.string() + "'");
  fs::remove(bad);
  EXPECT_EQ(r2.rc, 2);
  EXPECT_TRUE(std::regex_search(
      r2.err, std::regex(std::regex_replace(bad.string(), std::regex("[.]"), "\\.") + ":[0-9]+:[0-9]+")))
      << r2.err;
}

TEST(Cli, MissingScenarioFileExits2) {
  const Proc r = trainsite("estimate /nonexistent/scenario.yaml");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("/nonexistent/scenario.yaml"), std::string::npos) << r.err;
}

TEST(Cli, BadSetOverrideExits2) {
  const Proc r = trainsite("estimate " + kA800 + " --set parallelism.tp=3");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("parallelism"), std::string::npos) << r.err;
}

TEST(Cli, UnknownSubcommandOrFlagExits2) {
  EXPECT_EQ(trainsite("frobnicate").rc, 2);
  EXPECT_EQ(trainsite("estimate " + kA800 + " --jsn").rc, 2);
  EXPECT_EQ(trainsite("").rc, 2);  // a subcommand is required
  EXPECT_EQ(trainsite("catalog nonsense").rc, 2);
}

TEST(Cli, ValidateMeetsTheTarget) {
  const Proc r = trainsite("validate --data data/validation/public.yaml --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const json j = json::parse(r.out);
  ASSERT_TRUE(j.at("records").is_array());
  // Every record of the shipped public set is reported: predicted, or null with a reason.
  const std::string yaml = slurp(kSource + "/data/validation/public.yaml");
  size_t ids = 0;
  for (size_t pos = 0; (pos = yaml.find("\n  - id:", pos)) != std::string::npos; ++pos) ++ids;
  EXPECT_EQ(j["records"].size(), ids);
  size_t predicted = 0;
  for (const auto& rec : j["records"]) {
    SCOPED_TRACE(rec.dump());
    EXPECT_TRUE(rec.at("id").is_string());
    EXPECT_TRUE(rec.at("metric").is_string());
    EXPECT_TRUE(rec.at("measured").is_number());
    if (rec.at("predicted").is_null()) {
      ASSERT_TRUE(rec.contains("reason"));
      EXPECT_FALSE(rec["reason"].get<std::string>().empty());
    } else {
      EXPECT_TRUE(rec["predicted"].is_number());
      EXPECT_TRUE(rec.at("rel_error").is_number());
      ++predicted;
    }
  }
  EXPECT_GT(predicted, 0u);
  EXPECT_LE(j.at("median_abs_rel_error").get<double>(), 0.10);
  EXPECT_LE(j.at("max_abs_rel_error").get<double>(), 0.25);
}

TEST(Cli, CatalogListsA800) {
  const Proc r = trainsite("catalog");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("A800-SXM4-80GB"), std::string::npos);
  EXPECT_NE(r.out.find("gpt3-175b"), std::string::npos);
  EXPECT_NE(r.out.find("ulanqab"), std::string::npos);
  const Proc g = trainsite("catalog gpus --json");
  ASSERT_EQ(g.rc, 0) << g.err;
  bool a800 = false;
  const json gpus = json::parse(g.out);
  for (const auto& x : gpus.at("gpus")) a800 = a800 || x.at("id") == "A800-SXM4-80GB";
  EXPECT_TRUE(a800);
}

TEST(Cli, EstimateIsDeterministic) {
  const Proc a = trainsite("estimate " + kA800 + " --json");
  const Proc b = trainsite("estimate " + kA800 + " --json");
  ASSERT_EQ(a.rc, 0);
  EXPECT_FALSE(a.out.empty());
  EXPECT_EQ(a.out, b.out);
}

TEST(Cli, GoldenSmall16Gpu) {
  // Regenerate deliberately (see tests/golden/README.md) when the model changes on purpose.
  const Proc r = trainsite("estimate scenarios/library/small-16gpu.yaml --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string golden = slurp(kSource + "/tests/golden/small-16gpu.estimate.json");
  ASSERT_FALSE(golden.empty());
  EXPECT_EQ(r.out, golden) << "estimate output differs from tests/golden/small-16gpu.estimate.json; if the "
                              "change is intended, regenerate it as tests/golden/README.md says";
}

}  // namespace
