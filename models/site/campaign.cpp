#include "models/site/campaign.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "models/site/cooling.h"
#include "models/site/tariff.h"

namespace trainsite::models {

namespace {

constexpr double kMaxYears = 20;

// Conditions of one calendar hour at the site.
struct HourConditions {
  double pue = 1, price = 0, drybulb_c = 0, free_cooling = 0;
  double rate = 1;      // training progress per wall second (1 = full speed)
  double train_kw = 0;  // mean IT power while training this hour
  double peak_kw = 0;   // highest IT power while training (compute phase, after any derate)
};

struct Clock {
  Date d;
  int hour = 0;
  void advance() {
    if (++hour < 24) return;
    hour = 0;
    if (++d.day <= days_in_month(d.year, d.month)) return;
    d.day = 1;
    if (++d.month <= 12) return;
    d.month = 1;
    ++d.year;
  }
};

std::string cap_message(const Site& s, const Clock& c, double it_kw, double pue, const std::string& what) {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "site '%s': facility power %.2f MW (IT %.2f MW x PUE %.3f at %04d-%02d-%02d %02d:00) exceeds "
                "power_capacity_mw %.6g; %s",
                s.id.c_str(), it_kw * pue / 1000.0, it_kw / 1000.0, pue, c.d.year, c.d.month, c.d.day, c.hour,
                s.power_capacity_mw, what.c_str());
  return buf;
}

HourConditions conditions(const Site& s, const HourlyWeather& w, const CampaignInputs& in, const Clock& c) {
  HourConditions h;
  const int i = hour_of_year(c.d.month, c.d.day, c.hour);
  h.drybulb_c = w.drybulb_c[i];
  const CoolingPoint cp = cooling_at(s.cooling, w.drybulb_c[i], w.wetbulb_c[i]);
  h.pue = cp.pue;
  h.free_cooling = cp.free_cooling;
  h.price = tou_price(s, c.d.month, c.hour);
  const ItLoad& l = in.load;
  h.train_kw = l.mean_kw;
  h.peak_kw = l.compute_kw;
  const double cap_kw = s.power_capacity_mw * 1000.0;
  if (cap_kw <= 0 || l.compute_kw * h.pue <= cap_kw) return h;
  if (in.power_cap_policy == "refuse")
    throw PowerCapError(cap_message(s, c, l.compute_kw, h.pue, "power_cap_policy is 'refuse'"));
  // Derate: lower the GPUs' compute-phase power until the facility fits under the cap.
  const double allowed_kw = cap_kw / h.pue;
  const double gpu_w = l.gpu_compute_w - (l.compute_kw - allowed_kw) * 1000.0 / l.gpus;
  if (gpu_w < l.gpu_idle_w || l.idle_kw > allowed_kw)
    throw PowerCapError(
        cap_message(s, c, l.compute_kw, h.pue,
                    "even GPUs capped at their idle power would not fit (power_cap_policy 'derate')"));
  const double speed = std::pow(gpu_w / l.gpu_compute_w, kDeratePowerExponent);
  double t = 0, e = 0;
  for (const auto& seg : l.profile) {
    const bool compute = seg.phase == "compute";
    const double dur = compute ? seg.duration_s / speed : seg.duration_s;
    t += dur;
    e += dur * std::min(seg.it_kw, allowed_kw);
  }
  h.rate = in.step_time_s / t;
  h.train_kw = e / t;
  h.peak_kw = allowed_kw;
  return h;
}

// Uniform in [0, 1) from the top 53 bits: the same numbers on every standard library.
double uniform(std::mt19937_64& rng) {
  return double(rng() >> 11) * 0x1.0p-53;
}

}  // namespace

CampaignResult run_campaign(const Site& site, const HourlyWeather& w, const CampaignInputs& in) {
  CampaignResult r;
  std::mt19937_64 rng(in.seed);
  const bool draw = in.mode == CampaignMode::stochastic;
  auto next_failure = [&] { return -in.mtbf_s * std::log(1.0 - uniform(rng)); };
  const double tau = std::max(in.interval_s, 1.0);
  // Expected mode: fractions of every wall second (Daly 2006 first order, as models::expected_goodput).
  const double waste = in.delta_s / tau + (tau / 2.0 + in.restart_s) / in.mtbf_s;
  const double g = 1.0 / (1.0 + waste);
  const double f_lost = g * tau / (2.0 * in.mtbf_s), f_ckpt = g * in.delta_s / tau,
               f_restart = g * in.restart_s / in.mtbf_s;

  enum class State { train, checkpoint, restart } st = State::train;
  double t = 0, progress = 0, pending = 0, pending_wall = 0, since_ckpt = 0, state_left = 0;
  double fail_at = draw ? next_failure() : 0;
  bool done = in.work_s <= 0;
  Clock clock{in.start, 0};
  const double max_hours = kMaxYears * 8766;
  for (int h = 0; !done; ++h, clock.advance()) {
    if (h >= max_hours)
      throw std::runtime_error("site '" + site.id +
                               "': the run does not finish within 20 years (failures every " +
                               std::to_string(in.mtbf_s / 3600.0) + " h vs restarts of " +
                               std::to_string(in.restart_s / 3600.0) + " h)");
    const HourConditions c = conditions(site, w, in, clock);
    const double hour_start = t, hour_end = (h + 1) * 3600.0;
    double it_kwh = 0;
    if (!draw) {
      const double left = in.work_s - progress;
      const double dt = std::min(3600.0, left / (g * c.rate));
      progress += dt * g * c.rate;
      r.useful_s += dt * g;
      r.lost_s += dt * f_lost;
      r.checkpoint_s += dt * f_ckpt;
      r.restart_s += dt * f_restart;
      r.interruptions += dt / in.mtbf_s;
      r.checkpoints += dt * g / tau;
      it_kwh = dt / 3600.0 * ((g + f_lost) * c.train_kw + (f_ckpt + f_restart) * in.load.idle_kw);
      t += dt;
      done = dt < 3600.0 || progress >= in.work_s * (1 - 1e-12);
    }
    while (draw && !done && t < hour_end) {
      double dt = std::min(hour_end, fail_at) - t;
      if (st == State::train) {
        const double to_done = (in.work_s - progress - pending) / c.rate;
        dt = std::min({dt, tau - since_ckpt, to_done});
        pending += dt * c.rate;
        pending_wall += dt;
        since_ckpt += dt;
        it_kwh += c.train_kw * dt / 3600.0;
        t += dt;
        if (dt >= to_done) {  // the last iteration ends: the run is done
          progress += pending;
          r.useful_s += pending_wall;
          done = true;
          break;
        }
      } else {
        dt = std::min(dt, state_left);
        state_left -= dt;
        (st == State::checkpoint ? r.checkpoint_s : r.restart_s) += dt;
        it_kwh += in.load.idle_kw * dt / 3600.0;
        t += dt;
      }
      if (t >= fail_at) {  // a failure: lose the work since the last checkpoint, restart
        r.interruptions += 1;
        r.lost_s += pending_wall;
        pending = pending_wall = since_ckpt = 0;
        st = State::restart;
        state_left = in.restart_s;
        fail_at = t + next_failure();
      } else if (st == State::train && since_ckpt >= tau) {
        st = State::checkpoint;
        state_left = in.delta_s;
      } else if (st != State::train && state_left <= 0) {
        if (st == State::checkpoint) {
          progress += pending;
          r.useful_s += pending_wall;
          r.checkpoints += 1;
          pending = pending_wall = since_ckpt = 0;
        }
        st = State::train;
      }
    }
    // Hourly accounting: weather → PUE → facility energy, TOU cost, CO2, monthly series.
    const double hours = (t - hour_start) / 3600.0;
    const double facility_kwh = it_kwh * c.pue;
    r.it_mwh += it_kwh / 1000.0;
    r.facility_mwh += facility_kwh / 1000.0;
    r.energy_cost += facility_kwh * c.price;
    r.co2_t += facility_kwh * site.carbon_kg_per_kwh * (1.0 - site.green_share) / 1000.0;
    r.peak_facility_mw = std::max(r.peak_facility_mw, c.peak_kw * c.pue / 1000.0);
    r.free_cooling_hours += c.free_cooling * hours;
    if (c.rate < 1.0) {
      r.derated_hours += hours;
      r.min_speed = std::min(r.min_speed, c.rate);
    }
    if (r.months.empty() || r.months.back().year != clock.d.year || r.months.back().month != clock.d.month)
      r.months.push_back({clock.d.year, clock.d.month});
    MonthStat& m = r.months.back();
    m.hours += hours;
    m.it_mwh += it_kwh / 1000.0;
    m.facility_mwh += facility_kwh / 1000.0;
    m.energy_cost += facility_kwh * c.price;
    m.drybulb_sum += c.drybulb_c * hours;
    if (r.days.empty() || r.days.back().day != clock.d.day || r.days.back().month != clock.d.month ||
        r.days.back().year != clock.d.year)
      r.days.push_back({clock.d.year, clock.d.month, clock.d.day});
    DayStat& day = r.days.back();
    day.hours += hours;
    day.it_mwh += it_kwh / 1000.0;
    day.facility_mwh += facility_kwh / 1000.0;
    day.energy_cost += facility_kwh * c.price;
  }
  r.wall_s = t;
  return r;
}

double annual_pue(const Site& site, const HourlyWeather& w) {
  double sum = 0;
  for (int i = 0; i < kHoursPerYear; ++i) sum += cooling_at(site.cooling, w.drybulb_c[i], w.wetbulb_c[i]).pue;
  return sum / kHoursPerYear;
}

}  // namespace trainsite::models
