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

Json site_to_json(const models::SiteResult& r, const models::Iteration& it) {
  Json j;
  j["site"] = r.site;
  j["step_time_s"] = tidy(r.step_time_s);
  j["tokens_per_s"] = tidy(r.tokens_per_s);
  j["tflops_per_gpu"] = tidy(r.tflops_per_gpu);
  j["flop_convention"] = "megatron-with-recompute";
  j["mfu"] = tidy(r.mfu);
  j["gpu_utilization"] = tidy(r.gpu_utilization);
  j["breakdown_s"] = {{"compute", tidy(it.compute_s)},     {"tp_comm", tidy(it.tp_comm_s)},
                      {"pp_bubble", tidy(it.pp_bubble_s)}, {"dp_comm", tidy(it.dp_comm_s)},
                      {"io_stall", tidy(it.io_stall_s)},   {"other", tidy(it.other_s)},
                      {"pp_comm", tidy(it.pp_comm_s)},     {"cp_comm", tidy(it.cp_comm_s)},
                      {"ep_comm", tidy(it.ep_comm_s)}};
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
               {"per_million_tokens", tidy(r.cost_per_million_tokens)}};
  j["co2_t"] = tidy(r.co2_t);
  return j;
}

Json result_to_json(const models::Result& r) {
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
                    {"dp_comm_total_s", tidy(it.dp_total_s)}};
  j["memory_GB"] = {{"weights", tidy(r.memory.weights_GB)},         {"gradients", tidy(r.memory.gradients_GB)},
                    {"optimizer", tidy(r.memory.optimizer_GB)},     {"activations", tidy(r.memory.activations_GB)},
                    {"buffers", tidy(r.memory.buffers_GB)},         {"total", tidy(r.memory.total_GB())}};
  j["checkpoint"] = {{"interval_s", tidy(r.goodput.interval_s)},
                     {"write_stall_s", tidy(r.goodput.delta_s)},
                     {"cluster_mtbf_h", tidy(r.goodput.mtbf_s / 3600.0)}};
  j["sites"] = Json::array();
  for (const auto& s : r.sites) j["sites"].push_back(site_to_json(s, r.iteration));
  return j;
}

}  // namespace trainsite::reports
