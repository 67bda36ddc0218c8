#include "models/site/cooling.h"

#include <gtest/gtest.h>

#include "campaign_fixture.h"
#include "models/site/campaign.h"
#include "models/site/weather.h"

using namespace trainsite::models;

namespace {
double month_pue(const Site& s, const HourlyWeather& w, int month) {
  double sum = 0;
  int n = 0;
  for (int d = 1; d <= days_in_month(2025, month); ++d)
    for (int h = 0; h < 24; ++h, ++n) {
      const int i = hour_of_year(month, d, h);
      sum += cooling_at(s.cooling, w.drybulb_c[i], w.wetbulb_c[i]).pue;
    }
  return sum / n;
}
}  // namespace

TEST(Economizer, FullBelowSwitchOverLinearToSupplyTemperature) {
  Cooling c;  // 18 °C supply, 5 K approach
  EXPECT_DOUBLE_EQ(free_cooling_fraction(c, 10), 1.0);
  EXPECT_DOUBLE_EQ(free_cooling_fraction(c, 15.5), 0.5);
  EXPECT_DOUBLE_EQ(free_cooling_fraction(c, 20), 0.0);
}

TEST(Chiller, CopAnchoredAtRatingAndRisingAsCondenserCools) {
  Cooling c;  // COP 6 at 30 °C entering condenser water
  EXPECT_NEAR(chiller_cop(c, 30), 6.0, 1e-12);
  // Lift at rating: (30 + 6.6) − (18 − 1.5) = 20.1 K; at 22 °C: 12.1 K. COP ∝ 1/lift → 6 × 20.1/12.1.
  EXPECT_NEAR(chiller_cop(c, 22), 6.0 * 20.1 / 12.1, 1e-9);
  // Below the 10 K minimum lift the COP stops rising: 6 × 20.1/10 at any colder condenser.
  EXPECT_NEAR(chiller_cop(c, 5), 6.0 * 20.1 / 10.0, 1e-9);
}

TEST(Pue, ColdMonthBelowHotMonthAtTheSameSite) {
  for (const char* id : {"shanghai", "beijing", "ulanqab"}) {
    const Site& s = *trainsite::testing::catalog().find_site(id);
    const HourlyWeather w = site_weather(s);
    EXPECT_LT(month_pue(s, w, 1), month_pue(s, w, 7)) << id;
  }
  // Shanghai January: wet-bulb ~3 °C, full free cooling: PUE = 1 + 0.05 fans/pumps + 0.05 other.
  const Site& sh = *trainsite::testing::catalog().find_site("shanghai");
  EXPECT_NEAR(month_pue(sh, site_weather(sh), 1), 1.10, 1e-12);
}

TEST(Pue, UlanqabAnnualBelowShanghai) {
  const Site& uq = *trainsite::testing::catalog().find_site("ulanqab");
  const Site& sh = *trainsite::testing::catalog().find_site("shanghai");
  const double pu = annual_pue(uq, site_weather(uq)), ps = annual_pue(sh, site_weather(sh));
  EXPECT_LT(pu, ps);
  // Floors: 1 + fans/pumps + other = 1.09 (Ulanqab), 1.10 (Shanghai); chillers only add.
  EXPECT_GT(pu, 1.09);
  EXPECT_GT(ps, 1.10);
}

TEST(Weather, SyntheticDayKeepsTheMonthlyMeanAndShape) {
  const Site& uq = *trainsite::testing::catalog().find_site("ulanqab");
  const HourlyWeather w = synthetic_weather(uq);
  double sum = 0;
  for (int h = 0; h < 24; ++h) sum += w.drybulb_c[hour_of_year(7, 15, h)];
  EXPECT_NEAR(sum / 24, 20.0, 0.05);  // July mean 20.0 °C
  // Coldest hour 05:00-06:00 (sampled at 05:30), warmest 15:00: spread ≈ the 11 K July range.
  const double tmin = w.drybulb_c[hour_of_year(7, 15, 5)], tmax = w.drybulb_c[hour_of_year(7, 15, 14)];
  EXPECT_NEAR(tmax - tmin, 11.0, 0.2);
  for (int i = 0; i < kHoursPerYear; ++i) ASSERT_LE(w.wetbulb_c[i], w.drybulb_c[i] + 1e-9);
}

TEST(Racks, ServersPerRackFromTheRackPowerLimit) {
  const Site& sh = *trainsite::testing::catalog().find_site("shanghai");  // 12 kW racks
  const RackPlan a800 = rack_plan(sh, 6.0, 128);
  EXPECT_EQ(a800.servers_per_rack, 2);
  EXPECT_EQ(a800.racks, 64);
  EXPECT_DOUBLE_EQ(a800.floor_m2, 160.0);
  Site old = sh;
  old.rack_power_limit_kw = 8;  // a 5-8 kW legacy hall cannot host an 11 kW H800 server
  EXPECT_FALSE(rack_plan(old, 11.0, 128).fits);
}
