#include "models/site/sensitivity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "campaign_fixture.h"
#include "models/estimate.h"
#include "models/site/weather.h"

using namespace trainsite::models;
using trainsite::testing::catalog;
using trainsite::testing::kA800Sites;
using trainsite::testing::shipped;

namespace {

const SensitivityBar& bar(const SiteResult& s, const std::string& factor) {
  for (const auto& b : s.sensitivity)
    if (b.factor == factor) return b;
  throw std::runtime_error("no bar " + factor);
}

const BreakEven& break_even(const SiteResult& s, const std::string& factor) {
  for (const auto& b : s.break_even)
    if (b.factor == factor) return b;
  throw std::runtime_error("no break-even " + factor);
}

size_t index_of(const Result& r, const std::string& id) {
  for (size_t i = 0; i < r.sites.size(); ++i)
    if (r.sites[i].site == id) return i;
  throw std::runtime_error("no site " + id);
}

struct Robust {
  Scenario sc = shipped(kA800Sites);
  Result r = [this] {
    Result x = estimate(sc);
    add_robustness(sc, catalog().sensitivity, x);
    return x;
  }();
};

}  // namespace

TEST(Sensitivity, EverySiteHasOneBarPerFactorFromRerunsOfTheModel) {
  const Robust f;
  ASSERT_EQ(f.r.sites.size(), 2u);
  for (const auto& s : f.r.sites) {
    ASSERT_EQ(s.sensitivity.size(), sensitivity_factors().size()) << s.site;
    for (size_t i = 0; i < s.sensitivity.size(); ++i) {
      const auto& b = s.sensitivity[i];
      EXPECT_EQ(b.factor, sensitivity_factors()[i]);
      EXPECT_TRUE(std::isfinite(b.cost_low) && std::isfinite(b.cost_high)) << s.site << " " << b.factor;
      EXPECT_DOUBLE_EQ(b.cost_base, s.cost.total);
      EXPECT_LE(b.low_factor, 1.0);
      EXPECT_GE(b.high_factor, 1.0);
    }
    // Dearer inputs cost more, longer amortization and higher MFU cost less.
    for (const char* up : {"tariff", "pue", "server_price", "gpu_failure_rate", "colocation"})
      EXPECT_GT(bar(s, up).cost_high, bar(s, up).cost_low) << s.site << " " << up;
    for (const char* down : {"amortization_years", "mfu"})
      EXPECT_LT(bar(s, down).cost_high, bar(s, down).cost_low) << s.site << " " << down;
  }
}

TEST(Sensitivity, TariffBarIsTheEnergyCostScaled) {
  // Energy cost = Σ_hours facility kWh × price; scaling every price by m scales it by m and changes
  // nothing else (days, capex, rent): cost(m) − cost(1) = (m − 1) × energy cost, by hand.
  const Robust f;
  for (const auto& s : f.r.sites) {
    const auto& b = bar(s, "tariff");
    EXPECT_NEAR(b.cost_high - s.cost.total, (b.high_factor - 1) * s.cost.energy, 1e-6 * s.cost.total)
        << s.site;
    EXPECT_NEAR(b.cost_low - s.cost.total, (b.low_factor - 1) * s.cost.energy, 1e-6 * s.cost.total) << s.site;
  }
}

TEST(Sensitivity, WiderTariffRangeMovesTheBarOut) {
  const Robust f;
  const size_t i = index_of(f.r, "ulanqab");
  const Site& site = f.sc.sites[i];
  ASSERT_EQ(factor_confidence(f.sc, site, catalog().sensitivity, "tariff"), "typical");
  SensitivityRanges wide = catalog().sensitivity;
  wide.classes["typical"].low = 0.5;
  wide.classes["typical"].high = 1.5;
  const auto base =
      site_sensitivity(f.sc, f.r.iteration, f.r.engine, site, f.r.sites[i], catalog().sensitivity);
  const auto moved = site_sensitivity(f.sc, f.r.iteration, f.r.engine, site, f.r.sites[i], wide);
  ASSERT_EQ(base[0].factor, "tariff");
  EXPECT_LT(moved[0].cost_low, base[0].cost_low);
  EXPECT_GT(moved[0].cost_high, base[0].cost_high);
  EXPECT_DOUBLE_EQ(moved[0].low_factor, 0.5);
  EXPECT_DOUBLE_EQ(moved[0].high_factor, 1.5);
  // The colocation rent (an estimate) did not take the typical range.
  EXPECT_DOUBLE_EQ(moved.back().cost_low, base.back().cost_low);
}

TEST(Sensitivity, EstimatesGetWiderRangesThanTypicalFigures) {
  const auto& ranges = catalog().sensitivity;
  const auto cited = factor_range(ranges, "tariff", "cited"),
             typical = factor_range(ranges, "tariff", "typical"),
             estimate = factor_range(ranges, "tariff", "estimate");
  EXPECT_LT(cited.high - cited.low, typical.high - typical.low);
  EXPECT_LT(typical.high - typical.low, estimate.high - estimate.low);
  // The same site with its tariff labelled an estimate: a longer bar.
  const Robust f;
  const size_t i = index_of(f.r, "shanghai");
  Site relabelled = f.sc.sites[i];
  relabelled.confidence["tariff"] = "estimate";
  const auto typical_bars =
      site_sensitivity(f.sc, f.r.iteration, f.r.engine, f.sc.sites[i], f.r.sites[i], catalog().sensitivity);
  const auto estimate_bars =
      site_sensitivity(f.sc, f.r.iteration, f.r.engine, relabelled, f.r.sites[i], catalog().sensitivity);
  EXPECT_GT(estimate_bars[0].cost_high - estimate_bars[0].cost_low,
            typical_bars[0].cost_high - typical_bars[0].cost_low);
}

TEST(Sensitivity, MfuBarStretchesTheRun) {
  // MFU × 0.9 = every step 1/0.9 as long: the training part of the run lasts 1/0.9 as long.
  const Robust f;
  for (const auto& s : f.r.sites) {
    const auto& b = bar(s, "mfu");
    EXPECT_NEAR(b.low, 0.9 * s.mfu, 1e-12);
    EXPECT_GT(b.cost_low, s.cost.total);
  }
}

TEST(BreakEven, TariffBreakEvenMakesTheTwoSitesCostTheSame) {
  const Robust f;
  const size_t u = index_of(f.r, "ulanqab"), s = index_of(f.r, "shanghai");
  ASSERT_LT(f.r.sites[u].cost.total, f.r.sites[s].cost.total) << "the shipped answer: Ulanqab is cheaper";
  const auto& be = break_even(f.r.sites[u], "tariff");
  ASSERT_TRUE(be.found);
  EXPECT_EQ(be.against, "shanghai");
  EXPECT_GT(be.change, 0);  // Ulanqab's power would have to get dearer
  // Re-run by hand with Ulanqab's prices scaled to the break-even: the totals meet.
  Scenario moved = f.sc;
  moved.sites[u].tariff_flat_per_kwh *= 1 + be.change;
  for (auto& p : moved.sites[u].tou) p.price_per_kwh *= 1 + be.change;
  const Result r = evaluate(moved, f.r.iteration, f.r.engine);
  EXPECT_NEAR(r.sites[u].cost.total, f.r.sites[s].cost.total, 1e-4 * f.r.sites[s].cost.total);
  // Shanghai's tariff can close the gap only if its whole energy bill is larger than the gap (the search
  // stops at x0.1 of the tariff).
  const auto& other = break_even(f.r.sites[s], "tariff");
  EXPECT_EQ(other.against, "ulanqab");
  const double gap = f.r.sites[s].cost.total - f.r.sites[u].cost.total;
  EXPECT_EQ(other.found, f.r.sites[s].cost.energy * (1 - 1 / kBreakEvenSpan) > gap);
  if (other.found) {
    EXPECT_LT(other.change, 0);
  }
}

TEST(BreakEven, ClusterInputsMoveAtBothSites) {
  // The same servers at both sites for the same days: capex is equal, so the server price cannot change
  // which site is cheaper (by hand: Δtotal = Δenergy + Δrent, independent of the price).
  const Robust f;
  for (const auto& s : f.r.sites) {
    const auto& be = break_even(s, "server_price");
    EXPECT_TRUE(be.all_sites);
    EXPECT_FALSE(be.found) << s.site;
    EXPECT_FALSE(break_even(s, "tariff").all_sites);
  }
}

TEST(BreakEven, WithinRangeMeansInsideTheBarsRange) {
  const Robust f;
  for (const auto& s : f.r.sites)
    for (const auto& be : s.break_even) {
      const auto& b = bar(s, be.factor);
      if (be.found) {
        EXPECT_EQ(be.within_range,
                  1 + be.change >= b.low_factor - 1e-12 && 1 + be.change <= b.high_factor + 1e-12)
            << s.site << " " << be.factor;
      }
    }
}

TEST(StartMonth, TwelveStartsAndTheScenariosOwnStartIsTheBaseRun) {
  const Robust f;
  ASSERT_EQ(f.sc.economics.start, "2026-01-01");
  for (const auto& s : f.r.sites) {
    ASSERT_EQ(s.by_start_month.size(), 12u);
    EXPECT_EQ(s.by_start_month.front().start, "2026-01-01");
    EXPECT_EQ(s.by_start_month.back().start, "2026-12-01");
    EXPECT_DOUBLE_EQ(s.by_start_month.front().cost_total, s.cost.total);
    EXPECT_DOUBLE_EQ(s.by_start_month.front().pue, s.pue);
  }
  // Shanghai's summer is hot and humid: a July start runs at a higher PUE than a January start.
  const auto& sh = f.r.sites[index_of(f.r, "shanghai")].by_start_month;
  EXPECT_GT(sh[6].pue, sh[0].pue);
}

TEST(Daily, OneEntryPerCalendarDayEndingAtTheTotal) {
  const Scenario sc = shipped(kA800Sites);
  const Result r = estimate(sc);
  for (const auto& s : r.sites) {
    ASSERT_FALSE(s.daily.empty());
    EXPECT_EQ(s.daily.front().date, sc.economics.start);
    EXPECT_EQ(s.daily.front().day, 1);
    // A run of D wall-clock days from midnight touches ceil(D) calendar days.
    EXPECT_EQ(s.daily.size(), size_t(std::ceil(s.wall_clock_days)));
    double hours = 0, prev = 0;
    for (const auto& d : s.daily) {
      hours += d.hours;
      EXPECT_GT(d.cost_cumulative, prev);
      prev = d.cost_cumulative;
      EXPECT_NEAR(d.facility_mw, d.it_mw * d.pue, 1e-9 * d.facility_mw);
    }
    EXPECT_NEAR(hours / 24, s.wall_clock_days, 1e-9 * s.wall_clock_days);
    EXPECT_NEAR(s.daily.back().cost_cumulative, s.cost.total, 1e-9 * s.cost.total);
  }
}

TEST(Cost, DatacenterIsEnergyPlusFacility) {
  const Result r = estimate(shipped(kA800Sites));
  for (const auto& s : r.sites) {
    EXPECT_DOUBLE_EQ(s.cost.datacenter, s.cost.energy + s.cost.facility);
    EXPECT_LT(s.cost.datacenter, s.cost.total);
  }
}
