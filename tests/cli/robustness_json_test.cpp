// `estimate --json` carries, for every site, the sensitivity bars, break-even, start-month runs, daily
// series and the data-centre cost (DESIGN section 7: keys added, none renamed); the ranges come from the
// data directory; `catalog` prints the sources.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "run_trainsite.h"

namespace {

using json = nlohmann::json;
using trainsite::testing::kSource;
using trainsite::testing::Proc;
using trainsite::testing::run_trainsite;
namespace fs = std::filesystem;

const std::string kA800 = "scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml";

json estimate(const std::string& args, const std::string& global = "") {
  const Proc r = run_trainsite(global + "estimate " + args + " --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  return json::parse(r.out);
}

const json& bar(const json& site, const std::string& factor) {
  for (const auto& b : site.at("sensitivity"))
    if (b.at("factor") == factor) return b;
  throw std::runtime_error("no bar " + factor);
}

}  // namespace

TEST(RobustnessJson, EverySiteHasTheNewKeys) {
  for (const std::string& scenario : {kA800, std::string("scenarios/library/llama3-70b-h800-1024.yaml")}) {
    const json doc = estimate(scenario);
    ASSERT_FALSE(doc.at("sites").empty());
    for (const auto& s : doc.at("sites")) {
      const std::string id = s.at("site");
      // The existing keys are still there.
      for (const char* k :
           {"step_time_s", "mfu", "wall_clock_days", "pue", "energy_mwh", "cost", "co2_t", "why"})
        EXPECT_TRUE(s.contains(k)) << id << " " << k;
      ASSERT_EQ(s.at("sensitivity").size(), 7u) << id;
      for (const auto& b : s.at("sensitivity"))
        for (const char* k : {"factor", "low", "high", "cost_low", "cost_high"})
          EXPECT_TRUE(b.contains(k)) << id;
      ASSERT_EQ(s.at("by_start_month").size(), 12u) << id;
      for (const auto& m : s.at("by_start_month"))
        for (const char* k : {"start", "cost_total", "pue", "wall_clock_days"})
          EXPECT_TRUE(m.contains(k)) << id;
      ASSERT_FALSE(s.at("daily").empty()) << id;
      for (const auto& d : s.at("daily"))
        for (const char* k : {"day", "it_mw", "facility_mw", "pue", "cost_cumulative"})
          EXPECT_TRUE(d.contains(k)) << id;
      const auto& c = s.at("cost");
      EXPECT_NEAR(c.at("datacenter").get<double>(),
                  c.at("energy").get<double>() + c.at("facility").get<double>(),
                  1e-5 * c.at("total").get<double>())
          << id;
      EXPECT_TRUE(s.contains("break_even"));
    }
  }
}

TEST(RobustnessJson, TariffRangeInTheDataDirectoryMovesTheBar) {
  // A copy of data/ whose `typical` class (the tariffs' confidence) spans x0.5 to x1.5 instead of the
  // shipped range: the tariff bar of every site reaches further out, from the same base.
  const fs::path dir = fs::temp_directory_path() / ("trainsite-ranges-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy(kSource + "/data", dir / "data", fs::copy_options::recursive);
  const fs::path ranges = dir / "data" / "sensitivity.yaml";
  std::string text = trainsite::testing::slurp(ranges);
  const std::regex typical(R"(typical:\n    low: [0-9.]+\n    high: [0-9.]+)");
  ASSERT_TRUE(std::regex_search(text, typical));
  text = std::regex_replace(text, typical, "typical:\n    low: 0.5\n    high: 1.5");
  std::ofstream(ranges) << text;
  const json shipped = estimate(kA800);
  const json wide = estimate(kA800, "--data-dir '" + (dir / "data").string() + "' ");
  fs::remove_all(dir);
  for (size_t i = 0; i < shipped.at("sites").size(); ++i) {
    const json& a = bar(shipped["sites"][i], "tariff");
    const json& b = bar(wide["sites"][i], "tariff");
    EXPECT_LT(b.at("cost_low").get<double>(), a.at("cost_low").get<double>());
    EXPECT_GT(b.at("cost_high").get<double>(), a.at("cost_high").get<double>());
    EXPECT_DOUBLE_EQ(b.at("cost_base").get<double>(), a.at("cost_base").get<double>());
    EXPECT_DOUBLE_EQ(b.at("low").get<double>(), 0.5 * b.at("base").get<double>());
  }
}

TEST(RobustnessJson, CatalogPrintsTheSources) {
  const Proc r = run_trainsite("catalog sites");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Sources"), std::string::npos);
  EXPECT_NE(r.out.find("www.mee.gov.cn"), std::string::npos);  // the grid factor's public document
  EXPECT_NE(r.out.find("ESTIMATE"), std::string::npos);
  EXPECT_EQ(r.out.find("reference.md"), std::string::npos);
  const Proc j = run_trainsite("catalog --json");
  ASSERT_EQ(j.rc, 0) << j.err;
  const json doc = json::parse(j.out);
  EXPECT_TRUE(doc.at("sensitivity_ranges").contains("classes"));
  EXPECT_EQ(doc.at("sites")[0].at("confidence").at("tariff"), "typical");
}
