// JSON of `trainsite plan` (schema trainsite/plan/v1; stable keys, added never renamed):
// plans (best per site with bounds, runner-ups, baseline, sizes), pareto, searched, pruned.
#pragma once

#include "models/plan.h"
#include "reports/json.h"

namespace trainsite::reports {

// One configuration at one site.
Json plan_point_to_json(const models::PlanPoint& p);
Json layout_to_json(const models::LayoutChoice& l);
// The whole document; `o` is echoed as the question that was asked.
Json plan_to_json(const models::PlanResult& r, const models::Scenario& sc, const models::PlanOptions& o);

}  // namespace trainsite::reports
