#include "models/site/campaign.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numeric>

#include "campaign_fixture.h"
#include "models/estimate.h"
#include "models/site/reliability.h"
#include "models/step/transformer.h"

using namespace trainsite::models;
using trainsite::testing::kA800Sites;
using trainsite::testing::shipped;

namespace {
const SiteResult& at(const Result& r, const std::string& id) {
  for (const auto& s : r.sites)
    if (s.site == id) return s;
  throw std::runtime_error("no site " + id);
}
Result des(const Scenario& sc) {
  return evaluate(sc, analytic_iteration(sc), "des");
}
// Every number of every site in hex-float form: equal strings = bit-identical results.
std::string fingerprint(const Result& r) {
  std::string out;
  auto add = [&](double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%a,", v);
    out += buf;
  };
  for (const auto& s : r.sites) {
    out += s.site + ":";
    for (double v : {s.wall_clock_days, s.interruptions, s.goodput, s.energy_mwh, s.pue, s.cost.total,
                     s.co2_t, s.checkpoints, s.lost_work_h, s.restart_h})
      add(v);
    for (const auto& m : s.monthly) add(m.energy_mwh), add(m.cost);
    for (const auto& d : s.why.drivers) out += d.driver, add(d.delta);
  }
  return out;
}
}  // namespace

TEST(Checkpoint, YoungDalyIntervalMatchesTheFormula) {
  const Scenario sc = shipped(kA800Sites);
  // δ = 14 B × P / (128 nodes × 2.2 GB/s); M = 86400 / (419/(16384·54) × 1024 GPUs); τ = sqrt(2 δ M).
  const double delta = 14.0 * parameters(sc.workload.model) / (128 * 2.2e9);
  const double mtbf = 86400.0 / (419.0 / (16384.0 * 54.0) * 1024);
  EXPECT_NEAR(checkpoint_interval_s(sc), std::sqrt(2 * delta * mtbf), 1e-6);
  EXPECT_NEAR(young_daly_interval_s(10, 20000), 632.4555320336759, 1e-9);
}

TEST(Campaign, HandComputedEnergyWithoutFailuresOrChillers) {
  // Constant 0 °C everywhere: full free cooling, PUE = 1 + 0.04 + 0.05 = 1.09. 100 h of work at a constant
  // 1,000 kW: IT 100 MWh, facility 109 MWh, cost 109,000 kWh × 0.33 = 35,970, CO2 = 109,000 × 0.5 / 1000 t.
  Site s;
  s.id = "flat";
  s.tariff_flat_per_kwh = 0.33;
  s.carbon_kg_per_kwh = 0.5;
  s.cooling.fan_pump_fraction = 0.04;
  s.cooling.other_overhead_fraction = 0.05;
  HourlyWeather w{std::vector<double>(kHoursPerYear, 0.0), std::vector<double>(kHoursPerYear, -1.0), "test"};
  CampaignInputs in;
  in.work_s = 100 * 3600.0;
  in.step_time_s = in.compute_s = 10;
  in.load.mean_kw = in.load.compute_kw = in.load.idle_kw = 1000;
  in.load.profile = {{"compute", 10, 1000}};
  in.interval_s = 1e9;  // with the default MTBF of 1e18 s, failures cost ~5e-10 of the time
  for (CampaignMode m : {CampaignMode::expected, CampaignMode::stochastic}) {
    in.mode = m;
    const CampaignResult r = run_campaign(s, w, in);
    EXPECT_NEAR(r.wall_s, 100 * 3600.0, 1e-8 * 360000);
    EXPECT_NEAR(r.it_mwh, 100.0, 1e-8 * 100);
    EXPECT_NEAR(r.facility_mwh, 109.0, 1e-8 * 109);
    EXPECT_NEAR(r.energy_cost, 35970.0, 1e-8 * 35970);
    EXPECT_NEAR(r.co2_t, 54.5, 1e-8 * 54.5);
    ASSERT_EQ(r.months.size(), 1u);  // 100 h from Jan 1
    EXPECT_NEAR(r.months[0].hours, 100.0, 1e-8 * 100);
  }
}

TEST(Campaign, UlanqabCheaperEnergyAndLowerPueThanShanghai) {
  for (const char* engine : {"analytic", "des"}) {
    const Scenario sc = shipped(kA800Sites);
    const Result r = evaluate(sc, analytic_iteration(sc), engine);
    const SiteResult &uq = at(r, "ulanqab"), &sh = at(r, "shanghai");
    EXPECT_LT(uq.pue_annual, sh.pue_annual) << engine;
    EXPECT_LE(uq.pue, sh.pue) << engine;
    EXPECT_LT(uq.cost.energy, sh.cost.energy) << engine;
    EXPECT_LT(uq.cost.total, sh.cost.total) << engine;
    EXPECT_LT(uq.co2_t, sh.co2_t) << engine;
    EXPECT_EQ(sh.why.reference, "ulanqab");
  }
}

TEST(Campaign, UlanqabStaysCheaperWithEqualColocationRentsInSummer) {
  // The model's own reasons (tariff, PUE), not the rent estimate: same rent at both sites, July start.
  Scenario sc = shipped(kA800Sites, {"economics.start=2026-07-01"});
  for (auto& s : sc.sites) s.colocation_per_kw_month = 600;
  const Result r = estimate(sc);
  const SiteResult &uq = at(r, "ulanqab"), &sh = at(r, "shanghai");
  EXPECT_LT(uq.cost.total, sh.cost.total);
  EXPECT_LT(uq.pue + 0.05, sh.pue);  // summer: Shanghai's chillers run, Ulanqab mostly free-cools
  ASSERT_FALSE(sh.why.drivers.empty());
  EXPECT_EQ(sh.why.drivers[0].driver, "tariff");
  EXPECT_EQ(sh.why.drivers[1].driver, "pue");
}

TEST(Why, DriversAddUpToTheDifference) {
  const Result r = estimate(shipped(kA800Sites, {"economics.start=2026-07-01"}));
  const SiteResult& sh = at(r, "shanghai");
  double sum = 0, co2 = 0;
  for (const auto& d : sh.why.drivers) sum += d.delta;
  for (const auto& d : sh.why.co2_drivers) co2 += d.delta;
  EXPECT_NEAR(sum, sh.why.delta_total, 1e-6 * std::abs(sh.why.delta_total));
  EXPECT_NEAR(co2, sh.why.delta_co2_t, 1e-6 * std::abs(sh.why.delta_co2_t));
  EXPECT_EQ(sh.why.co2_drivers[0].driver, "carbon");  // 84.57% green power at Ulanqab
  EXPECT_TRUE(at(r, "ulanqab").why.drivers.empty());
}

TEST(Campaign, MonthlySeriesCoversTheRunAndSumsToTheTotals) {
  const Result r = estimate(shipped(kA800Sites, {"economics.start=2026-06-20"}));
  for (const auto& s : r.sites) {
    ASSERT_GE(s.monthly.size(), 2u);
    EXPECT_EQ(s.monthly.front().month, "2026-06");
    double e = 0, h = 0;
    for (const auto& m : s.monthly) e += m.energy_mwh, h += m.hours;
    EXPECT_NEAR(e, s.energy_mwh, 1e-6 * s.energy_mwh);
    EXPECT_NEAR(h, s.wall_clock_days * 24, 1e-6);
  }
}

TEST(Campaign, MoreFailuresMeanMoreWallClockDays) {
  const double base = at(des(shipped(kA800Sites)), "ulanqab").wall_clock_days;
  const SiteResult worse =
      at(des(shipped(kA800Sites, {"reliability.gpu_fail_per_1000_gpu_day=5"})), "ulanqab");
  EXPECT_GT(worse.wall_clock_days, base);
  EXPECT_GT(worse.interruptions, 10 * at(des(shipped(kA800Sites)), "ulanqab").interruptions / 2);
}

TEST(Campaign, DrawsAgreeWithTheExpectedModel) {
  const Scenario sc = shipped(kA800Sites, {"reliability.gpu_fail_per_1000_gpu_day=2"});
  const double e = at(estimate(sc), "ulanqab").wall_clock_days, d = at(des(sc), "ulanqab").wall_clock_days;
  EXPECT_NEAR(d, e, 0.03 * e);
}

TEST(Campaign, DeterministicForASeed) {
  const Scenario sc = shipped(kA800Sites);
  const std::string a = fingerprint(des(sc)), b = fingerprint(des(sc));
  EXPECT_EQ(a, b);
  const std::string c = fingerprint(des(shipped(kA800Sites, {"reliability.seed=7"})));
  EXPECT_NE(a, c);
}

TEST(PowerCap, DerateSlowsTheRun) {
  Scenario sc = shipped(kA800Sites, {"economics.start=2026-07-01"});
  const SiteResult free = at(estimate(sc), "shanghai");
  sc.sites[1].power_capacity_mw = 0.85;  // below the ~0.86-0.95 MW facility peak in a Shanghai summer
  const SiteResult capped = at(estimate(sc), "shanghai");
  EXPECT_GT(capped.derated_hours, 0);
  EXPECT_LT(capped.min_speed, 1.0);
  EXPECT_GT(capped.wall_clock_days, free.wall_clock_days);
  EXPECT_LE(capped.facility_power_peak_mw, 0.85 + 1e-9);
}

TEST(PowerCap, RefuseNamesTheSiteAndTheCap) {
  Scenario sc = shipped(kA800Sites, {"power_cap_policy=refuse"});
  sc.sites[1].power_capacity_mw = 0.5;
  try {
    estimate(sc);
    FAIL() << "expected a PowerCapError";
  } catch (const PowerCapError& e) {
    EXPECT_NE(std::string(e.what()).find("shanghai"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("power_capacity_mw 0.5"), std::string::npos) << e.what();
  }
  // Derating cannot go below idle power: 0.3 MW cannot host the ~0.48 MW idle cluster.
  sc.power_cap_policy = "derate";
  sc.sites[1].power_capacity_mw = 0.3;
  EXPECT_THROW(estimate(sc), PowerCapError);
}
