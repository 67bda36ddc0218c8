#include "models/site/cooling.h"

#include <algorithm>
#include <cmath>

namespace trainsite::models {

namespace {
constexpr double kKelvin = 273.15;
bool wet_side(const Cooling& c) {
  return c.type == "water-economizer" || c.type == "evaporative";
}
}  // namespace

double economizer_temperature_c(const Cooling& c, double tdb, double twb) {
  return wet_side(c) ? twb : tdb;
}

double condenser_entering_c(const Cooling& c, double tdb, double twb) {
  return wet_side(c) ? twb + kTowerApproachK : tdb;
}

double chiller_cop(const Cooling& c, double cond_c) {
  const double offset = wet_side(c) ? kWaterCondenserOffsetK : kAirCondenserOffsetK;
  const double t_evap = c.chw_supply_c - kEvaporatorApproachK + kKelvin;
  auto carnot = [&](double cond) {
    const double lift = std::max(cond + offset + kKelvin - t_evap, kMinimumLiftK);
    return t_evap / lift;
  };
  const double eta = c.chiller_cop_rated / carnot(c.rated_condenser_c);
  return eta * carnot(cond_c);
}

double free_cooling_fraction(const Cooling& c, double t) {
  const double full = c.chw_supply_c - c.economizer_approach_c;
  if (t <= full) return 1.0;
  if (t >= c.chw_supply_c || c.economizer_approach_c <= 0) return 0.0;
  return (c.chw_supply_c - t) / c.economizer_approach_c;
}

CoolingPoint cooling_at(const Cooling& c, double tdb, double twb) {
  CoolingPoint p;
  // Called for every hour of a campaign: decide the plant's side once (a string compare) per call.
  const bool wet = wet_side(c);
  p.free_cooling = free_cooling_fraction(c, wet ? twb : tdb);
  p.cop = chiller_cop(c, wet ? twb + kTowerApproachK : tdb);
  // The chiller removes the heat the economizer cannot: IT heat × (1 − free fraction).
  p.chiller = (1.0 - p.free_cooling) / p.cop;
  p.fan_pump = c.fan_pump_fraction;
  p.other = c.other_overhead_fraction;
  p.pue = 1.0 + p.chiller + p.fan_pump + p.other;
  return p;
}

RackPlan rack_plan(const Site& s, double server_kw, int servers) {
  RackPlan r;
  const double cooling_max = s.cooling.type == "liquid" ? kLiquidRackMaxKw : kAirRackMaxKw;
  r.rack_limit_kw = s.rack_power_limit_kw > 0 ? std::min(s.rack_power_limit_kw, cooling_max) : cooling_max;
  r.servers_per_rack = server_kw > 0 ? int(std::floor(r.rack_limit_kw / server_kw + 1e-9)) : 0;
  r.fits = r.servers_per_rack > 0;
  r.racks = r.fits ? (servers + r.servers_per_rack - 1) / r.servers_per_rack : 0;
  r.floor_m2 = r.racks * kFloorM2PerRack;
  return r;
}

}  // namespace trainsite::models
