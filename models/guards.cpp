#include "models/guards.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/catalog.h"

namespace trainsite::models {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

[[noreturn]] void fail(const Scenario& sc, const std::string& where, const std::string& what,
                       const std::string& inputs) {
  throw GuardError("impossible result for scenario '" + sc.name + "'" + where + ": " + what + "; caused by " +
                   inputs);
}

std::string site_where(const Site& site) {
  return " at site '" + site.id + "'";
}

}  // namespace

std::string describe_inputs(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const auto& m = sc.workload.model;
  return "workload.model=" + m.id + " (layers " + std::to_string(m.layers) + ", hidden " +
         std::to_string(m.hidden) + ", heads " + std::to_string(m.heads) + ", seq_len " +
         std::to_string(m.seq_len) + ") workload.global_batch=" + std::to_string(sc.workload.global_batch) +
         " workload.precision=" + to_string(sc.workload.precision) +
         " parallelism tp=" + std::to_string(p.tp) + " pp=" + std::to_string(p.pp) +
         " cp=" + std::to_string(p.cp) + " dp=" + (p.dp > 0 ? std::to_string(p.dp) : std::string("auto")) +
         " micro_batch=" + std::to_string(p.micro_batch) + " cluster.gpu=" + sc.cluster.gpu.id +
         " cluster.nodes=" + std::to_string(sc.cluster.nodes) +
         " cluster.gpus_per_node=" + std::to_string(sc.cluster.gpus_per_node) +
         " cluster.calibration=" + sc.cluster.calibration;
}

void check_iteration(const Scenario& sc, const Iteration& it) {
  const std::string inputs = describe_inputs(sc);
  const std::pair<const char*, double> terms[] = {
      {"compute", it.compute_s}, {"tp_comm", it.tp_comm_s},   {"pp_bubble", it.pp_bubble_s},
      {"pp_comm", it.pp_comm_s}, {"dp_comm", it.dp_comm_s},   {"cp_comm", it.cp_comm_s},
      {"ep_comm", it.ep_comm_s}, {"io_stall", it.io_stall_s}, {"other", it.other_s},
  };
  for (const auto& [name, v] : terms)
    if (!std::isfinite(v) || v < 0)
      fail(sc, "",
           std::string("iteration time term '") + name + "' is " + num(v) + " s (must be finite and >= 0)",
           inputs);
  if (!std::isfinite(it.step_time_s) || !(it.step_time_s > 0))
    fail(sc, "", "step time is " + num(it.step_time_s) + " s (must be finite and > 0)", inputs);
  if (!std::isfinite(it.model_flops) || !(it.model_flops > 0))
    fail(sc, "", "model FLOPs per iteration are " + num(it.model_flops) + " (must be finite and > 0)",
         inputs);
  if (!std::isfinite(it.hardware_flops) || it.hardware_flops < it.model_flops * (1 - 1e-12))
    fail(sc, "", "hardware FLOPs " + num(it.hardware_flops) + " below model FLOPs " + num(it.model_flops),
         inputs);
}

void check_site_result(const Scenario& sc, const Site& site, const SiteResult& r) {
  const std::string where = site_where(site);
  const std::string inputs = describe_inputs(sc);
  auto finite_non_negative = [&](const char* name, double v, const std::string& cause) {
    if (!std::isfinite(v) || v < 0)
      fail(sc, where, std::string(name) + " is " + num(v) + " (must be finite and >= 0)", cause);
  };
  finite_non_negative("step_time_s", r.step_time_s, inputs);
  finite_non_negative("tokens_per_s", r.tokens_per_s, inputs);
  finite_non_negative("tflops_per_gpu", r.tflops_per_gpu, inputs);
  // MFU = model FLOPs / (time × dense BF16 peak) (DESIGN §7): it cannot exceed the peak of the
  // precision the run uses over the BF16 peak (1 for BF16/FP16, 2 for FP8 on Hopper).
  const double bf16 = sc.cluster.gpu.peak(Precision::bf16).value_or(0);
  const double used = sc.cluster.gpu.peak(sc.workload.precision).value_or(bf16);
  const double mfu_max = bf16 > 0 ? std::max(1.0, used / bf16) : 1.0;
  if (!std::isfinite(r.mfu) || r.mfu < 0 || r.mfu > mfu_max * (1 + 1e-9))
    fail(sc, where,
         "MFU " + num(r.mfu) + " is outside [0, " + num(mfu_max) + "] (model FLOPs above the GPU's " +
             to_string(sc.workload.precision) + " peak)",
         "cluster.gpu=" + sc.cluster.gpu.id +
             " peak_tflops.bf16=" + num(sc.cluster.gpu.peak(Precision::bf16).value_or(0)) +
             " cluster.calibration=" + sc.cluster.calibration + " (gemm_eff_max " +
             num(sc.cluster.cal.gemm_eff_max) + ", fa2_fwd_eff " + num(sc.cluster.cal.fa2_fwd_eff) +
             ", hbm_eff " + num(sc.cluster.cal.hbm_eff) + "); " + inputs);
  if (!std::isfinite(r.gpu_utilization) || r.gpu_utilization < 0 || r.gpu_utilization > 1)
    fail(sc, where, "GPU utilization " + num(r.gpu_utilization) + " is outside [0, 1]", inputs);
  if (!std::isfinite(r.goodput) || !(r.goodput > 0) || r.goodput > 1)
    fail(sc, where, "goodput " + num(r.goodput) + " is outside (0, 1]",
         "reliability.gpu_fail_per_1000_gpu_day=" + num(sc.reliability.gpu_fail_per_1000_gpu_day) +
             " reliability.restart_min=" + num(sc.reliability.restart_min) +
             " cluster.storage.write_GBps_per_node=" + num(sc.cluster.storage.write_GBps_per_node) +
             " cluster.storage.checkpoint.interval_min=" + num(sc.cluster.storage.checkpoint.interval_min) +
             "; " + inputs);
  if (!std::isfinite(r.pue) || r.pue < 1)
    fail(sc, where, "PUE " + num(r.pue) + " is below 1 (a facility cannot use less power than its IT load)",
         "sites[" + site.id + "].pue_avg=" + num(site.pue_avg) + " cooling.type=" + site.cooling.type);
  finite_non_negative("training_days", r.training_days, inputs);
  finite_non_negative("wall_clock_days", r.wall_clock_days, inputs);
  finite_non_negative("interruptions", r.interruptions, inputs);
  const std::string power_inputs =
      "cluster.nodes=" + std::to_string(sc.cluster.nodes) +
      " cluster.node_power_kw=" + num(sc.cluster.node_power_kw.value_or(sc.cluster.gpu.node_power_kw));
  finite_non_negative("it_power_mw", r.it_power_mw, power_inputs);
  finite_non_negative("energy_mwh", r.energy_mwh,
                      power_inputs + " sites[" + site.id + "].pue_avg=" + num(site.pue_avg));
  const std::string money = "sites[" + site.id + "].tariff.flat_per_kwh=" + num(site.tariff_flat_per_kwh) +
                            " currency " + site.currency + " -> economics.currency " + sc.economics.currency;
  finite_non_negative("cost.energy", r.cost.energy, money);
  finite_non_negative("cost.capex", r.cost.capex, "economics.server_price / amortization_years; " + money);
  finite_non_negative("cost.facility", r.cost.facility,
                      "sites[" + site.id + "].colocation_per_kw_month; " + money);
  finite_non_negative("cost.total", r.cost.total, money);
  finite_non_negative("co2_t", r.co2_t,
                      "sites[" + site.id + "].carbon_kg_per_kwh=" + num(site.carbon_kg_per_kwh) +
                          " green_share=" + num(site.green_share));
  // Site power cap: the facility draw IT × PUE must fit the site's capacity unless the scenario's
  // policy handles it (`derate`: the campaign model lowers the power; `refuse`: an error).
  if (site.power_capacity_mw > 0) {
    const double facility_mw = r.it_power_mw * r.pue;
    const bool over = facility_mw > site.power_capacity_mw * (1 + 1e-9);
    if (over && sc.power_cap_policy != "derate")
      fail(sc, where,
           "facility power " + num(facility_mw) + " MW (IT " + num(r.it_power_mw) + " MW × PUE " +
               num(r.pue) + ") exceeds the site's power_capacity_mw " + num(site.power_capacity_mw) +
               " and power_cap_policy is '" + sc.power_cap_policy +
               "' (use `derate`, fewer nodes, or another site)",
           power_inputs + " power_cap_policy=" + sc.power_cap_policy);
  }
}

void check_result(const Scenario& sc, const Result& r) {
  check_iteration(sc, r.iteration);
  for (const SiteResult& sr : r.sites) {
    const Site* site = nullptr;
    for (const Site& s : sc.sites)
      if (s.id == sr.site) site = &s;
    if (!site)
      throw GuardError("result for scenario '" + sc.name + "' names site '" + sr.site + "' not in its sites");
    check_site_result(sc, *site, sr);
  }
}

}  // namespace trainsite::models
