// The analytic estimate per site: iteration time, throughput, utilization, and the averaged
// (flat-tariff, average-PUE) energy and cost model.
#pragma once

#include <string>
#include <vector>

#include "models/site/cooling.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/site/reliability.h"
#include "models/scenario.h"

namespace trainsite::models {

struct Cost {
  std::string currency = "USD";
  double energy = 0;
  double capex = 0;
  double facility = 0;
  double total = 0;
};

// One calendar month of the run at a site (campaign model).
struct MonthlyPoint {
  std::string month;  // "YYYY-MM"
  double hours = 0, energy_mwh = 0, it_energy_mwh = 0, pue = 0, energy_cost = 0, cost = 0, mean_drybulb_c = 0;
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
  Why why;
};

struct Result {
  std::string scenario;
  std::string engine = "analytic";
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
