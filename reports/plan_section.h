// The planner's section of a report (id "plan"): the best layout per site next to the scenario's own,
// what bounds it, the runner-ups and, when several clusters were searched, the Pareto front of time
// vs cost. The numbers come from models::plan; this file only arranges them.
#pragma once

#include "models/plan.h"
#include "reports/report.h"

namespace trainsite::reports {

Section plan_section(const models::PlanResult& r, const models::Scenario& sc);

}  // namespace trainsite::reports
