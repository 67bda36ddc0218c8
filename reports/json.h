// JSON result documents (DESIGN section 7: stable keys, added never renamed).
#pragma once

#include <nlohmann/json.hpp>

#include "models/estimate.h"

namespace trainsite::reports {

using Json = nlohmann::ordered_json;

// `series`: also the per-site arrays sensitivity, break_even, by_start_month and daily (the results
// store keeps one row per sweep point and leaves them out).
Json site_to_json(const models::SiteResult& r, const models::Iteration& it, bool series = true);
Json result_to_json(const models::Result& r, bool series = true);
// Rounds to 6 significant digits so output is stable and readable; same input → same bytes.
double tidy(double v);

}  // namespace trainsite::reports
