// What drives a site's answer and how robust it is: the sensitivity (tornado) of the total cost to the
// inputs a planner is least sure of, the break-even of each input against the other sites, and the run
// started in each month of the year. Every number comes from re-running models::evaluate on a changed
// copy of the scenario (or of the iteration, for MFU): no shortcut formula, so the bars include every
// second-order effect the model has (a dearer tariff at a TOU peak, a longer run crossing into summer).
#pragma once

#include <string>
#include <vector>

#include "models/estimate.h"

namespace trainsite::models {

// The inputs of the tornado, in display order (SensitivityBar::factor ids).
const std::vector<std::string>& sensitivity_factors();

// The confidence class of the figure behind `factor` at `site`: the site's `confidence` map (tariff,
// pue, colocation), the GPU's (server_price; `scenario` when the scenario sets economics.server_price),
// or data/sensitivity.yaml's class for the factor. Empty when the factor has a range of its own.
std::string factor_confidence(const Scenario& sc, const Site& site, const SensitivityRanges& ranges,
                              const std::string& factor);

// Multipliers [low, high] of `factor`: its own range when data/sensitivity.yaml gives one, else the
// range of its confidence class. Throws std::invalid_argument when neither exists.
SensitivityRange factor_range(const SensitivityRanges& ranges, const std::string& factor,
                              const std::string& confidence);

// One site's tornado: every factor at its low and high value, the model re-run at that site each time.
// `base` is the site's result in the unchanged run.
std::vector<SensitivityBar> site_sensitivity(const Scenario& sc, const Iteration& it,
                                             const std::string& engine, const Site& site,
                                             const SiteResult& base, const SensitivityRanges& ranges);

// Total cost, PUE and days of every site with the run starting on the 1st of each month of the
// scenario's start year (hourly weather and the tariff calendar shift with it). [site][month 0-11].
std::vector<std::vector<StartMonthPoint>> start_month_runs(const Scenario& sc, const Iteration& it,
                                                           const std::string& engine);

// Break-even of each factor at sites[i] against the cheapest site (or, for the cheapest, against the
// runner-up): the input's value at which the two totals are equal. Site inputs move at sites[i] only,
// cluster inputs (the same servers and job everywhere) at both sites.
// Searched between ×1/kBreakEvenSpan and ×kBreakEvenSpan of the base value. Reuses the tornado's runs
// when results[i].sensitivity holds them.
inline constexpr double kBreakEvenSpan = 10.0;
std::vector<BreakEven> site_break_even(const Scenario& sc, const Iteration& it, const std::string& engine,
                                       const std::vector<SiteResult>& results, size_t i,
                                       const SensitivityRanges& ranges);

// Fills sensitivity, by_start_month and break_even of every site of `r`, which models::evaluate made from
// `sc` and r.iteration with engine r.engine.
void add_robustness(const Scenario& sc, const SensitivityRanges& ranges, Result& r);

}  // namespace trainsite::models
