// Calendar-time charts of the campaign model: monthly PUE and power per site, and interruptions.
// When a result carries no such data the slot says so (never an invented curve).
#pragma once

#include <QWidget>

#include "models/estimate.h"

namespace trainsite::gui {

QWidget* monthly_chart(const models::Result& r);
QWidget* interruptions_chart(const models::Result& r);

}  // namespace trainsite::gui
