// apply_campaign (models/estimate.h): the campaign at one site turned into the result's days, energy,
// money and CO2. Economics: capex amortized linearly over the scenario's years for the run's duration,
// energy at the hourly TOU price, colocation per kW of contracted (peak) IT power per month.
#include <algorithm>
#include <cstdio>

#include "models/site/campaign.h"
#include "models/estimate.h"
#include "models/site/weather.h"

namespace trainsite::models {

void apply_campaign(const Scenario& sc, const Site& site, const Iteration& it, const Goodput& g,
                    const std::string& engine, SiteResult& r) {
  const auto& e = sc.economics;
  const ItLoad load = it_load(sc, it);
  const auto shared_weather = site_weather_shared(site);
  const HourlyWeather& weather = *shared_weather;
  CampaignInputs in;
  in.work_s = r.training_days * 86400.0;
  in.step_time_s = r.step_time_s;
  in.compute_s = it.compute_s * r.step_time_s / std::max(it.step_time_s, 1e-12);
  in.load = load;
  in.mtbf_s = g.mtbf_s;
  in.interval_s = g.interval_s;
  in.delta_s = g.delta_s;
  in.restart_s = sc.reliability.restart_min * 60.0;
  in.seed = sc.reliability.seed;  // the same seed at every site: common random numbers for the comparison
  in.start = parse_date(e.start);
  in.power_cap_policy = sc.power_cap_policy;
  in.mode = engine == "des" ? CampaignMode::stochastic : CampaignMode::expected;
  const CampaignResult c = run_campaign(site, weather, in);

  r.site = site.id;
  r.weather = weather.source;
  r.wall_clock_days = c.wall_s / 86400.0;
  r.interruptions = c.interruptions;
  r.goodput = c.goodput();
  r.checkpoints = c.checkpoints;
  r.lost_work_h = c.lost_s / 3600.0;
  r.restart_h = c.restart_s / 3600.0;
  r.checkpoint_h = c.checkpoint_s / 3600.0;
  r.derated_hours = c.derated_hours;
  r.min_speed = c.min_speed;
  r.it_power_mw = load.mean_kw / 1000.0;
  r.it_power_peak_mw = load.compute_kw / 1000.0;
  r.it_power_comm_mw = load.comm_kw / 1000.0;
  r.it_power_idle_mw = load.idle_kw / 1000.0;
  r.power_swing_mw = load.swing_kw / 1000.0;
  r.facility_power_peak_mw = c.peak_facility_mw;
  r.it_energy_mwh = c.it_mwh;
  r.energy_mwh = c.facility_mwh;
  r.pue = c.pue();
  r.pue_annual = annual_pue(site, weather);
  r.free_cooling_fraction = c.wall_s > 0 ? c.free_cooling_hours * 3600.0 / c.wall_s : 0;
  r.co2_t = c.co2_t;
  r.carbon_kg_per_kwh = site.carbon_kg_per_kwh * (1.0 - site.green_share);
  r.rack = rack_plan(site, node_power(sc).full_kw, sc.cluster.nodes);

  r.cost.currency = e.currency;
  r.cost.energy = convert(e, c.energy_cost, site.currency, e.currency);
  r.price_per_kwh = c.facility_mwh > 0 ? r.cost.energy / (c.facility_mwh * 1000.0) : 0;
  const auto& cl = sc.cluster;
  const double server = e.server_price_usd > 0 ? e.server_price_usd : cl.gpu.node_price_usd;
  const double capex_usd =
      cl.nodes * server + cl.gpus() * e.network_cost_per_gpu_usd + cl.nodes * e.storage_cost_per_node_usd;
  const double capex_per_day = convert(e, capex_usd, "USD", e.currency) / (e.amortization_years * 365.0);
  r.cost.capex = capex_per_day * r.wall_clock_days;
  r.colocation_per_kw_month = convert(e, site.colocation_per_kw_month, site.currency, e.currency);
  const double facility_per_day = r.colocation_per_kw_month * load.compute_kw / (365.0 / 12.0);
  r.cost.facility = facility_per_day * r.wall_clock_days;
  r.cost.total = r.cost.energy + r.cost.capex + r.cost.facility;
  r.cost.datacenter = r.cost.energy + r.cost.facility;
  r.cost_per_million_tokens = r.cost.total / (sc.workload.tokens / 1e6);

  // Daily series: mean powers over the hours the run was going that day; cost accrued to the day's end
  // (energy at that day's hourly prices, capex and facility per hour of the run), so the last entry is
  // the total.
  r.daily.clear();
  double accrued = 0;
  for (const DayStat& d : c.days) {
    DailyPoint p;
    p.day = int(r.daily.size()) + 1;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
    p.date = buf;
    p.hours = d.hours;
    p.it_mw = d.hours > 0 ? d.it_mwh / d.hours : 0;
    p.facility_mw = d.hours > 0 ? d.facility_mwh / d.hours : 0;
    p.pue = d.pue();
    accrued += convert(e, d.energy_cost, site.currency, e.currency) +
               (capex_per_day + facility_per_day) * d.hours / 24.0;
    p.cost_cumulative = accrued;
    r.daily.push_back(p);
  }

  r.monthly.clear();
  for (const MonthStat& m : c.months) {
    MonthlyPoint p;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d", m.year, m.month);
    p.month = buf;
    p.hours = m.hours;
    p.energy_mwh = m.facility_mwh;
    p.it_energy_mwh = m.it_mwh;
    p.pue = m.pue();
    p.energy_cost = convert(e, m.energy_cost, site.currency, e.currency);
    p.cost = p.energy_cost + (capex_per_day + facility_per_day) * m.hours / 24.0;
    p.mean_drybulb_c = m.mean_drybulb_c();
    r.monthly.push_back(p);
  }
}

}  // namespace trainsite::models
