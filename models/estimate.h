// The analytic estimate per site: iteration time, throughput, utilization, and the averaged
// (flat-tariff, average-PUE) energy and cost model.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"
#include "models/site/cooling.h"
#include "models/site/reliability.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"

namespace trainsite::models {

struct Cost {
  std::string currency = "USD";
  double energy = 0;
  double capex = 0;
  double facility = 0;
  double total = 0;
  // Energy + facility (colocation): the data-centre bill alone, without the servers. What a colocation
  // provider's "X % cheaper" claims compare; `total` adds the amortized servers, network and storage.
  double datacenter = 0;
};

// One calendar month of the run at a site (campaign model).
struct MonthlyPoint {
  std::string month;  // "YYYY-MM"
  double hours = 0, energy_mwh = 0, it_energy_mwh = 0, pue = 0, energy_cost = 0, cost = 0, mean_drybulb_c = 0;
};

// One day of the run at a site (campaign model): mean powers over the hours of that day the run was
// going, and the cost accrued from the start to the end of that day (energy + amortized capex + facility).
struct DailyPoint {
  int day = 0;       // 1 = the start day
  std::string date;  // "YYYY-MM-DD"
  double hours = 0, it_mw = 0, facility_mw = 0, pue = 0, cost_cumulative = 0;
};

// One bar of a site's sensitivity (tornado): the whole model re-run with one input at its low and at its
// high value (models/site/sensitivity.h). Ranges come from the confidence class of the figure behind the
// input (data/sensitivity.yaml).
struct SensitivityBar {
  // tariff | pue | server_price | amortization_years | mfu | gpu_failure_rate | colocation
  std::string factor;
  std::string label;                                  // "electricity tariff"
  std::string unit;                                   // of base/low/high
  std::string confidence;                             // cited | typical | estimate | scenario | fixed
  double base = 0, low = 0, high = 0;                 // the input's value
  double low_factor = 1, high_factor = 1;             // low / base, high / base
  double cost_base = 0, cost_low = 0, cost_high = 0;  // total cost with the input at base, low, high
};

// The site's run started on the first day of another month of the same year (weather and tariff calendar).
struct StartMonthPoint {
  std::string start;  // "YYYY-MM-DD"
  double cost_total = 0, pue = 0, wall_clock_days = 0, energy_mwh = 0, co2_t = 0;
};

// How far one input must move for the ranking of this site against `against` to flip: for the cheapest
// site the move that makes it as dear as the runner-up, for every other site the move that makes it as
// cheap as the cheapest. A site input (tariff, PUE, rent) moves at this site only; a cluster input
// (server price, amortization, MFU, failure rate) moves at both sites.
struct BreakEven {
  std::string factor, label, unit;
  std::string against;           // the other site of the comparison
  bool all_sites = false;        // a cluster input (server price, MFU, ...): moved at every site at once
  double base = 0;               // the input's value now
  bool found = false;            // false: no value within the search bounds flips it
  double value = 0, change = 0;  // the input at break-even, and value / base − 1
  bool within_range = false;     // the break-even lies inside the input's sensitivity range
};

// One driver of the cost (or CO2) difference between a site and the cheapest site: the part of the
// difference it explains (LMDI decomposition of the products energy = IT × PUE × price, CO2 = IT × PUE ×
// carbon, facility = rate × kW × months; capex and the months part go to "run_duration").
struct Driver {
  std::string driver;  // tariff | pue | it_energy | colocation | run_duration | carbon
  double delta = 0;    // in the result currency (cost) or tonnes (CO2); positive = this site pays more
  double share = 0;    // delta / total difference
  double site_value = 0, reference_value = 0;
  std::string unit;
};

struct Why {
  std::string reference;  // the cheapest site
  double delta_total = 0;
  double delta_co2_t = 0;
  std::vector<Driver> drivers;      // ranked by |delta|
  std::vector<Driver> co2_drivers;  // ranked by |delta|
};

struct SiteResult {
  std::string site;
  double step_time_s = 0, tokens_per_s = 0, tflops_per_gpu = 0, mfu = 0, gpu_utilization = 0;
  double training_days = 0, wall_clock_days = 0, interruptions = 0, goodput = 0;
  double it_power_mw = 0, pue = 0, energy_mwh = 0, co2_t = 0;
  double cost_per_million_tokens = 0;
  Cost cost;
  // Campaign model (models/site/campaign.h): power, cooling, tariff and reliability detail.
  double it_power_peak_mw = 0, it_power_comm_mw = 0, it_power_idle_mw = 0, power_swing_mw = 0;
  double facility_power_peak_mw = 0, it_energy_mwh = 0, pue_annual = 0, free_cooling_fraction = 0;
  double checkpoints = 0, lost_work_h = 0, restart_h = 0, checkpoint_h = 0, derated_hours = 0, min_speed = 1;
  double price_per_kwh = 0;            // effective, result currency per facility kWh (TOU-weighted)
  double colocation_per_kw_month = 0;  // result currency
  double carbon_kg_per_kwh = 0;        // effective: grid factor × (1 − green share)
  std::string weather;                 // "monthly-normals" or "epw:<file>"
  RackPlan rack;
  std::vector<MonthlyPoint> monthly;
  std::vector<DailyPoint> daily;  // campaign model, one entry per calendar day of the run
  Why why;
  // Filled only by models::add_robustness (models/site/sensitivity.h): they re-run the model many times,
  // so estimate() leaves them empty and the front-ends ask for them where they show them.
  std::vector<SensitivityBar> sensitivity;
  std::vector<StartMonthPoint> by_start_month;
  std::vector<BreakEven> break_even;
};

struct Result {
  std::string scenario;
  std::string engine = "analytic";
  std::string software_stack;  // data/software.yaml preset the scenario's defaults came from
  Iteration iteration;
  MemoryFootprint memory;
  Goodput goodput;
  std::vector<SiteResult> sites;
};

// Convert `amount` in currency `from` to `to` with the scenario's explicit rates (USD per unit).
double convert(const Economics& e, double amount, const std::string& from, const std::string& to);

// Per-iteration metrics shared by both engines, from a step time.
SiteResult throughput_from_step(const Scenario& sc, const Iteration& it, double step_time_s);

// IT power of the cluster at full load, MW: servers (catalog or scenario figure).
double cluster_it_power_mw(const Scenario& sc);

// Averaged site model: energy = IT power × average PUE × wall-clock time; cost at the flat tariff.
void apply_site_average(const Scenario& sc, const Site& site, const Goodput& g, SiteResult& r);

// The campaign model at one site: analytic → expected failures per hour, "des" → failures drawn with the
// scenario's seed. Fills days, interruptions, goodput, power, PUE, energy, cost, CO2, monthly, rack.
void apply_campaign(const Scenario& sc, const Site& site, const Iteration& it, const Goodput& g,
                    const std::string& engine, SiteResult& r);

// Per-site results from an iteration (either engine's): the hook where the site/campaign model
// turns step time into days, energy, cost and CO2.
Result evaluate(const Scenario& sc, const Iteration& it, const std::string& engine);

// The analytic engine end to end: analytic_iteration + evaluate.
Result estimate(const Scenario& sc);

}  // namespace trainsite::models
