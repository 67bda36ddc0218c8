#include "models/estimate.h"

#include <algorithm>
#include <stdexcept>

#include "models/guards.h"
#include "models/step/transformer.h"
#include "models/site/why.h"

namespace trainsite::models {

double convert(const Economics& e, double amount, const std::string& from, const std::string& to) {
  if (from == to) return amount;
  const auto f = e.fx_to_usd.find(from), t = e.fx_to_usd.find(to);
  if (f == e.fx_to_usd.end() || t == e.fx_to_usd.end())
    throw std::invalid_argument("no exchange rate between " + from + " and " + to +
                                " (economics.fx_to_usd)");
  return amount * f->second / t->second;
}

SiteResult throughput_from_step(const Scenario& sc, const Iteration& it, double step_time_s) {
  SiteResult r;
  const double gpus = sc.cluster.gpus();
  const auto& w = sc.workload;
  const double peak_bf16 = sc.cluster.gpu.peak(Precision::bf16).value_or(0) * 1e12;
  r.step_time_s = step_time_s;
  r.tokens_per_s = double(w.global_batch) * w.model.seq_len / step_time_s;
  r.tflops_per_gpu = it.hardware_flops / (step_time_s * gpus) / 1e12;
  r.mfu = peak_bf16 > 0 ? it.model_flops / (step_time_s * gpus * peak_bf16) : 0;
  r.gpu_utilization = std::clamp(it.compute_s / step_time_s, 0.0, 1.0);
  r.training_days = w.tokens / r.tokens_per_s / 86400.0;
  return r;
}

double cluster_it_power_mw(const Scenario& sc) {
  const double node_kw = sc.cluster.node_power_kw.value_or(sc.cluster.gpu.node_power_kw);
  return sc.cluster.nodes * node_kw / 1000.0;
}

void apply_site_average(const Scenario& sc, const Site& site, const Goodput& g, SiteResult& r) {
  const auto& e = sc.economics;
  r.site = site.id;
  r.goodput = g.fraction;
  r.wall_clock_days = r.training_days / g.fraction;
  r.interruptions = r.wall_clock_days * 86400.0 / g.mtbf_s;
  r.it_power_mw = cluster_it_power_mw(sc);
  r.pue = site.pue_avg;
  const double hours = r.wall_clock_days * 24.0;
  r.energy_mwh = r.it_power_mw * r.pue * hours;
  r.co2_t = r.energy_mwh * 1000.0 * site.carbon_kg_per_kwh * (1.0 - site.green_share) / 1000.0;
  r.cost.currency = e.currency;
  r.cost.energy = convert(e, r.energy_mwh * 1000.0 * site.tariff_flat_per_kwh, site.currency, e.currency);
  // Capex amortized linearly over the scenario's years for the run's duration.
  const auto& c = sc.cluster;
  const double server = e.server_price_usd > 0 ? e.server_price_usd : c.gpu.node_price_usd;
  const double capex_usd = c.nodes * server + c.gpus() * e.network_cost_per_gpu_usd +
                           c.nodes * e.storage_cost_per_node_usd;
  const double share = r.wall_clock_days / (e.amortization_years * 365.0);
  r.cost.capex = convert(e, capex_usd * share, "USD", e.currency);
  // Colocation: contracted IT capacity per month.
  const double months = r.wall_clock_days / (365.0 / 12.0);
  r.cost.facility = convert(e, site.colocation_per_kw_month * r.it_power_mw * 1000.0 * months, site.currency,
                            e.currency);
  r.cost.total = r.cost.energy + r.cost.capex + r.cost.facility;
  r.cost.datacenter = r.cost.energy + r.cost.facility;
  r.cost_per_million_tokens = r.cost.total / (sc.workload.tokens / 1e6);
}

Result evaluate(const Scenario& sc, const Iteration& it, const std::string& engine) {
  Result res;
  res.scenario = sc.name;
  res.engine = engine;
  res.software_stack = sc.software_stack;
  res.iteration = it;
  // Footprint of the interleaving the engine used (virtual_stages may be auto = 0 in sc).
  Scenario resolved = sc;
  resolved.parallelism.virtual_stages = std::max(1, it.virtual_stages);
  res.memory = memory_per_gpu(resolved);
  res.goodput = expected_goodput(sc);
  for (const Site& site : sc.sites) {
    SiteResult r = throughput_from_step(sc, res.iteration, res.iteration.step_time_s);
    apply_campaign(sc, site, res.iteration, res.goodput, engine, r);
    res.sites.push_back(r);
  }
  explain_differences(res.sites);
  check_result(sc, res);  // impossible numbers are errors, not output (models/guards.h)
  return res;
}

Result estimate(const Scenario& sc) { return evaluate(sc, analytic_iteration(sc), "analytic"); }

}  // namespace trainsite::models
