#include "models/site/tariff.h"

#include <gtest/gtest.h>

#include "campaign_fixture.h"

using namespace trainsite::models;

TEST(Tariff, TouPeriodsAndSummerSurcharge) {
  const Site& sh = *trainsite::testing::catalog().find_site("shanghai");
  EXPECT_DOUBLE_EQ(tou_price(sh, 1, 3), 0.35);        // valley 22-06
  EXPECT_DOUBLE_EQ(tou_price(sh, 1, 9), 1.12);        // peak 8-11
  EXPECT_DOUBLE_EQ(tou_price(sh, 7, 9), 1.12 * 1.1);  // July peak with the summer factor
  EXPECT_DOUBLE_EQ(tou_price(sh, 7, 12), 0.70);       // the surcharge applies to peak only
}

TEST(Tariff, MeanOfTheTouScheduleMatchesTheFlatFigure) {
  // Ulanqab: (8 h × 0.17 + 8 h × 0.32 + 8 h × 0.50) / 24 = 0.33 CNY/kWh, the file's flat_per_kwh.
  const Site& uq = *trainsite::testing::catalog().find_site("ulanqab");
  EXPECT_NEAR(mean_tou_price(uq), 0.33, 1e-12);
  // Shanghai: (8×0.35 + 10×0.70 + 6×1.12)/24 = 0.68833, plus 92/365 of 6×0.112/24 = 0.00706 → 0.69539.
  const Site& sh = *trainsite::testing::catalog().find_site("shanghai");
  EXPECT_NEAR(mean_tou_price(sh), 0.69539, 1e-4);
}
