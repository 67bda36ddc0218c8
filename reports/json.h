// JSON result documents (DESIGN section 7: stable keys, added never renamed).
#pragma once

#include <nlohmann/json.hpp>

#include "models/estimate.h"

namespace trainsite::reports {

using Json = nlohmann::ordered_json;

Json site_to_json(const models::SiteResult& r, const models::Iteration& it);
Json result_to_json(const models::Result& r);
// Rounds to 6 significant digits so output is stable and readable; same input → same bytes.
double tidy(double v);

}  // namespace trainsite::reports
