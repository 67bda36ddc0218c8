// `trainsite plan` as a process: the acceptance checks (a plan per site no slower than the
// shipped layout, with the Pareto front; "how many servers, where" under a deadline and power caps),
// stable JSON keys, determinism across runs and thread counts, and bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/cli/run_trainsite.h"

namespace {

using nlohmann::json;
using trainsite::testing::run_trainsite;

const std::string kA800 = "scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml";

json plan_json(const std::string& args) {
  const auto r = run_trainsite("plan " + args + " --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  return r.rc == 0 ? json::parse(r.out) : json();
}

TEST(PlanCli, ShippedA800PlanPerSiteNoSlowerThanTheShippedLayoutWithParetoFront) {
  const json doc = plan_json(kA800);  // includes the DES re-check
  ASSERT_TRUE(doc.is_object());
  for (const char* key : {"plans", "pareto", "searched", "pruned"}) EXPECT_TRUE(doc.contains(key)) << key;
  ASSERT_EQ(doc["plans"].size(), 2u);
  for (const auto& p : doc["plans"]) {
    ASSERT_TRUE(p["best"].is_object()) << p.dump();
    EXPECT_LE(p["best"]["step_time_s"].get<double>(), p["baseline"]["step_time_s"].get<double>());
    EXPECT_EQ(p["best"]["nodes"], 128);
    EXPECT_TRUE(p["best"]["des_step_time_s"].is_number());  // re-checked with the DES
    EXPECT_FALSE(p["bounds"].empty());
  }
  EXPECT_GE(doc["pareto"].size(), 1u);
  EXPECT_GT(doc["searched"]["layouts"].get<long>(), 1000);
  EXPECT_GT(doc["pruned"]["total"].get<long>(), 0);
  EXPECT_EQ(doc["pruned"]["total"].get<long>() + doc["searched"]["evaluated"].get<long>(),
            doc["searched"]["layouts"].get<long>());
}

TEST(PlanCli, HowManyServersWhereUnderADeadlineAndEachSitesPowerCap) {
  // Shanghai limited to an 8 MW block: the answer per site is a node count that meets 30 days, and
  // the sizes Shanghai cannot power are marked so.
  const json doc = plan_json(kA800 +
                             " --no-des --minimize cost --deadline-days 30 --nodes 64,96,128,1536,2048"
                             " --set 'sites=[ulanqab, {id: shanghai, power_capacity_mw: 8}]'");
  ASSERT_EQ(doc["plans"].size(), 2u);
  for (const auto& p : doc["plans"]) {
    ASSERT_TRUE(p["best"].is_object()) << p["none_reason"];
    EXPECT_LE(p["best"]["wall_clock_days"].get<double>(), 30.0);
    EXPECT_TRUE(p["best"]["feasible"].get<bool>());
    EXPECT_EQ(p["sizes"].size(), 5u);
    // The cheapest size that meets the deadline: no other feasible size is cheaper.
    for (const auto& s : p["sizes"]) {
      if (s["feasible"].get<bool>()) {
        EXPECT_GE(s["cost"].get<double>(), p["best"]["cost"]["total"].get<double>());
      }
    }
  }
  const auto& shanghai = doc["plans"][1];
  EXPECT_EQ(shanghai["site"], "shanghai");
  bool capped = false;
  for (const auto& s : shanghai["sizes"])
    capped |= s["note"].get<std::string>().find("power") != std::string::npos;
  EXPECT_TRUE(capped) << shanghai["sizes"].dump();
  EXPECT_LE(shanghai["best"]["power_mw"]["facility_peak"].get<double>(), 8.0);
}

TEST(PlanCli, JsonIsByteIdenticalAcrossRunsAndThreadCounts) {
  const std::string args = "plan scenarios/library/small-16gpu.yaml --json --no-des --nodes 1,2,4";
  const auto a = run_trainsite(args + " --jobs 1");
  const auto b = run_trainsite(args + " --jobs 2");
  const auto c = run_trainsite(args + " --jobs 2");
  ASSERT_EQ(a.rc, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(b.out, c.out);
}

TEST(PlanCli, TableNamesTheBoundsAndRunnerUps) {
  const auto r = run_trainsite("plan scenarios/library/small-16gpu.yaml --no-des");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("bounded by:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("runner-ups:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pareto front"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vs the scenario"), std::string::npos) << r.out;
}

TEST(PlanCli, LayoutsCarryTheirPipelineSchedule) {
  // Every layout in the JSON names its schedule; --schedule auto keeps the search to 1F1B and
  // interleaved 1F1B; a schedule that does not exist is bad input.
  const std::string s = "scenarios/library/small-16gpu.yaml --no-des --nodes 2,4";
  for (const auto& [args, allowed] :
       {std::pair<std::string, std::set<std::string>>{s, {"1f1b", "interleaved", "zero-bubble"}},
        std::pair<std::string, std::set<std::string>>{s + " --schedule auto", {"1f1b", "interleaved"}}}) {
    const json doc = plan_json(args);
    ASSERT_FALSE(doc["plans"].empty()) << args;
    for (const auto& p : doc["plans"]) {
      ASSERT_TRUE(p["best"].is_object()) << p.dump();
      EXPECT_TRUE(allowed.count(p["best"]["layout"]["schedule"].get<std::string>()))
          << args << p["best"].dump();
      for (const auto& ru : p["runner_ups"])
        EXPECT_TRUE(allowed.count(ru["layout"]["schedule"].get<std::string>())) << args << ru.dump();
    }
  }
  EXPECT_EQ(run_trainsite("plan " + s + " --schedule pipedream").rc, 2);
}

TEST(PlanCli, RecordsModeMatchesOrBeatsEverySc21Layout) {
  const json doc = plan_json("--records data/validation/public.yaml");
  ASSERT_EQ(doc["records"].size(), 10u);
  for (const auto& r : doc["records"]) {
    ASSERT_TRUE(r["plan"].is_object()) << r.dump();
    EXPECT_LE(r["plan"]["step_time_s"].get<double>(), r["published"]["step_time_s"].get<double>()) << r["id"];
    EXPECT_GE(r["speedup"].get<double>(), 1.0);
  }
}

TEST(PlanCli, AScenarioWhoseLayoutDoesNotFitIsPlannedNotRejected) {
  // estimate refuses tp 1 · pp 1 for 175B (exit 2); plan finds a layout that fits.
  const std::string set =
      " --set parallelism.tp=1 --set parallelism.pp=1 --set parallelism.sequence_parallel=false";
  EXPECT_EQ(run_trainsite("estimate " + kA800 + set).rc, 2);
  const json doc = plan_json(kA800 + " --no-des" + set);
  EXPECT_TRUE(doc["baseline_problem"].is_string());
  for (const auto& p : doc["plans"]) {
    EXPECT_TRUE(p["baseline"].is_null());
    EXPECT_TRUE(p["best"].is_object());
  }
}

TEST(PlanCli, ScenarioReportHasThePlanSection) {
  const auto dir = std::filesystem::temp_directory_path() / ("plan-report-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto html = (dir / "r.html").string();
  const auto r = run_trainsite("report " + kA800 + " --out " + html);
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string page = trainsite::testing::slurp(html);
  EXPECT_NE(page.find("Layout plan"), std::string::npos);
  EXPECT_NE(page.find("What bounds the plan at ulanqab"), std::string::npos);
  EXPECT_NE(page.find("ulanqab: scenario"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(PlanCli, BadInputIsExitCode2WithTheOption) {
  auto r = run_trainsite("plan " + kA800 + " --gpu Z900");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("unknown GPU 'Z900'"), std::string::npos) << r.err;
  r = run_trainsite("plan " + kA800 + " --nodes 64,x");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--nodes"), std::string::npos) << r.err;
  r = run_trainsite("plan " + kA800 + " --minimize speed");
  EXPECT_EQ(r.rc, 2);
  r = run_trainsite("plan " + kA800 + " --minimize cost --maximize tokens_per_day");
  EXPECT_EQ(r.rc, 2);
}

TEST(PlanCli, OtherGpuTypesAreSearchedWithTheirOwnServers) {
  const json doc = plan_json(kA800 + " --no-des --gpu A800-SXM4-80GB,H800-SXM5-80GB --sites ulanqab");
  ASSERT_EQ(doc["plans"].size(), 1u);
  const auto& p = doc["plans"][0];
  ASSERT_TRUE(p["best"].is_object());
  // Both GPU types were searched (one size row each); the faster H800 wins on time.
  ASSERT_EQ(p["sizes"].size(), 2u);
  EXPECT_EQ(p["best"]["gpu"], "H800-SXM5-80GB");
  EXPECT_LT(p["best"]["step_time_s"].get<double>(), p["baseline"]["step_time_s"].get<double>());
}

}  // namespace
