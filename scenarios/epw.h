// EnergyPlus Weather (EPW) files: 8 header lines (LOCATION, DESIGN CONDITIONS, ..., DATA PERIODS) and
// one comma-separated row per hour (year, month, day, hour 1-24, minute, flags, dry-bulb °C, dew point °C,
// relative humidity %, station pressure Pa, ...). Typical-year files for thousands of stations are
// published by EnergyPlus (energyplus.net/weather) and Climate.OneBuilding.Org.
#pragma once

#include <string>
#include <vector>

#include "models/catalog.h"

namespace trainsite::scenarios {

struct EpwWeather {
  std::string city, country, source;
  double latitude = 0, longitude = 0, timezone_h = 0, elevation_m = 0;
  // 8760 hours of a non-leap year, local standard time, index = models::hour_of_year(month, day, hour-1);
  // a leap-year file's Feb 29 rows are skipped.
  std::vector<double> drybulb_c, dewpoint_c, pressure_kpa, wetbulb_c;
};

// Throws InputError naming file:line:column and the field on anything malformed, missing or truncated.
EpwWeather read_epw(const std::string& path);

// When site.weather_file is set, read it and fill the site's hourly dry/wet-bulb arrays.
void load_site_weather(models::Site& site);

}  // namespace trainsite::scenarios
