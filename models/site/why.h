// Why one site costs more than another: the cost and CO2 differences to the cheapest site, split into
// drivers (tariff, PUE, IT energy, colocation, run duration; carbon) and ranked.
#pragma once

#include <vector>

#include "models/estimate.h"

namespace trainsite::models {

// Logarithmic mean (LMDI weight): (a − b)/(ln a − ln b), a when a == b.
double log_mean(double a, double b);
// Fills every site's `why` against the site with the lowest total cost (ties: the first listed).
void explain_differences(std::vector<SiteResult>& sites);

}  // namespace trainsite::models
