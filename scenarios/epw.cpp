#include "scenarios/epw.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>

#include "models/site/weather.h"
#include "scenarios/errors.h"

namespace trainsite::scenarios {

namespace {

constexpr int kHeaderLines = 8;
// EPW "missing" codes (EnergyPlus Auxiliary Programs, Weather Converter, EPW data dictionary).
constexpr double kMissingTemp = 99.9, kMissingRh = 999, kMissingPressure = 999999;

struct Fields {
  std::vector<std::string> v;
  std::vector<int> col;  // 1-based column of each field
};

Fields split(const std::string& line) {
  Fields f;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    f.v.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    f.col.push_back(int(start) + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return f;
}

}  // namespace

EpwWeather read_epw(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError({path, 0, 0}, "weather_file", "cannot open EPW weather file");
  EpwWeather w;
  w.source = path;
  std::string line;
  int lineno = 0;
  auto number = [&](const Fields& f, size_t i, const char* field) {
    if (i >= f.v.size())
      throw InputError({path, lineno, 1}, field,
                       fmt::format("row has {} fields, {} needs field {}", f.v.size(), field, i + 1));
    double x = 0;
    std::string s = f.v[i];
    while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.pop_back();
    const size_t lead = s.find_first_not_of(' ');
    s = lead == std::string::npos ? "" : s.substr(lead);
    const char* b = s.data() + (s.size() && s[0] == '+' ? 1 : 0);
    const auto r = std::from_chars(b, s.data() + s.size(), x);
    if (s.empty() || r.ec != std::errc{} || r.ptr != s.data() + s.size())
      throw InputError({path, lineno, f.col[i]}, field, fmt::format("expected a number, got '{}'", f.v[i]));
    return x;
  };
  for (; lineno < kHeaderLines;) {
    if (!std::getline(in, line))
      throw InputError({path, lineno, 1}, "header",
                       fmt::format("truncated EPW file: {} of {} header lines", lineno, kHeaderLines));
    ++lineno;
    if (lineno == 1) {
      if (line.rfind("LOCATION", 0) != 0)
        throw InputError({path, 1, 1}, "LOCATION",
                         "not an EPW file: the first line must start with LOCATION");
      const Fields f = split(line);
      if (f.v.size() < 10) throw InputError({path, 1, 1}, "LOCATION", "expected 10 fields");
      w.city = f.v[1];
      w.country = f.v[3];
      w.latitude = number(f, 6, "latitude");
      w.longitude = number(f, 7, "longitude");
      w.timezone_h = number(f, 8, "timezone");
      w.elevation_m = number(f, 9, "elevation");
    }
    if (lineno == kHeaderLines && line.rfind("DATA PERIODS", 0) != 0)
      throw InputError({path, lineno, 1}, "DATA PERIODS", "expected the DATA PERIODS header on line 8");
  }
  const int n = models::kHoursPerYear;
  w.drybulb_c.assign(n, 0);
  w.dewpoint_c.assign(n, 0);
  w.pressure_kpa.assign(n, 0);
  w.wetbulb_c.assign(n, 0);
  std::vector<char> seen(n, 0);
  int rows = 0;
  const double p_std = models::station_pressure_kpa(w.elevation_m);
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    const Fields f = split(line);
    if (f.v.size() < 10)
      throw InputError({path, lineno, 1}, "row",
                       fmt::format("expected at least 10 fields, got {}", f.v.size()));
    const int month = int(number(f, 1, "month")), day = int(number(f, 2, "day")),
              hour = int(number(f, 3, "hour"));
    if (month < 1 || month > 12)
      throw InputError({path, lineno, f.col[1]}, "month", fmt::format("bad month {}", month));
    if (day < 1 || day > models::days_in_month(2024, month))
      throw InputError({path, lineno, f.col[2]}, "day", fmt::format("bad day {} for month {}", day, month));
    if (hour < 1 || hour > 24)
      throw InputError({path, lineno, f.col[3]}, "hour", fmt::format("bad hour {} (1-24)", hour));
    if (month == 2 && day == 29) continue;
    const double db = number(f, 6, "dry_bulb");
    if (db >= kMissingTemp || db < -90)
      throw InputError({path, lineno, f.col[6]}, "dry_bulb",
                       fmt::format("missing or impossible dry-bulb {}", db));
    double dp = number(f, 7, "dew_point");
    const double rh = number(f, 8, "relative_humidity");
    double p = number(f, 9, "pressure");
    p = p >= kMissingPressure || p <= 0 ? p_std : p / 1000.0;
    double e;
    if (dp < kMissingTemp) {
      e = models::saturation_vapour_pressure_kpa(dp);
    } else if (rh < kMissingRh) {
      e = models::saturation_vapour_pressure_kpa(db) * rh / 100.0;
    } else {
      throw InputError({path, lineno, f.col[7]}, "dew_point", "dew point and relative humidity both missing");
    }
    const int i = models::hour_of_year(month, day, hour - 1);
    if (seen[i]++)
      throw InputError({path, lineno, 1}, "row",
                       fmt::format("hour {:02d}-{:02d} {} appears twice", month, day, hour));
    w.drybulb_c[i] = db;
    w.dewpoint_c[i] = dp < kMissingTemp ? dp : db;
    w.pressure_kpa[i] = p;
    w.wetbulb_c[i] = models::wetbulb_from_vapour_pressure_c(db, e, p);
    ++rows;
  }
  if (rows != n)
    throw InputError({path, lineno, 1}, "data",
                     fmt::format("truncated EPW file: {} hourly rows, expected {} (one year)", rows, n));
  return w;
}

void load_site_weather(models::Site& site) {
  if (site.weather_file.empty()) return;
  const EpwWeather w = read_epw(site.weather_file);
  site.hourly = std::make_shared<const models::HourlyWeather>(
      models::HourlyWeather{w.drybulb_c, w.wetbulb_c, "epw:" + site.weather_file});
}

}  // namespace trainsite::scenarios
