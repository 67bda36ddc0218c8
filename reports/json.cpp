#include "reports/json.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace trainsite::reports {

double tidy(double v) {
  if (!std::isfinite(v) || v == 0) return v;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

Json site_to_json(const models::SiteResult& r, const models::Iteration& it, bool series) {
  Json j;
  j["site"] = r.site;
  j["step_time_s"] = tidy(r.step_time_s);
  j["tokens_per_s"] = tidy(r.tokens_per_s);
  j["tflops_per_gpu"] = tidy(r.tflops_per_gpu);
  j["flop_convention"] = "megatron-with-recompute";
  j["mfu"] = tidy(r.mfu);
  j["gpu_utilization"] = tidy(r.gpu_utilization);
  j["breakdown_s"] = {
      {"compute", tidy(it.compute_s)}, {"tp_comm", tidy(it.tp_comm_s)},   {"pp_bubble", tidy(it.pp_bubble_s)},
      {"dp_comm", tidy(it.dp_comm_s)}, {"io_stall", tidy(it.io_stall_s)}, {"other", tidy(it.other_s)},
      {"pp_comm", tidy(it.pp_comm_s)}, {"cp_comm", tidy(it.cp_comm_s)},   {"ep_comm", tidy(it.ep_comm_s)}};
  j["training_days"] = tidy(r.training_days);
  j["wall_clock_days"] = tidy(r.wall_clock_days);
  j["interruptions"] = tidy(r.interruptions);
  j["goodput"] = tidy(r.goodput);
  j["it_power_mw"] = tidy(r.it_power_mw);
  j["pue"] = tidy(r.pue);
  j["energy_mwh"] = tidy(r.energy_mwh);
  j["cost"] = {{"currency", r.cost.currency},
               {"energy", tidy(r.cost.energy)},
               {"capex", tidy(r.cost.capex)},
               {"facility", tidy(r.cost.facility)},
               {"total", tidy(r.cost.total)},
               {"per_million_tokens", tidy(r.cost_per_million_tokens)},
               {"datacenter", tidy(r.cost.datacenter)}};
  j["co2_t"] = tidy(r.co2_t);
  // Campaign model detail (models/site/campaign.h, models/site/power.h, models/site/cooling.h).
  j["power_mw"] = {{"it_mean", tidy(r.it_power_mw)},      {"it_compute", tidy(r.it_power_peak_mw)},
                   {"it_comm", tidy(r.it_power_comm_mw)}, {"it_idle", tidy(r.it_power_idle_mw)},
                   {"swing", tidy(r.power_swing_mw)},     {"facility_peak", tidy(r.facility_power_peak_mw)}};
  j["it_energy_mwh"] = tidy(r.it_energy_mwh);
  j["pue_annual"] = tidy(r.pue_annual);
  j["free_cooling_fraction"] = tidy(r.free_cooling_fraction);
  j["weather"] = r.weather;
  j["reliability"] = {{"checkpoints", tidy(r.checkpoints)},
                      {"checkpoint_h", tidy(r.checkpoint_h)},
                      {"lost_work_h", tidy(r.lost_work_h)},
                      {"restart_h", tidy(r.restart_h)}};
  j["power_cap"] = {{"derated_hours", tidy(r.derated_hours)}, {"min_speed", tidy(r.min_speed)}};
  j["prices"] = {{"energy_per_kwh", tidy(r.price_per_kwh)},
                 {"colocation_per_kw_month", tidy(r.colocation_per_kw_month)},
                 {"carbon_kg_per_kwh", tidy(r.carbon_kg_per_kwh)}};
  j["rack"] = {{"limit_kw", tidy(r.rack.rack_limit_kw)},
               {"servers_per_rack", r.rack.servers_per_rack},
               {"racks", r.rack.racks},
               {"floor_m2", tidy(r.rack.floor_m2)},
               {"fits", r.rack.fits}};
  j["monthly"] = Json::array();
  for (const auto& m : r.monthly)
    j["monthly"].push_back({{"month", m.month},
                            {"hours", tidy(m.hours)},
                            {"energy_mwh", tidy(m.energy_mwh)},
                            {"it_energy_mwh", tidy(m.it_energy_mwh)},
                            {"pue", tidy(m.pue)},
                            {"energy_cost", tidy(m.energy_cost)},
                            {"cost", tidy(m.cost)},
                            {"mean_drybulb_c", tidy(m.mean_drybulb_c)}});
  auto drivers = [](const std::vector<models::Driver>& ds) {
    Json a = Json::array();
    for (const auto& d : ds)
      a.push_back({{"driver", d.driver},
                   {"delta", tidy(d.delta)},
                   {"share", tidy(d.share)},
                   {"site_value", tidy(d.site_value)},
                   {"reference_value", tidy(d.reference_value)},
                   {"unit", d.unit}});
    return a;
  };
  j["why"] = {{"reference", r.why.reference},
              {"delta_total", tidy(r.why.delta_total)},
              {"drivers", drivers(r.why.drivers)},
              {"delta_co2_t", tidy(r.why.delta_co2_t)},
              {"co2_drivers", drivers(r.why.co2_drivers)}};
  if (!series) return j;
  // Robustness and time series (models/site/sensitivity.h, the campaign's days). Empty arrays when the
  // front-end did not ask the model for them (models::add_robustness).
  j["sensitivity"] = Json::array();
  for (const auto& b : r.sensitivity)
    j["sensitivity"].push_back({{"factor", b.factor},
                                {"low", tidy(b.low)},
                                {"high", tidy(b.high)},
                                {"cost_low", tidy(b.cost_low)},
                                {"cost_high", tidy(b.cost_high)},
                                {"label", b.label},
                                {"unit", b.unit},
                                {"base", tidy(b.base)},
                                {"cost_base", tidy(b.cost_base)},
                                {"confidence", b.confidence},
                                {"low_factor", tidy(b.low_factor)},
                                {"high_factor", tidy(b.high_factor)}});
  j["break_even"] = Json::array();
  for (const auto& b : r.break_even)
    j["break_even"].push_back({{"factor", b.factor},
                               {"against", b.against},
                               {"base", tidy(b.base)},
                               {"value", b.found ? Json(tidy(b.value)) : Json(nullptr)},
                               {"change", b.found ? Json(tidy(b.change)) : Json(nullptr)},
                               {"within_range", b.within_range},
                               {"all_sites", b.all_sites},
                               {"unit", b.unit}});
  j["by_start_month"] = Json::array();
  for (const auto& m : r.by_start_month)
    j["by_start_month"].push_back({{"start", m.start},
                                   {"cost_total", tidy(m.cost_total)},
                                   {"pue", tidy(m.pue)},
                                   {"wall_clock_days", tidy(m.wall_clock_days)},
                                   {"energy_mwh", tidy(m.energy_mwh)},
                                   {"co2_t", tidy(m.co2_t)}});
  j["daily"] = Json::array();
  for (const auto& d : r.daily)
    j["daily"].push_back({{"day", d.day},
                          {"it_mw", tidy(d.it_mw)},
                          {"facility_mw", tidy(d.facility_mw)},
                          {"pue", tidy(d.pue)},
                          {"cost_cumulative", tidy(d.cost_cumulative)},
                          {"date", d.date},
                          {"hours", tidy(d.hours)}});
  return j;
}

namespace {
Json stage_layer_counts(const models::Iteration& it) {
  Json a = Json::array();
  for (const auto& st : it.stages) a.push_back(st.layers);
  return a;
}
}  // namespace

Json result_to_json(const models::Result& r, bool series) {
  Json j;
  j["schema"] = "trainsite/result/v1";
  j["scenario"] = r.scenario;
  j["engine"] = r.engine;
  const auto& it = r.iteration;
  j["iteration"] = {{"dp", it.dp},
                    {"micro_batches", it.micro_batches},
                    {"virtual_stages", it.virtual_stages},
                    {"bubble_fraction", tidy(it.bubble_fraction)},
                    {"model_flops", tidy(it.model_flops)},
                    {"hardware_flops", tidy(it.hardware_flops)},
                    {"dp_comm_total_s", tidy(it.dp_total_s)},
                    {"schedule", models::to_string(it.schedule)},
                    {"stage_layers", stage_layer_counts(it)},
                    {"slowest_stage", it.slowest_stage},
                    // compute_s split by kernel class (models/step/layer.h)
                    {"compute_by_kernel_s",
                     {{"gemm", tidy(it.compute_by_kernel.gemm)},
                      {"attention", tidy(it.compute_by_kernel.attention)},
                      {"memory_bound", tidy(it.compute_by_kernel.memory)}}}};
  j["software_stack"] = r.software_stack;
  j["memory_GB"] = {{"stage", r.memory.stage},
                    {"usable", tidy(r.memory.usable_GB)},
                    {"weights", tidy(r.memory.weights_GB)},
                    {"gradients", tidy(r.memory.gradients_GB)},
                    {"optimizer", tidy(r.memory.optimizer_GB)},
                    {"activations", tidy(r.memory.activations_GB)},
                    {"buffers", tidy(r.memory.buffers_GB)},
                    {"total", tidy(r.memory.total_GB())}};
  j["checkpoint"] = {{"interval_s", tidy(r.goodput.interval_s)},
                     {"write_stall_s", tidy(r.goodput.delta_s)},
                     {"cluster_mtbf_h", tidy(r.goodput.mtbf_s / 3600.0)}};
  j["sites"] = Json::array();
  for (const auto& s : r.sites) j["sites"].push_back(site_to_json(s, r.iteration, series));
  return j;
}

}  // namespace trainsite::reports
