#include "models/site/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>

#include "models/site/reliability.h"
#include "models/site/weather.h"

namespace trainsite::models {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// One input of the tornado: how to read its value at a site and how to scale it in a copy of the
// scenario (or of the iteration) by a multiplier m.
struct Factor {
  std::string id, label;
  std::function<double(const Scenario&, const Site&, const SiteResult&)> value;
  std::function<std::string(const Scenario&, const Site&)> unit;
  std::function<void(Scenario&, Iteration&, double)> apply;
  bool value_from_result = false;  // the input's value at low/high is read from the re-run (PUE)
  bool shared = false;             // a cluster input, the same at every site (break-even moves it everywhere)
};

double server_price(const Scenario& sc) {
  return sc.economics.server_price_usd > 0 ? sc.economics.server_price_usd : sc.cluster.gpu.node_price_usd;
}

const std::vector<Factor>& factors() {
  static const std::vector<Factor> list = {
      {"tariff", "electricity tariff",
       [](const Scenario&, const Site& s, const SiteResult&) { return s.tariff_flat_per_kwh; },
       [](const Scenario&, const Site& s) { return s.currency + "/kWh"; },
       [](Scenario& sc, Iteration&, double m) {
         for (auto& s : sc.sites) {
           s.tariff_flat_per_kwh *= m;
           for (auto& p : s.tou) p.price_per_kwh *= m;
         }
       }},
      // The cooling plant's overheads scale together: the averaged PUE's overhead, fans and pumps,
      // UPS/distribution losses, and the chiller's electric power per unit of heat (1 / COP).
      {"pue", "PUE / cooling overheads",
       [](const Scenario&, const Site&, const SiteResult& r) { return r.pue; },
       [](const Scenario&, const Site&) { return std::string("PUE"); },
       [](Scenario& sc, Iteration&, double m) {
         for (auto& s : sc.sites) {
           s.pue_avg = 1 + (s.pue_avg - 1) * m;
           s.cooling.fan_pump_fraction *= m;
           s.cooling.other_overhead_fraction *= m;
           s.cooling.chiller_cop_rated /= m;
         }
       },
       true},
      {"server_price", "GPU server price",
       [](const Scenario& sc, const Site&, const SiteResult&) { return server_price(sc); },
       [](const Scenario&, const Site&) { return std::string("USD/server"); },
       [](Scenario& sc, Iteration&, double m) { sc.economics.server_price_usd = server_price(sc) * m; },
       false, true},
      {"amortization_years", "server amortization period",
       [](const Scenario& sc, const Site&, const SiteResult&) { return sc.economics.amortization_years; },
       [](const Scenario&, const Site&) { return std::string("years"); },
       [](Scenario& sc, Iteration&, double m) { sc.economics.amortization_years *= m; }, false, true},
      // Achieved MFU × m: every part of the step takes 1/m as long, so the power profile keeps its shape.
      {"mfu", "achieved MFU", [](const Scenario&, const Site&, const SiteResult& r) { return r.mfu; },
       [](const Scenario&, const Site&) { return std::string("fraction of peak"); },
       [](Scenario&, Iteration& it, double m) {
         for (double* t : {&it.compute_s, &it.tp_comm_s, &it.pp_bubble_s, &it.pp_comm_s, &it.dp_comm_s,
                           &it.cp_comm_s, &it.ep_comm_s, &it.io_stall_s, &it.other_s, &it.step_time_s,
                           &it.dp_total_s, &it.p2p_per_microbatch_s})
           *t /= m;
       },
       false, true},
      {"gpu_failure_rate", "GPU failure rate",
       [](const Scenario& sc, const Site&, const SiteResult&) {
         return fail_per_1000_gpu_day(sc.reliability);
       },
       [](const Scenario&, const Site&) { return std::string("per 1000 GPU-days"); },
       [](Scenario& sc, Iteration&, double m) {
         sc.reliability.gpu_fail_per_1000_gpu_day = fail_per_1000_gpu_day(sc.reliability) * m;
       },
       false, true},
      {"colocation", "colocation rent",
       [](const Scenario&, const Site& s, const SiteResult&) { return s.colocation_per_kw_month; },
       [](const Scenario&, const Site& s) { return s.currency + "/kW-month"; },
       [](Scenario& sc, Iteration&, double m) {
         for (auto& s : sc.sites) s.colocation_per_kw_month *= m;
       }},
  };
  return list;
}

// The model at one site with one factor scaled by m. Errors of the changed run (a power cap refused, a
// run that never finishes, an impossible MFU) give nullopt: that value is outside what the site can do.
std::optional<SiteResult> rerun(const Scenario& sc, const Iteration& it, const std::string& engine,
                                const Site& site, const Factor& f, double m) {
  Scenario one = sc;
  one.sites.assign(1, site);
  Iteration changed = it;
  f.apply(one, changed, m);
  try {
    return evaluate(one, changed, engine).sites.front();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Root of g(m) on the ray from m = 1 towards `probe` (where g was already evaluated), within
// [1/kBreakEvenSpan, kBreakEvenSpan]: secant steps until the root is bracketed, then Illinois regula falsi.
// Costs are linear (tariff, rent, price) or close to 1/m (amortization, MFU) in the inputs, so a few
// evaluations suffice.
std::optional<double> find_root(const std::function<double(double)>& g, double g1, double probe,
                                double g_probe, double tol) {
  const bool up = probe > 1;
  const double bound = up ? kBreakEvenSpan : 1 / kBreakEvenSpan;
  double a = 1, ga = g1, b = probe, gb = g_probe;
  for (int i = 0; i < 24 && std::isfinite(gb) && (ga < 0) == (gb < 0) && gb != 0; ++i) {
    if (b == bound) return std::nullopt;
    double next = gb != ga ? b - gb * (b - a) / (gb - ga) : kNaN;
    // Keep marching away from 1, by at least 5 % and at most ×4 per step.
    if (!std::isfinite(next) || (up ? next <= b * 1.05 : next >= b / 1.05)) next = up ? b * 2 : b / 2;
    next = up ? std::min({next, b * 4, bound}) : std::max({next, b / 4, bound});
    a = b, ga = gb;
    b = next, gb = g(b);
  }
  if (!std::isfinite(gb)) return std::nullopt;
  if (gb == 0) return b;
  if ((ga < 0) == (gb < 0)) return std::nullopt;
  for (int i = 0; i < 60; ++i) {
    const double c = b - gb * (b - a) / (gb - ga);
    const double gc = g(c);
    if (!std::isfinite(gc)) return std::nullopt;
    if (std::abs(gc) <= tol || std::abs(b - a) <= 1e-9 * b) return c;
    if ((gc < 0) != (gb < 0))
      a = b, ga = gb;
    else
      ga *= 0.5;
    b = c, gb = gc;
  }
  return b;
}

}  // namespace

const std::vector<std::string>& sensitivity_factors() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> v;
    for (const auto& f : factors()) v.push_back(f.id);
    return v;
  }();
  return ids;
}

std::string factor_confidence(const Scenario& sc, const Site& site, const SensitivityRanges& ranges,
                              const std::string& id) {
  if (ranges.fixed.count(id)) return "";
  if (const auto c = ranges.factor_class.find(id); c != ranges.factor_class.end()) return c->second;
  auto label = [](const std::map<std::string, std::string>& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? std::string("estimate") : it->second;  // unlabelled: treat as an estimate
  };
  if (id == "tariff" || id == "pue" || id == "colocation") return label(site.confidence, id);
  if (id == "server_price")
    return sc.economics.server_price_usd > 0 ? "scenario" : label(sc.cluster.gpu.confidence, "price");
  return "estimate";
}

SensitivityRange factor_range(const SensitivityRanges& ranges, const std::string& id,
                              const std::string& confidence) {
  if (const auto f = ranges.fixed.find(id); f != ranges.fixed.end()) return f->second;
  if (const auto c = ranges.classes.find(confidence); c != ranges.classes.end()) return c->second;
  throw std::invalid_argument("no sensitivity range for '" + id + "' (confidence class '" + confidence +
                              "'); data/sensitivity.yaml lists the ranges");
}

std::vector<SensitivityBar> site_sensitivity(const Scenario& sc, const Iteration& it,
                                             const std::string& engine, const Site& site,
                                             const SiteResult& base, const SensitivityRanges& ranges) {
  std::vector<SensitivityBar> bars;
  for (const Factor& f : factors()) {
    SensitivityBar b;
    b.factor = f.id;
    b.label = f.label;
    b.unit = f.unit(sc, site);
    const std::string conf = factor_confidence(sc, site, ranges, f.id);
    b.confidence = conf.empty() ? "fixed" : conf;
    const SensitivityRange range = factor_range(ranges, f.id, conf);
    b.low_factor = range.low;
    b.high_factor = range.high;
    b.base = f.value(sc, site, base);
    b.cost_base = base.cost.total;
    const auto lo = rerun(sc, it, engine, site, f, range.low),
               hi = rerun(sc, it, engine, site, f, range.high);
    b.cost_low = lo ? lo->cost.total : kNaN;
    b.cost_high = hi ? hi->cost.total : kNaN;
    if (f.value_from_result) {
      b.low = lo ? f.value(sc, site, *lo) : kNaN;
      b.high = hi ? f.value(sc, site, *hi) : kNaN;
    } else {
      b.low = b.base * range.low;
      b.high = b.base * range.high;
    }
    bars.push_back(b);
  }
  return bars;
}

std::vector<std::vector<StartMonthPoint>> start_month_runs(const Scenario& sc, const Iteration& it,
                                                           const std::string& engine) {
  std::vector<std::vector<StartMonthPoint>> out(sc.sites.size());
  const int year = parse_date(sc.economics.start).year;
  for (int month = 1; month <= 12; ++month) {
    Scenario moved = sc;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-01", year, month);
    moved.economics.start = buf;
    // One site at a time, so a site that cannot run in some month (a power cap in summer with policy
    // `refuse`) leaves a gap instead of hiding the others.
    for (size_t i = 0; i < sc.sites.size(); ++i) {
      StartMonthPoint p;
      p.start = buf;
      Scenario one = moved;
      one.sites.assign(1, sc.sites[i]);
      try {
        const SiteResult r = evaluate(one, it, engine).sites.front();
        p.cost_total = r.cost.total;
        p.pue = r.pue;
        p.wall_clock_days = r.wall_clock_days;
        p.energy_mwh = r.energy_mwh;
        p.co2_t = r.co2_t;
      } catch (const std::exception&) {
        p.cost_total = p.pue = p.wall_clock_days = p.energy_mwh = p.co2_t = kNaN;
      }
      out[i].push_back(p);
    }
  }
  return out;
}

std::vector<BreakEven> site_break_even(const Scenario& sc, const Iteration& it, const std::string& engine,
                                       const std::vector<SiteResult>& results, size_t i,
                                       const SensitivityRanges& ranges) {
  std::vector<BreakEven> out;
  if (results.size() < 2 || i >= results.size() || i >= sc.sites.size() || results.size() != sc.sites.size())
    return out;
  // The cheapest site, and the cheapest of the others (the runner-up when i is the cheapest).
  size_t best = 0;
  for (size_t k = 1; k < results.size(); ++k)
    if (results[k].cost.total < results[best].cost.total) best = k;
  size_t other = best;
  if (i == best) {
    other = i == 0 ? 1 : 0;
    for (size_t k = 0; k < results.size(); ++k)
      if (k != i && results[k].cost.total < results[other].cost.total) other = k;
  }
  const SiteResult& me = results[i];
  const Site& site = sc.sites[i];
  const double g1 = me.cost.total - results[other].cost.total;  // < 0 for the cheapest, > 0 for the others
  for (const Factor& f : factors()) {
    BreakEven be;
    be.factor = f.id;
    be.label = f.label;
    be.unit = f.unit(sc, site);
    be.against = results[other].site;
    be.all_sites = f.shared;
    be.base = f.value(sc, site, me);
    const SensitivityRange range = factor_range(ranges, f.id, factor_confidence(sc, site, ranges, f.id));
    // g(m): this site's total minus the other's with the input × m. A site input moves at this site only;
    // a cluster input (the same servers, the same job) moves at both, so only their interaction with
    // the sites' differences can flip the ranking.
    auto g = [&](double m) -> double {
      if (!f.shared) {
        const auto r = rerun(sc, it, engine, site, f, m);
        return r ? r->cost.total - results[other].cost.total : kNaN;
      }
      Scenario pair = sc;
      pair.sites = {sc.sites[i], sc.sites[other]};
      Iteration changed = it;
      f.apply(pair, changed, m);
      try {
        const Result r = evaluate(pair, changed, engine);
        return r.sites[0].cost.total - r.sites[1].cost.total;
      } catch (const std::exception&) {
        return kNaN;
      }
    };
    if (g1 == 0) {
      be.found = true, be.value = be.base, be.change = 0, be.within_range = true;
      out.push_back(be);
      continue;
    }
    // Probe both ends of the range (the tornado's runs for a site input, when the result has them) and
    // march from the end that brings the totals closer.
    double g_hi = kNaN, g_lo = kNaN;
    const auto bar = std::find_if(me.sensitivity.begin(), me.sensitivity.end(),
                                  [&](const SensitivityBar& b) { return b.factor == f.id; });
    if (!f.shared && bar != me.sensitivity.end() && bar->low_factor == range.low &&
        bar->high_factor == range.high) {
      g_hi = bar->cost_high - results[other].cost.total;
      g_lo = bar->cost_low - results[other].cost.total;
    } else {
      g_hi = g(range.high);
      g_lo = g(range.low);
    }
    auto closer = [&](double gx) { return std::isfinite(gx) ? (g1 < 0 ? gx - g1 : g1 - gx) : -INFINITY; };
    std::optional<double> root;
    if (closer(g_hi) > 0 || closer(g_lo) > 0) {
      const bool up = closer(g_hi) >= closer(g_lo);
      root = find_root(g, g1, up ? range.high : range.low, up ? g_hi : g_lo,
                       1e-6 * std::max(1.0, std::abs(results[other].cost.total)));
    }
    if (root) {
      be.found = true;
      be.change = *root - 1;
      be.within_range = *root >= range.low && *root <= range.high;
      if (f.value_from_result) {
        const auto r = rerun(sc, it, engine, site, f, *root);
        be.value = r ? f.value(sc, site, *r) : kNaN;
      } else {
        be.value = be.base * *root;
      }
    }
    out.push_back(be);
  }
  return out;
}

void add_robustness(const Scenario& sc, const SensitivityRanges& ranges, Result& r) {
  const auto months = start_month_runs(sc, r.iteration, r.engine);
  const size_t n = std::min(r.sites.size(), sc.sites.size());
  for (size_t i = 0; i < n; ++i) {
    SiteResult& s = r.sites[i];
    s.sensitivity = site_sensitivity(sc, r.iteration, r.engine, sc.sites[i], s, ranges);
    s.by_start_month = months[i];
  }
  for (size_t i = 0; i < n; ++i)
    r.sites[i].break_even = site_break_even(sc, r.iteration, r.engine, r.sites, i, ranges);
}

}  // namespace trainsite::models
