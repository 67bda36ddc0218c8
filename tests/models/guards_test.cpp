// Semantic guards (models/guards.h): a result no hardware can produce is an error naming its
// inputs. Each test takes the real estimate of the shipped small-16gpu scenario (which passes
// every guard) and breaks one number the way a model bug or a bad calibration would.
#include "models/guards.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;
using namespace trainsite::models;

struct Fixture {
  Scenario sc;
  Result res;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    const auto dir = scenarios::default_data_dir();
    const Catalog cat = scenarios::load_catalog(dir);
    Fixture x;
    x.sc = scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/small-16gpu.yaml",
                                    cat, {dir, {}, false});
    x.res = estimate(x.sc);
    return x;
  }();
  return f;
}

// The GuardError message of `f`, or "" when nothing was thrown.
template <class F>
std::string guard_message(F f) {
  try {
    f();
  } catch (const GuardError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(Guards, ShippedScenarioPasses) {
  EXPECT_NO_THROW(check_result(fixture().sc, fixture().res));
  EXPECT_EQ(fixture().res.sites.size(), 2u);
}

TEST(Guards, MfuAboveOneNamesGpuPeakAndCalibration) {
  SiteResult r = fixture().res.sites[0];
  r.mfu = 1.2;
  const std::string m = guard_message([&] { check_site_result(fixture().sc, fixture().sc.sites[0], r); });
  EXPECT_TRUE(
      contains(m,
               "impossible result for scenario 'small-16gpu' at site 'ulanqab': MFU 1.2 is outside [0, 1] "
               "(model FLOPs above the GPU's bf16 peak)"))
      << m;
  EXPECT_TRUE(contains(m, "cluster.gpu=A100-SXM4-80GB peak_tflops.bf16=312")) << m;
  EXPECT_TRUE(contains(m, "cluster.calibration=default (gemm_eff_max ")) << m;
}

// MFU is counted against the BF16 peak, so an FP8 run may reach peak(fp8)/peak(bf16) = 2 on H800
// (1979/989.5 TFLOP/s dense, datasheet) but not more.
TEST(Guards, Fp8MfuBoundIsTheFp8OverBf16PeakRatio) {
  Scenario sc = fixture().sc;
  sc.cluster.gpu.peak_tflops = {{"bf16", 989.5}, {"fp8", 1979}};
  sc.workload.precision = Precision::fp8;
  SiteResult r = fixture().res.sites[0];
  r.mfu = 1.5;
  EXPECT_EQ(guard_message([&] { check_site_result(sc, sc.sites[0], r); }), "");
  r.mfu = 2.1;
  EXPECT_TRUE(
      contains(guard_message([&] { check_site_result(sc, sc.sites[0], r); }), "MFU 2.1 is outside [0, 2]"));
}

TEST(Guards, NegativeOrNonFiniteIterationTermNamesTheTermAndLayout) {
  Iteration it = fixture().res.iteration;
  it.tp_comm_s = -0.5;
  std::string m = guard_message([&] { check_iteration(fixture().sc, it); });
  EXPECT_TRUE(contains(m, "iteration time term 'tp_comm' is -0.5 s (must be finite and >= 0)")) << m;
  EXPECT_TRUE(contains(m, "parallelism tp=2 pp=2 cp=1 dp=auto micro_batch=2")) << m;
  it = fixture().res.iteration;
  it.step_time_s = std::numeric_limits<double>::quiet_NaN();
  m = guard_message([&] { check_iteration(fixture().sc, it); });
  EXPECT_TRUE(contains(m, "step time is nan s (must be finite and > 0)")) << m;
}

TEST(Guards, PueBelowOneNamesTheSitePue) {
  Site site = fixture().sc.sites[0];
  site.pue_avg = 0.9;
  SiteResult r = fixture().res.sites[0];
  r.pue = 0.9;
  const std::string m = guard_message([&] { check_site_result(fixture().sc, site, r); });
  EXPECT_TRUE(contains(m, "PUE 0.9 is below 1")) << m;
  EXPECT_TRUE(contains(m, "sites[ulanqab].pue_avg=0.9")) << m;
}

TEST(Guards, UtilizationAndGoodputOutsideTheirRanges) {
  SiteResult r = fixture().res.sites[0];
  r.gpu_utilization = 1.01;
  EXPECT_TRUE(contains(guard_message([&] { check_site_result(fixture().sc, fixture().sc.sites[0], r); }),
                       "GPU utilization 1.01 is outside [0, 1]"));
  r = fixture().res.sites[0];
  r.goodput = 0;
  const std::string m = guard_message([&] { check_site_result(fixture().sc, fixture().sc.sites[0], r); });
  EXPECT_TRUE(contains(m, "goodput 0 is outside (0, 1]")) << m;
  EXPECT_TRUE(contains(m, "reliability.restart_min=15")) << m;
}

TEST(Guards, NegativeEnergyCostOrDaysAreErrors) {
  SiteResult r = fixture().res.sites[1];
  r.cost.energy = -1;
  EXPECT_TRUE(contains(guard_message([&] { check_site_result(fixture().sc, fixture().sc.sites[1], r); }),
                       "at site 'shanghai': cost.energy is -1 (must be finite and >= 0); caused by "
                       "sites[shanghai].tariff.flat_per_kwh="));
  r = fixture().res.sites[1];
  r.wall_clock_days = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(contains(guard_message([&] { check_site_result(fixture().sc, fixture().sc.sites[1], r); }),
                       "wall_clock_days is inf"));
}

// 2 A100 servers draw 2 × the catalog node power; a 0.001 MW site cannot host them. Under
// `refuse` that is an error naming the cap; under `derate` the campaign model owns the answer.
TEST(Guards, FacilityPowerAboveTheCapNeedsAPolicy) {
  Scenario sc = fixture().sc;
  Site site = sc.sites[0];
  site.power_capacity_mw = 0.001;
  const SiteResult& r = fixture().res.sites[0];
  sc.power_cap_policy = "refuse";
  const std::string m = guard_message([&] { check_site_result(sc, site, r); });
  EXPECT_TRUE(contains(m, "exceeds the site's power_capacity_mw 0.001 and power_cap_policy is 'refuse'"))
      << m;
  EXPECT_TRUE(contains(m, "cluster.nodes=2")) << m;
  sc.power_cap_policy = "derate";
  EXPECT_EQ(guard_message([&] { check_site_result(sc, site, r); }), "");
}

TEST(Guards, ResultForAnUnknownSiteIsAnError) {
  Result res = fixture().res;
  res.sites[0].site = "atlantis";
  EXPECT_TRUE(contains(guard_message([&] { check_result(fixture().sc, res); }), "names site 'atlantis'"));
}

}  // namespace
