// Cooling plant and facility overhead: PUE from outdoor dry/wet-bulb for the site's cooling block,
// and the rack density check.
#pragma once

#include "models/catalog.h"

namespace trainsite::models {

// Refrigerant-side temperatures used by the Carnot-fraction chiller model. Condensing = condenser
// medium entering temperature + rise + approach; evaporating = chilled-water supply − approach.
// Water-cooled: AHRI 550/590 standard rating has condenser water 29.4 → 35.0 °C (5.6 K rise), ~1 K
// condenser approach. Air-cooled: condensing ~15 K above ambient (ASHRAE Handbook HVAC Systems, air-cooled
// condenser design temperature difference 11-17 K). Evaporator approach ~1.5 K (flooded evaporators).
inline constexpr double kWaterCondenserOffsetK = 5.6 + 1.0;
inline constexpr double kAirCondenserOffsetK = 15.0;
inline constexpr double kEvaporatorApproachK = 1.5;
// Chillers keep a minimum refrigerant lift (head-pressure control; centrifugal surge limit), so COP
// stops rising at low condenser temperatures. ~10 K is a common minimum-lift figure (ASHRAE Handbook HVAC
// Systems and Equipment, ch. 43, centrifugal chillers).
inline constexpr double kMinimumLiftK = 10.0;
// Cooling-tower approach: condenser water leaves the tower ~4 K above wet-bulb (data/sites notes.chiller).
inline constexpr double kTowerApproachK = 4.0;

struct CoolingPoint {
  double free_cooling = 0;  // fraction of the heat removed without the chiller (economizer/dry cooler)
  double cop = 0;           // chiller COP at this hour's condenser temperature
  double chiller = 0;       // chiller electric power per unit of IT power
  double fan_pump = 0;      // per unit of IT power
  double other = 0;         // UPS/distribution losses, lighting, per unit of IT power
  double pue = 1;           // 1 + chiller + fan_pump + other
};

// Temperature that sets the chiller's condenser side and the economizer: wet-bulb for cooling-tower
// plants (water-economizer, evaporative), dry-bulb for air-chiller and liquid (dry coolers).
double economizer_temperature_c(const Cooling& c, double drybulb_c, double wetbulb_c);
double condenser_entering_c(const Cooling& c, double drybulb_c, double wetbulb_c);
// Carnot fraction anchored at (chiller_cop_rated, rated_condenser_c): COP = η·T_evap/(T_cond − T_evap).
double chiller_cop(const Cooling& c, double condenser_entering_c);
// 1 when the economizer temperature is below chw_supply − approach, 0 above chw_supply, linear between.
double free_cooling_fraction(const Cooling& c, double economizer_temperature_c);
CoolingPoint cooling_at(const Cooling& c, double drybulb_c, double wetbulb_c);

// Racks: the site's per-rack power limit, capped by what the cooling type can remove from one rack.
// Air cooling ~30 kW/rack with rear-door/containment, liquid ~100 kW (ASHRAE TC9.9 liquid cooling
// guidelines and published DLC rack densities; estimates).
inline constexpr double kAirRackMaxKw = 30.0, kLiquidRackMaxKw = 100.0;
// Whitespace per rack incl. aisles ~2.5 m² (Uptime Institute/ASHRAE planning rule of thumb, estimate).
inline constexpr double kFloorM2PerRack = 2.5;
struct RackPlan {
  double rack_limit_kw = 0;
  int servers_per_rack = 0;  // 0 = a server exceeds the rack limit: the hall must be re-engineered
  int racks = 0;
  double floor_m2 = 0;
  bool fits = false;
};
RackPlan rack_plan(const Site& site, double server_kw, int servers);

}  // namespace trainsite::models
