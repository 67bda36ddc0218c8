// Time-of-use electricity prices of a site (data/sites/*.yaml `tariff`), in the site's currency.
#pragma once

#include "models/catalog.h"

namespace trainsite::models {

// Price per kWh in local `hour` (0-23) of calendar `month` (1-12): the TOU period covering the hour
// (flat_per_kwh when the site has no TOU table), the peak period multiplied by the summer surcharge
// factor in the surcharge months.
double tou_price(const Site& site, int month, int hour);
// Hour-weighted average over a non-leap year: what a constant load pays per kWh.
double mean_tou_price(const Site& site);

}  // namespace trainsite::models
