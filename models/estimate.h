// The analytic estimate per site: iteration time, throughput, utilization, and the averaged
// (flat-tariff, average-PUE) energy and cost model.
#pragma once

#include <string>
#include <vector>

#include "models/iteration.h"
#include "models/memory.h"
#include "models/reliability.h"
#include "models/scenario.h"

namespace trainsite::models {

struct Cost {
  std::string currency = "USD";
  double energy = 0;
  double capex = 0;
  double facility = 0;
  double total = 0;
};

struct SiteResult {
  std::string site;
  double step_time_s = 0, tokens_per_s = 0, tflops_per_gpu = 0, mfu = 0, gpu_utilization = 0;
  double training_days = 0, wall_clock_days = 0, interruptions = 0, goodput = 0;
  double it_power_mw = 0, pue = 0, energy_mwh = 0, co2_t = 0;
  double cost_per_million_tokens = 0;
  Cost cost;
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

// Per-site results from an iteration (either engine's): the hook where the site/campaign model
// turns step time into days, energy, cost and CO2.
Result evaluate(const Scenario& sc, const Iteration& it, const std::string& engine);

// The analytic engine end to end: analytic_iteration + evaluate.
Result estimate(const Scenario& sc);

}  // namespace trainsite::models
