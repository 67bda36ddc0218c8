#include "reports/plan_json.h"

namespace trainsite::reports {

using namespace trainsite::models;

Json layout_to_json(const LayoutChoice& l) {
  return {{"tp", l.tp},
          {"pp", l.pp},
          {"dp", l.dp},
          {"cp", l.cp},
          {"ep", l.ep},
          {"micro_batch", l.micro_batch},
          {"virtual_stages", l.virtual_stages},
          {"schedule", to_string(l.schedule)},
          {"zero", l.zero},
          {"recompute", to_string(l.recompute)},
          {"sequence_parallel", l.sequence_parallel}};
}

Json plan_point_to_json(const PlanPoint& p) {
  const SiteResult& r = p.site;
  const Iteration& it = p.iteration;
  Json j;
  j["site"] = r.site;
  j["gpu"] = p.gpu;
  j["nodes"] = p.nodes;
  j["gpus"] = p.gpus();
  j["layout"] = layout_to_json(p.layout);
  j["feasible"] = p.feasible();
  j["evaluated"] = p.evaluated;
  j["violation"] = p.violation.empty() ? Json(nullptr) : Json(p.violation);
  j["detail"] = p.detail;
  j["objective"] = tidy(p.objective);
  j["step_time_s"] = tidy(it.step_time_s);
  j["des_step_time_s"] = p.des_step_time_s ? Json(tidy(*p.des_step_time_s)) : Json(nullptr);
  j["breakdown_s"] = {
      {"compute", tidy(it.compute_s)}, {"tp_comm", tidy(it.tp_comm_s)},   {"pp_bubble", tidy(it.pp_bubble_s)},
      {"dp_comm", tidy(it.dp_comm_s)}, {"io_stall", tidy(it.io_stall_s)}, {"other", tidy(it.other_s)},
      {"pp_comm", tidy(it.pp_comm_s)}, {"cp_comm", tidy(it.cp_comm_s)},   {"ep_comm", tidy(it.ep_comm_s)}};
  j["micro_batches"] = it.micro_batches;
  j["memory_gb"] = tidy(p.memory_GB);
  j["hbm_gb"] = tidy(p.hbm_GB);
  j["mfu"] = tidy(r.mfu);
  j["tokens_per_s"] = tidy(r.tokens_per_s);
  j["training_days"] = tidy(r.training_days);
  j["wall_clock_days"] = tidy(r.wall_clock_days);
  j["cost"] = {{"currency", r.cost.currency},
               {"energy", tidy(r.cost.energy)},
               {"capex", tidy(r.cost.capex)},
               {"facility", tidy(r.cost.facility)},
               {"total", tidy(r.cost.total)}};
  j["co2_t"] = tidy(r.co2_t);
  j["energy_mwh"] = tidy(r.energy_mwh);
  j["power_mw"] = {{"it_mean", tidy(r.it_power_mw)},
                   {"it_compute", tidy(r.it_power_peak_mw)},
                   {"facility_peak", tidy(r.facility_power_peak_mw)}};
  j["power_cap"] = {{"derated_hours", tidy(r.derated_hours)}, {"min_speed", tidy(r.min_speed)}};
  j["rack"] = {{"limit_kw", tidy(r.rack.rack_limit_kw)},
               {"servers_per_rack", r.rack.servers_per_rack},
               {"racks", r.rack.racks},
               {"fits", r.rack.fits}};
  return j;
}

Json plan_to_json(const PlanResult& r, const Scenario& sc, const PlanOptions& o) {
  Json doc;
  doc["schema"] = "trainsite/plan/v1";
  doc["scenario"] = sc.name;
  doc["engine"] = "analytic";
  doc["recheck_engine"] = o.recheck ? Json("des") : Json(nullptr);
  doc["objective"] = {
      {o.objective == Objective::tokens_per_day ? "maximize" : "minimize", to_string(o.objective)}};
  auto opt = [](double v) { return v > 0 ? Json(tidy(v)) : Json(nullptr); };
  doc["constraints"] = {{"deadline_days", opt(o.deadline_days)},
                        {"budget", opt(o.budget)},
                        {"currency", r.currency},
                        {"max_gpus", o.max_gpus > 0 ? Json(o.max_gpus) : Json(nullptr)},
                        {"site_power_cap", !o.allow_derate},
                        {"site_rack_density", true}};
  Json plans = Json::array();
  for (const auto& sp : r.plans) {
    Json p;
    p["site"] = sp.site;
    p["best"] = sp.best ? plan_point_to_json(*sp.best) : Json(nullptr);
    p["none_reason"] = sp.best ? Json(nullptr) : Json(sp.none_reason);
    Json bounds = Json::array();
    for (const auto& b : sp.bounds)
      bounds.push_back({{"bound", b.bound}, {"share", tidy(b.share)}, {"detail", b.detail}});
    p["bounds"] = bounds;
    Json ru = Json::array();
    for (const auto& x : sp.runner_ups) {
      Json e = plan_point_to_json(x.point);
      e["lost_by"] = x.lost_by;
      e["why"] = x.why;
      ru.push_back(e);
    }
    p["runner_ups"] = ru;
    p["baseline"] = sp.baseline ? plan_point_to_json(*sp.baseline) : Json(nullptr);
    if (sp.best && sp.baseline && sp.baseline->iteration.step_time_s > 0)
      p["vs_baseline"] = {
          {"step_time", tidy(sp.best->iteration.step_time_s / sp.baseline->iteration.step_time_s - 1)},
          {"wall_clock_days", tidy(sp.best->site.wall_clock_days / sp.baseline->site.wall_clock_days - 1)},
          {"cost", tidy(sp.best->site.cost.total / sp.baseline->site.cost.total - 1)}};
    else
      p["vs_baseline"] = nullptr;
    Json sizes = Json::array();
    for (const auto& row : sp.sizes) {
      Json s = {{"gpu", row.gpu}, {"nodes", row.nodes}, {"gpus", row.gpus}};
      s["feasible"] = row.best && row.best->feasible();
      s["layout"] = row.best ? layout_to_json(row.best->layout) : Json(nullptr);
      s["step_time_s"] = row.best ? Json(tidy(row.best->iteration.step_time_s)) : Json(nullptr);
      s["wall_clock_days"] = row.best ? Json(tidy(row.best->site.wall_clock_days)) : Json(nullptr);
      s["cost"] = row.best ? Json(tidy(row.best->site.cost.total)) : Json(nullptr);
      s["co2_t"] = row.best ? Json(tidy(row.best->site.co2_t)) : Json(nullptr);
      s["facility_peak_mw"] = row.best ? Json(tidy(row.best->site.facility_power_peak_mw)) : Json(nullptr);
      s["racks"] = row.best ? Json(row.best->site.rack.racks) : Json(nullptr);
      s["note"] = row.note;
      sizes.push_back(s);
    }
    p["sizes"] = sizes;
    plans.push_back(p);
  }
  doc["plans"] = plans;
  doc["baseline_problem"] = r.baseline_problem.empty() ? Json(nullptr) : Json(r.baseline_problem);
  Json pareto = Json::array();
  for (const auto& p : r.pareto)
    pareto.push_back({{"site", p.site.site},
                      {"gpu", p.gpu},
                      {"nodes", p.nodes},
                      {"gpus", p.gpus()},
                      {"layout", layout_to_json(p.layout)},
                      {"step_time_s", tidy(p.iteration.step_time_s)},
                      {"wall_clock_days", tidy(p.site.wall_clock_days)},
                      {"cost", tidy(p.site.cost.total)},
                      {"co2_t", tidy(p.site.co2_t)}});
  doc["pareto"] = pareto;
  const auto& c = r.counts;
  doc["searched"] = {{"clusters", c.clusters},
                     {"layouts", c.layouts.searched},
                     {"evaluated", c.layouts.evaluated},
                     {"site_evaluations", c.site_evaluations},
                     {"des_rechecks", c.des_rechecks}};
  doc["pruned"] = {{"total", c.layouts.layout_rules + c.layouts.memory + c.layouts.step_bound},
                   {"layout_rules", c.layouts.layout_rules},
                   {"memory", c.layouts.memory},
                   {"step_bound", c.layouts.step_bound},
                   {"clusters_deadline", c.clusters_deadline},
                   {"clusters_max_gpus", c.clusters_max_gpus},
                   {"clusters_no_layout", c.clusters_no_layout}};
  return doc;
}

}  // namespace trainsite::reports
