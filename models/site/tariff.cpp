#include "models/site/tariff.h"

#include <algorithm>

#include "models/site/weather.h"

namespace trainsite::models {

double tou_price(const Site& s, int month, int hour) {
  for (const auto& p : s.tou)
    for (const auto& r : p.hours)
      if (hour >= r[0] && hour < r[1]) {
        const bool summer = std::find(s.summer_surcharge_months.begin(), s.summer_surcharge_months.end(),
                                      month) != s.summer_surcharge_months.end();
        return p.price_per_kwh * (summer && p.period == "peak" ? s.summer_surcharge_factor : 1.0);
      }
  return s.tariff_flat_per_kwh;
}

double mean_tou_price(const Site& s) {
  double sum = 0;
  for (int m = 1; m <= 12; ++m)
    for (int h = 0; h < 24; ++h) sum += days_in_month(2025, m) * tou_price(s, m, h);
  return sum / kHoursPerYear;
}

}  // namespace trainsite::models
