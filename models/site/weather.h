// Calendar helpers, psychrometrics and the hourly weather year of a site (from an EPW file read by
// scenarios/, or synthesized from monthly means and a diurnal range). Pure: no I/O.
#pragma once

#include <string>
#include <vector>

#include "models/catalog.h"

namespace trainsite::models {

struct Date {
  int year = 2026, month = 1, day = 1;
};
// "YYYY-MM-DD"; throws std::invalid_argument on anything else.
Date parse_date(const std::string& iso);
bool is_leap(int year);
int days_in_month(int year, int month);
// Index into a non-leap 8760-hour year for a local calendar hour (Feb 29 reuses Feb 28).
int hour_of_year(int month, int day, int hour);
inline constexpr int kHoursPerYear = 8760;

// Station pressure from elevation, standard atmosphere (ASHRAE Handbook Fundamentals 2017, ch. 1, eq. 3).
double station_pressure_kpa(double elevation_m);
// Saturation vapour pressure, Magnus form over water (T >= 0) and ice (T < 0), Alduchov & Eskridge (1996).
double saturation_vapour_pressure_kpa(double t_c);
// Psychrometer equation e = e_s(Twb) − A·p·(Tdb − Twb), A = 6.62e-4 /K over water, 5.94e-4 over ice
// (WMO-No. 8, Guide to Instruments, Annex 4.B, ventilated psychrometer).
double vapour_pressure_from_wetbulb_kpa(double drybulb_c, double wetbulb_c, double pressure_kpa);
// Inverse of the above by bisection; e is clamped to saturation at the dry-bulb.
double wetbulb_from_vapour_pressure_c(double drybulb_c, double vapour_kpa, double pressure_kpa);

// Diurnal shape in [−1, 1]: minimum at 05:00, maximum at 15:00, half-cosines rising over 10 h and falling
// over 14 h, so its mean over the day is 0 and the daily mean equals the monthly mean.
double diurnal_shape(double hour);

// Monthly means + diurnal range: dry-bulb follows diurnal_shape; the month's mean vapour pressure (from
// the mean dry- and wet-bulb) is held through the day, so the wet-bulb swings less than the dry-bulb.
HourlyWeather synthetic_weather(const Site& site);
// The site's hours as the loader set them (EPW or derived), else synthetic_weather() computed now.
std::shared_ptr<const HourlyWeather> site_weather_shared(const Site& site);
HourlyWeather site_weather(const Site& site);

}  // namespace trainsite::models
