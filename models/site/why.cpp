#include "models/site/why.h"

#include <algorithm>
#include <cmath>

namespace trainsite::models {

double log_mean(double a, double b) {
  if (a <= 0 || b <= 0) return 0;
  if (std::abs(a - b) <= 1e-12 * std::max(a, b)) return a;
  return (a - b) / (std::log(a) - std::log(b));
}

namespace {

// LMDI (Ang 2004, "Decomposition analysis for policymaking in energy"): for V = Π x_k, the change
// V_s − V_r = Σ_k L(V_s, V_r)·ln(x_k,s / x_k,r) exactly.
double lmdi(double v_s, double v_r, double x_s, double x_r) {
  if (x_s <= 0 || x_r <= 0) return 0;
  return log_mean(v_s, v_r) * std::log(x_s / x_r);
}

void rank(std::vector<Driver>& d, double total) {
  for (auto& x : d) x.share = total != 0 ? x.delta / total : 0;
  std::stable_sort(d.begin(), d.end(),
                   [](const Driver& a, const Driver& b) { return std::abs(a.delta) > std::abs(b.delta); });
}

}  // namespace

void explain_differences(std::vector<SiteResult>& sites) {
  if (sites.empty()) return;
  const auto ref_it =
      std::min_element(sites.begin(), sites.end(),
                       [](const SiteResult& a, const SiteResult& b) { return a.cost.total < b.cost.total; });
  const SiteResult ref = *ref_it;
  const double ref_months = ref.wall_clock_days / (365.0 / 12.0);
  for (SiteResult& s : sites) {
    Why w;
    w.reference = ref.site;
    w.delta_total = s.cost.total - ref.cost.total;
    w.delta_co2_t = s.co2_t - ref.co2_t;
    if (s.site != ref.site) {
      const std::string cur = s.cost.currency;
      // Energy cost = IT energy × PUE × effective price.
      const double es = s.cost.energy, er = ref.cost.energy;
      w.drivers.push_back({"tariff", lmdi(es, er, s.price_per_kwh, ref.price_per_kwh), 0, s.price_per_kwh,
                           ref.price_per_kwh, cur + "/kWh"});
      w.drivers.push_back({"pue", lmdi(es, er, s.pue, ref.pue), 0, s.pue, ref.pue, "ratio"});
      const double it_part = lmdi(es, er, s.it_energy_mwh, ref.it_energy_mwh);
      // Facility = colocation rate × contracted kW × months; capex ∝ months.
      const double months = s.wall_clock_days / (365.0 / 12.0);
      const double fs = s.cost.facility, fr = ref.cost.facility;
      const double coloc = lmdi(fs, fr, s.colocation_per_kw_month, ref.colocation_per_kw_month);
      const double fac_rest = (fs - fr) - coloc;  // months (and contracted kW, identical hardware)
      w.drivers.push_back({"colocation", coloc, 0, s.colocation_per_kw_month, ref.colocation_per_kw_month,
                           cur + "/kW-month"});
      w.drivers.push_back({"it_energy", it_part, 0, s.it_energy_mwh, ref.it_energy_mwh, "MWh"});
      w.drivers.push_back(
          {"run_duration", fac_rest + (s.cost.capex - ref.cost.capex), 0, months, ref_months, "months"});
      rank(w.drivers, w.delta_total);
      // CO2 = IT energy × PUE × effective carbon factor.
      const double cs = s.co2_t, cr = ref.co2_t;
      w.co2_drivers.push_back({"carbon", lmdi(cs, cr, s.carbon_kg_per_kwh, ref.carbon_kg_per_kwh), 0,
                               s.carbon_kg_per_kwh, ref.carbon_kg_per_kwh, "kgCO2/kWh"});
      w.co2_drivers.push_back({"pue", lmdi(cs, cr, s.pue, ref.pue), 0, s.pue, ref.pue, "ratio"});
      w.co2_drivers.push_back({"it_energy", lmdi(cs, cr, s.it_energy_mwh, ref.it_energy_mwh), 0,
                               s.it_energy_mwh, ref.it_energy_mwh, "MWh"});
      rank(w.co2_drivers, w.delta_co2_t);
    }
    s.why = w;
  }
}

}  // namespace trainsite::models
