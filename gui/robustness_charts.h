// How robust the site choice is: the sensitivity (tornado) of one site's total cost and the total cost
// by start month, from the numbers models::add_robustness put in the result. The GUI only draws them.
// When a result carries no such data the slot says so (never an invented bar).
#pragma once

#include <QWidget>

#include "models/estimate.h"

namespace trainsite::gui {

// Tornado of r.sites[site]: change of its total cost (%) with each input at its low and high value.
QWidget* tornado_chart(const models::Result& r, size_t site);
// Total cost per site for a run started on the 1st of each month.
QWidget* start_month_chart(const models::Result& r);

}  // namespace trainsite::gui
