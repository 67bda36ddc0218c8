// Internal to the planner (models/plan*.cpp): the objective's arithmetic and the explanations of a
// plan (what bounds it, why a runner-up lost). Not part of the public API (models/plan.h).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "models/plan.h"

namespace trainsite::models::plan_detail {

// printf-style text (models/ stays free of formatting libraries).
template <typename... A>
inline std::string str(const char* f, A... a) {
  char buf[400];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}

double objective_of(Objective o, const SiteResult& r, double tokens);
bool better(Objective o, double a, double b);
// Relative amount by which `a` is worse than `b` on the objective (> 0 = worse).
double worse_by(Objective o, double a, double b);
std::string objective_text(Objective o, double v, const std::string& currency);

// The scenario on `nodes` servers with layout `l`.
Scenario configured(const Scenario& variant, int nodes, const LayoutChoice& l);
// "128 × A800-SXM4-80GB (1024 GPUs, tp 2 · pp 8 · dp 64)"
std::string config_text(const PlanPoint& p);
// Why runner-up `r` lost to `best`: the objective gap and its largest cause.
std::string why_lost(Objective o, const PlanPoint& r, const PlanPoint& best, const std::string& currency);
// Shares of the step and what caps them (compute, tp_nvlink/tp_comm, bubble, dp_fabric, ep_alltoall).
std::vector<PlanBound> step_bounds(const PlanPoint& b, const Scenario& cluster_sc);
// Settings searched that would be faster but do not fit in memory.
std::vector<PlanBound> memory_bounds(const PlanPoint& b, const Scenario& cluster_sc, const SearchOptions& so);

}  // namespace trainsite::models::plan_detail
