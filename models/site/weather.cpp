#include "models/site/weather.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace trainsite::models {

Date parse_date(const std::string& iso) {
  Date d;
  const char* p = iso.data();
  const char* end = p + iso.size();
  auto num = [&](int& out, int digits) {
    const auto r = std::from_chars(p, end, out);
    if (r.ec != std::errc{} || r.ptr - p != digits) throw std::invalid_argument("bad date '" + iso + "'");
    p = r.ptr;
  };
  auto dash = [&] {
    if (p == end || *p != '-') throw std::invalid_argument("bad date '" + iso + "', expected YYYY-MM-DD");
    ++p;
  };
  num(d.year, 4);
  dash();
  num(d.month, 2);
  dash();
  num(d.day, 2);
  if (p != end || d.month < 1 || d.month > 12 || d.day < 1 || d.day > days_in_month(d.year, d.month))
    throw std::invalid_argument("bad date '" + iso + "', expected YYYY-MM-DD");
  return d;
}

bool is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

int hour_of_year(int month, int day, int hour) {
  int doy = 0;
  for (int m = 1; m < month; ++m) doy += days_in_month(2025, m);  // a non-leap year
  doy += std::min(day, days_in_month(2025, month)) - 1;
  return doy * 24 + hour;
}

double station_pressure_kpa(double z) {
  return 101.325 * std::pow(1.0 - 2.25577e-5 * z, 5.2559);
}

double saturation_vapour_pressure_kpa(double t) {
  return t >= 0 ? 0.61094 * std::exp(17.625 * t / (t + 243.04))
                : 0.61115 * std::exp(22.452 * t / (t + 272.55));
}

double vapour_pressure_from_wetbulb_kpa(double tdb, double twb, double p) {
  const double a = twb >= 0 ? 6.62e-4 : 5.94e-4;
  return std::max(saturation_vapour_pressure_kpa(twb) - a * p * (tdb - twb), 0.0);
}

double wetbulb_from_vapour_pressure_c(double tdb, double e, double p) {
  e = std::min(e, saturation_vapour_pressure_kpa(tdb));
  double lo = tdb - 60.0, hi = tdb;  // e(twb) rises monotonically with twb
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (vapour_pressure_from_wetbulb_kpa(tdb, mid, p) < e ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double diurnal_shape(double h) {
  constexpr double pi = std::numbers::pi;
  if (h >= 5 && h <= 15) return -std::cos(pi * (h - 5) / 10);
  const double since_max = h > 15 ? h - 15 : h + 9;  // 15:00 → 05:00 next day is 14 h
  return std::cos(pi * since_max / 14);
}

HourlyWeather synthetic_weather(const Site& s) {
  HourlyWeather w;
  w.source = "monthly-normals";
  w.drybulb_c.resize(kHoursPerYear);
  w.wetbulb_c.resize(kHoursPerYear);
  const double p = station_pressure_kpa(s.elevation_m);
  for (int m = 1; m <= 12; ++m) {
    const double mean = s.monthly_drybulb_c[m - 1], range = s.diurnal_range_c[m - 1];
    const double e = vapour_pressure_from_wetbulb_kpa(mean, s.monthly_wetbulb_c[m - 1], p);
    double day_db[24], day_wb[24];
    for (int h = 0; h < 24; ++h) {
      // Hour h covers [h, h+1): sample its middle.
      day_db[h] = mean + 0.5 * range * diurnal_shape(h + 0.5);
      day_wb[h] = wetbulb_from_vapour_pressure_c(day_db[h], e, p);
    }
    for (int d = 1; d <= days_in_month(2025, m); ++d)
      for (int h = 0; h < 24; ++h) {
        const int i = hour_of_year(m, d, h);
        w.drybulb_c[i] = day_db[h];
        w.wetbulb_c[i] = day_wb[h];
      }
  }
  return w;
}

std::shared_ptr<const HourlyWeather> site_weather_shared(const Site& s) {
  if (s.hourly && s.hourly->drybulb_c.size() == size_t(kHoursPerYear) &&
      s.hourly->wetbulb_c.size() == size_t(kHoursPerYear))
    return s.hourly;
  return std::make_shared<const HourlyWeather>(synthetic_weather(s));
}

HourlyWeather site_weather(const Site& s) { return *site_weather_shared(s); }

}  // namespace trainsite::models
