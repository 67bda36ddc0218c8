// Calendar-time simulation of a whole training run at one site: hour by hour from the start date until
// the tokens are done, with failures, checkpoints and restarts, hourly weather → PUE → facility power,
// time-of-use cost, CO2 and the site power cap. Pure C++ (weather arrives as hourly arrays), so both
// engines reach it through models::evaluate.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/site/power.h"
#include "models/site/weather.h"

namespace trainsite::models {

// The cluster's facility power exceeds the site's power capacity and the scenario says `refuse`
// (or even the lowest GPU power cannot fit). Bad input: the CLI reports it with exit code 2.
class PowerCapError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Throughput vs GPU power under a power cap: compute-phase speed ∝ (P/P0)^kDeratePowerExponent.
// Dynamic CMOS power is C·V²·f; a cap that lowers the clock at fixed voltage gives speed ∝ power
// (exponent 1), voltage scaling as well gives ∝ power^(1/3). 1 is the conservative end; measured
// LLM-training power capping sits between (Patel et al., "Characterizing Power Management Opportunities
// for LLMs in the Cloud", ASPLOS 2024).
inline constexpr double kDeratePowerExponent = 1.0;

enum class CampaignMode {
  expected,    // analytic: failures, checkpoints and restarts as expected fractions of every hour
  stochastic,  // DES: failures drawn from an exponential law with std::mt19937_64(seed)
};

struct CampaignInputs {
  double work_s = 0;       // training time at full speed (tokens / tokens_per_s)
  double step_time_s = 0;  // iteration time at full power
  double compute_s = 0;    // the part of the step that slows down under a GPU power derate
  ItLoad load;
  double mtbf_s = 1e18;   // cluster mean time between interruptions
  double interval_s = 0;  // checkpoint interval (wall seconds of training)
  double delta_s = 0;     // checkpoint stall
  double restart_s = 0;
  std::uint64_t seed = 1;
  Date start;
  std::string power_cap_policy = "derate";  // derate | refuse
  CampaignMode mode = CampaignMode::expected;
};

struct MonthStat {
  int year = 0, month = 0;
  double hours = 0, it_mwh = 0, facility_mwh = 0, energy_cost = 0, drybulb_sum = 0;
  double pue() const { return it_mwh > 0 ? facility_mwh / it_mwh : 0; }
  double mean_drybulb_c() const { return hours > 0 ? drybulb_sum / hours : 0; }
};

// One calendar day of the run (local time), for the daily time series.
struct DayStat {
  int year = 0, month = 0, day = 0;
  double hours = 0, it_mwh = 0, facility_mwh = 0, energy_cost = 0;
  double pue() const { return it_mwh > 0 ? facility_mwh / it_mwh : 0; }
};

struct CampaignResult {
  double wall_s = 0;
  double useful_s = 0;      // wall time of training whose work was kept
  double lost_s = 0;        // wall time of training redone after failures
  double restart_s = 0;     // wall time restarting
  double checkpoint_s = 0;  // wall time stalled writing checkpoints
  double interruptions = 0, checkpoints = 0;
  double it_mwh = 0, facility_mwh = 0;
  double energy_cost = 0;  // site currency
  double co2_t = 0;
  double peak_facility_mw = 0;
  double derated_hours = 0;
  double min_speed = 1;           // lowest hourly throughput factor under the cap (1 = never derated)
  double free_cooling_hours = 0;  // hours weighted by the economizer fraction
  std::vector<MonthStat> months;
  std::vector<DayStat> days;
  double pue() const { return it_mwh > 0 ? facility_mwh / it_mwh : 0; }
  double goodput() const { return wall_s > 0 ? useful_s / wall_s : 0; }
};

// Throws PowerCapError (refuse, or a cap below what idle-power GPUs need) and std::runtime_error when the
// run cannot finish within 20 years (failures faster than restarts).
CampaignResult run_campaign(const Site& site, const HourlyWeather& weather, const CampaignInputs& in);

// Hour-weighted PUE over a whole weather year: the site's annual PUE at constant load.
double annual_pue(const Site& site, const HourlyWeather& weather);

}  // namespace trainsite::models
