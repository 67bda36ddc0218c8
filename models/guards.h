// Semantic guards at the model boundary: a result that is physically impossible (MFU above 1,
// negative or non-finite times, PUE below 1, a utilization outside [0, 1], facility power above a
// site's capacity when the scenario refuses to run there) is an error, not output. Messages name
// the scenario inputs that produced the value, so a user knows what to fix.
#pragma once

#include <stdexcept>
#include <string>

#include "models/estimate.h"
#include "models/step/iteration.h"
#include "models/scenario.h"

namespace trainsite::models {

// A runtime failure (CLI exit code 1): the inputs parsed, but the models produced something no
// hardware can do. Distinct from scenarios::InputError (exit 2), which rejects the input itself.
class GuardError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every breakdown term finite and >= 0, the step time finite and > 0, FLOP counts finite and > 0.
void check_iteration(const Scenario& sc, const Iteration& it);

// One site's result: MFU in [0, peak(precision)/peak(bf16)], utilization in [0, 1], goodput in (0, 1], PUE >= 1, days, power,
// energy, cost and CO2 finite and >= 0, and facility power (IT × PUE) within the site's
// power_capacity_mw when power_cap_policy is `refuse` (or names no known policy).
void check_site_result(const Scenario& sc, const Site& site, const SiteResult& r);

// The iteration and every site of a result (sites matched by id).
void check_result(const Scenario& sc, const Result& r);

// "workload.model=gpt3-175b cluster.gpu=A800-SXM4-80GB cluster.nodes=128 ... " for messages.
std::string describe_inputs(const Scenario& sc);

}  // namespace trainsite::models
