// The scenario report: the decision on page 1 (question, two-sentence answer, key figures per site, the
// cost chart), then what drives the answer (tornado and break-even), when to start (12 start months),
// the run day by day, the iteration breakdown, assumptions and sources. Numbers come from the result
// (models::evaluate + models::add_robustness); this file only words and arranges them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "models/site/reliability.h"
#include "models/site/sensitivity.h"
#include "models/site/weather.h"
#include "reports/report.h"

namespace trainsite::reports {

using namespace trainsite::models;

namespace {

const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string money(double v, const std::string& cur) {
  return thousands(v) + " " + cur;
}

std::string percent(double fraction, int decimals = 1) {
  return fmt::format("{:+.{}f} %", 100 * fraction, decimals);
}

// "2026-01-05" -> "Jan 5"
std::string short_date(const std::string& iso) {
  if (iso.size() < 10) return iso;
  const int m = std::stoi(iso.substr(5, 2)), d = std::stoi(iso.substr(8, 2));
  return m >= 1 && m <= 12 ? fmt::format("{} {}", kMonths[m - 1], d) : iso;
}

// An input's value in its unit, as a reader expects it ("0.330 CNY/kWh", "52.8 % MFU", "PUE 1.112").
std::string input_number(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit == "fraction of peak") return fmt::format("{:.1f}", 100 * v);
  if (unit == "PUE") return fmt::format("{:.3f}", v);
  if (unit == "years") return fmt::format("{:.1f}", v);
  if (unit == "per 1000 GPU-days") return fmt::format("{:.3f}", v);
  if (unit.find("/kWh") != std::string::npos) return fmt::format("{:.3f}", v);
  return thousands(v, std::abs(v) < 100 ? 2 : 0);
}

std::string input_with_unit(const std::string& number, const std::string& unit) {
  if (unit == "fraction of peak") return number + " % MFU";
  if (unit == "PUE") return "PUE " + number;
  if (unit == "per 1000 GPU-days") return number + " per 1,000 GPU-days";
  return number + " " + unit;
}

std::string input_text(double v, const std::string& unit) {
  return std::isfinite(v) ? input_with_unit(input_number(v, unit), unit) : "-";
}

std::string range_text(double lo, double hi, const std::string& unit) {
  return input_with_unit(input_number(std::min(lo, hi), unit) + "-" + input_number(std::max(lo, hi), unit),
                         unit);
}

size_t cheapest_index(const std::vector<SiteResult>& s) {
  size_t c = 0;
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i].cost.total < s[c].cost.total) c = i;
  return c;
}

size_t runner_up_index(const std::vector<SiteResult>& s, size_t c) {
  size_t r = c == 0 ? 1 : 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (i != c && s[i].cost.total < s[r].cost.total) r = i;
  return r;
}

// The nearest break-even over all sites: inside its plausible range first, then the smallest |change|.
const BreakEven* nearest_break_even(const std::vector<SiteResult>& sites, std::string* at_site) {
  const BreakEven* best = nullptr;
  auto better = [](const BreakEven& b, const BreakEven* than) {
    if (!than) return true;
    if (b.within_range != than->within_range) return b.within_range;
    // Distance as a ratio: x2 and x0.5 are equally far.
    return std::abs(std::log1p(b.change)) < std::abs(std::log1p(than->change));
  };
  for (const auto& s : sites)
    for (const auto& b : s.break_even)
      if (b.found && better(b, best)) best = &b, *at_site = s.site;
  return best;
}

// Start months in which the cheapest site of the base run is not the cheapest.
std::vector<std::string> months_flipped(const std::vector<SiteResult>& sites, size_t c) {
  std::vector<std::string> out;
  for (size_t m = 0; m < 12; ++m) {
    if (sites[c].by_start_month.size() != 12) return {};
    const double mine = sites[c].by_start_month[m].cost_total;
    for (size_t i = 0; i < sites.size(); ++i)
      if (i != c && sites[i].by_start_month.size() == 12 && sites[i].by_start_month[m].cost_total < mine) {
        out.push_back(kMonths[m]);
        break;
      }
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& last_sep = " and ") {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i == 0 ? "" : i + 1 == v.size() ? last_sep : ", ") + v[i];
  return out;
}

// "ulanqab" -> "Ulanqab" at the start of a sentence.
std::string capitalized(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = char(s[0] - 'a' + 'A');
  return s;
}

std::string answer_text(const Scenario& sc, const Result& r) {
  const auto& s = r.sites;
  const size_t c = cheapest_index(s);
  const SiteResult& a = s[c];
  const std::string cur = a.cost.currency;
  const bool robust = !a.sensitivity.empty();
  if (s.size() == 1) {
    std::string first = fmt::format(
        "{} runs the job in {:.1f} wall-clock days for {} all-in ({} per million tokens), of which the "
        "data-centre bill (energy + colocation) is {}.",
        capitalized(a.site), a.wall_clock_days, money(a.cost.total, cur),
        fmt::format("{:.2f} {}", a.cost_per_million_tokens, cur), money(a.cost.datacenter, cur));
    if (!robust) return first + " The sensitivity of this answer was not computed.";
    const auto big =
        std::max_element(a.sensitivity.begin(), a.sensitivity.end(), [](const auto& x, const auto& y) {
          return std::abs(x.cost_high - x.cost_low) < std::abs(y.cost_high - y.cost_low);
        });
    return first + fmt::format(" The largest driver is the {}: {} to {} across its plausible range.",
                               big->label, money(std::min(big->cost_low, big->cost_high), cur),
                               money(std::max(big->cost_low, big->cost_high), cur));
  }
  const size_t ru = runner_up_index(s, c);
  const SiteResult& b = s[ru];
  std::string first = fmt::format(
      "{} is the cheaper site: {} all-in for {:.1f} wall-clock days, {} ({:.1f} %) less than {}{}; on the "
      "data-centre bill alone (energy + colocation, without the servers) it is {:.0f} % cheaper.",
      capitalized(a.site), money(a.cost.total, cur), a.wall_clock_days,
      money(b.cost.total - a.cost.total, cur), 100 * (1 - a.cost.total / b.cost.total), b.site,
      s.size() > 2 ? ", the runner-up" : "", 100 * (1 - a.cost.datacenter / b.cost.datacenter));
  if (!robust) return first + " The sensitivity of this answer was not computed.";
  std::string at;
  const BreakEven* be = nearest_break_even(s, &at);
  const auto flipped = months_flipped(s, c);
  const int year = parse_date(sc.economics.start).year;
  std::string months = flipped.empty()
                           ? fmt::format("for every start month of {}", year)
                           : fmt::format("except for a start in {} {}", join(flipped, " or "), year);
  if (be && be->within_range)
    return first +
           fmt::format(
               " This is not robust: {} at {} moving {} (to {}), inside its plausible range, would make "
               "{} cheaper; the ranking holds {}.",
               be->label, at, percent(be->change, 0), input_text(be->value, be->unit),
               at == a.site ? be->against : at, months);
  if (be)
    return first + fmt::format(
                       " It holds {} and with any one input anywhere in its plausible range; the nearest "
                       "break-even is {} at {} moving {} (to {}).",
                       months, be->label, at, percent(be->change, 0), input_text(be->value, be->unit));
  return first + fmt::format(" It holds {} and with any one input moved between x0.1 and x10.", months);
}

Section decision(const Result& r) {
  Section sec{"decision", "The decision", {}, false};
  const auto& s = r.sites;
  const size_t c = cheapest_index(s);
  const std::string cur = s[c].cost.currency;
  Table t{"Key figures per site", {""}, {}};
  for (const auto& x : s) t.header.push_back(x.site);
  auto row = [&](const std::string& label, auto cell) {
    std::vector<std::string> cells{label};
    for (const auto& x : s) cells.push_back(cell(x));
    t.rows.push_back(cells);
  };
  auto vs_cheapest = [&](double v, double ref) {
    return s.size() > 1 && ref > 0 && v != ref ? fmt::format(" ({})", percent(v / ref - 1, 0))
                                               : std::string();
  };
  row("wall-clock days", [](const SiteResult& x) { return fmt::format("{:.1f}", x.wall_clock_days); });
  row("MFU", [](const SiteResult& x) { return fmt::format("{:.1f} %", 100 * x.mfu); });
  row("energy (MWh)", [](const SiteResult& x) { return thousands(x.energy_mwh); });
  row("PUE over the run", [](const SiteResult& x) { return fmt::format("{:.3f}", x.pue); });
  row("CO2 (t)", [](const SiteResult& x) { return thousands(x.co2_t); });
  row("energy cost (" + cur + ")", [](const SiteResult& x) { return thousands(x.cost.energy); });
  row("colocation / facility (" + cur + ")", [](const SiteResult& x) { return thousands(x.cost.facility); });
  row("amortized servers, network, storage (" + cur + ")",
      [](const SiteResult& x) { return thousands(x.cost.capex); });
  row("data-centre cost: energy + facility (" + cur + ")", [&](const SiteResult& x) {
    return thousands(x.cost.datacenter) + vs_cheapest(x.cost.datacenter, s[c].cost.datacenter);
  });
  row("all-in total cost (" + cur + ")", [&](const SiteResult& x) {
    return thousands(x.cost.total) + vs_cheapest(x.cost.total, s[c].cost.total);
  });
  row("cost per million tokens (" + cur + ")",
      [](const SiteResult& x) { return fmt::format("{:.2f}", x.cost_per_million_tokens); });
  sec.blocks.push_back(t);
  Chart cost{"stacked-bars",
             "Cost per site (" + cur + ")",
             "site",
             "cost (" + cur + ")",
             {},
             {{"energy", {}}, {"colocation", {}}, {"servers (amortized)", {}}}};
  for (const auto& x : s) {
    cost.categories.push_back(x.site);
    cost.series[0].values.push_back(x.cost.energy);
    cost.series[1].values.push_back(x.cost.facility);
    cost.series[2].values.push_back(x.cost.capex);
  }
  sec.blocks.push_back(cost);
  return sec;
}

Section sensitivity(const Result& r) {
  Section sec{"sensitivity", "What drives the answer", {}, true};
  const auto& s = r.sites;
  if (s.front().sensitivity.empty()) {
    sec.blocks.push_back(std::string("Not computed for this report (models::add_robustness was not run)."));
    return sec;
  }
  const size_t c = cheapest_index(s);
  const std::string cur = s[c].cost.currency;
  sec.blocks.push_back(
      std::string("Each bar re-runs the whole model (campaign, cost, CO2) with one input at the low and at "
                  "the high end of "
                  "its plausible range, all other inputs unchanged. The range follows the confidence of the "
                  "figure behind "
                  "the input in data/ (a cited figure moves less than a typical one, a typical one less than "
                  "an estimate; "
                  "data/sensitivity.yaml gives the ranges and their basis); achieved MFU moves by 10 %. The "
                  "dashed line is "
                  "the other site's total: a bar that crosses it flips the decision."));
  for (size_t i = 0; i < s.size(); ++i) {
    const SiteResult& x = s[i];
    std::vector<const SensitivityBar*> bars;
    for (const auto& b : x.sensitivity) bars.push_back(&b);
    std::stable_sort(bars.begin(), bars.end(), [](const auto* a, const auto* b) {
      auto swing = [](const SensitivityBar* v) {
        return std::isfinite(v->cost_high - v->cost_low) ? std::abs(v->cost_high - v->cost_low) : 0.0;
      };
      return swing(a) > swing(b);
    });
    Chart tor{"tornado",
              fmt::format("{}: total cost with one input at its low / high value ({})", x.site, cur),
              "total cost (" + cur + ")",
              "",
              {},
              {{"input at its low value", {}}, {"input at its high value", {}}}};
    tor.reference = x.cost.total;
    for (const auto* b : bars) {
      tor.categories.push_back(fmt::format("{} ({})\n{}", b->label,
                                           b->confidence == "fixed" ? "set range" : b->confidence,
                                           range_text(b->low, b->high, b->unit)));
      tor.series[0].values.push_back(b->cost_low);
      tor.series[1].values.push_back(b->cost_high);
    }
    if (s.size() > 1) {
      const size_t other = i == c ? runner_up_index(s, c) : c;
      tor.markers.push_back({s[other].cost.total, s[other].site + " total"});
    }
    sec.blocks.push_back(tor);
  }
  if (s.size() > 1) {
    Table be{"Break-even: how far one input must move to flip the ranking, all else unchanged",
             {"input", "at", "now", "break-even", "change", "flips against", "inside its range?"},
             {}};
    // Site inputs at each site; cluster inputs (the same servers and job everywhere) once, moved at both.
    for (size_t i = 0; i < s.size(); ++i)
      for (const auto& b : s[i].break_even) {
        if (b.all_sites && i != c) continue;
        be.rows.push_back(
            {b.label, b.all_sites ? "all sites" : s[i].site, input_text(b.base, b.unit),
             b.found ? input_text(b.value, b.unit)
                     : fmt::format("no flip between x{:.1f} and x{:.0f}", 1 / kBreakEvenSpan, kBreakEvenSpan),
             b.found ? percent(b.change, 0) : "-", b.all_sites ? s[c].site + " vs " + b.against : b.against,
             b.found ? (b.within_range ? "yes" : "no") : "-"});
      }
    sec.blocks.push_back(be);
  }
  return sec;
}

Section start_months(const Scenario& sc, const Result& r) {
  Section sec{"start-month", "When to start", {}, false};
  const auto& s = r.sites;
  if (s.front().by_start_month.size() != 12) {
    sec.blocks.push_back(std::string("Not computed for this report (models::add_robustness was not run)."));
    return sec;
  }
  const std::string cur = s.front().cost.currency;
  const int year = parse_date(sc.economics.start).year;
  sec.blocks.push_back(fmt::format(
      "The same job started on the 1st of each month of {}: the hourly weather year (free cooling, chiller "
      "load) and the tariff calendar (time-of-use periods, summer surcharges) move with the start date; "
      "failures, step time and prices do not.",
      year));
  Chart cost{
      "lines", fmt::format("Total cost by start month ({})", cur), "start month", "cost (" + cur + ")", {},
      {}};
  Chart pue{"lines", "PUE over the run by start month", "start month", "PUE", {}, {}};
  for (const char* m : kMonths) cost.categories.push_back(m);
  pue.categories = cost.categories;
  for (const auto& x : s) {
    Series c{x.site, {}}, p{x.site, {}};
    for (const auto& m : x.by_start_month) c.values.push_back(m.cost_total), p.values.push_back(m.pue);
    cost.series.push_back(c);
    pue.series.push_back(p);
  }
  sec.blocks.push_back(cost);
  sec.blocks.push_back(pue);
  // Up to three sites side by side; more in long form, so the table stays within a page.
  Table t{"Cost, PUE and wall-clock days by start month", {"start"}, {}};
  if (s.size() <= 3) {
    for (const auto& x : s)
      for (const std::string& h : std::vector<std::string>{" cost (" + cur + ")", " PUE", " days"})
        t.header.push_back(x.site + h);
    for (size_t m = 0; m < 12; ++m) {
      std::vector<std::string> row{s.front().by_start_month[m].start};
      for (const auto& x : s) {
        const auto& p = x.by_start_month[m];
        row.push_back(thousands(p.cost_total));
        row.push_back(fmt::format("{:.3f}", p.pue));
        row.push_back(fmt::format("{:.1f}", p.wall_clock_days));
      }
      t.rows.push_back(row);
    }
  } else {
    t.header = {"start", "site", "cost (" + cur + ")", "PUE", "days"};
    for (size_t m = 0; m < 12; ++m)
      for (const auto& x : s) {
        const auto& p = x.by_start_month[m];
        t.rows.push_back({p.start, x.site, thousands(p.cost_total), fmt::format("{:.3f}", p.pue),
                          fmt::format("{:.1f}", p.wall_clock_days)});
      }
  }
  sec.blocks.push_back(t);
  return sec;
}

Section daily(const Scenario& sc, const Result& r) {
  Section sec{"daily", "Over the run, day by day", {}, false};
  const auto& s = r.sites;
  const std::string cur = s.front().cost.currency;
  size_t days = 0, longest = 0;
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i].daily.size() > days) days = s[i].daily.size(), longest = i;
  if (days == 0) {
    sec.blocks.push_back(std::string("This result has no daily campaign data."));
    return sec;
  }
  sec.blocks.push_back(
      fmt::format("The campaign hour by hour from {}, summed per day: mean IT power (GPUs, servers, network, "
                  "storage; lower "
                  "while checkpointing or restarting), facility power (IT x the hour's PUE from the weather) "
                  "and the cost "
                  "accrued so far (energy at the hour's tariff, plus amortized servers and colocation per "
                  "hour of the run).",
                  sc.economics.start));
  Chart power{"lines", "Daily mean power (MW)", "day", "MW", {}, {}};
  Chart pue{"lines", "Daily PUE", "day", "PUE", {}, {}};
  Chart cost{"lines", fmt::format("Cumulative cost ({})", cur), "day", "cost (" + cur + ")", {}, {}};
  for (const auto& d : s[longest].daily) power.categories.push_back(short_date(d.date));
  pue.categories = cost.categories = power.categories;
  for (const auto& x : s) {
    Series it{x.site + " IT", {}}, fac{x.site + " facility", {}}, p{x.site, {}}, c{x.site, {}};
    for (size_t k = 0; k < days; ++k) {
      const bool has = k < x.daily.size();
      it.values.push_back(has ? x.daily[k].it_mw : NAN);
      fac.values.push_back(has ? x.daily[k].facility_mw : NAN);
      p.values.push_back(has ? x.daily[k].pue : NAN);
      c.values.push_back(has ? x.daily[k].cost_cumulative : NAN);
    }
    power.series.push_back(fac);
    power.series.push_back(it);
    pue.series.push_back(p);
    cost.series.push_back(c);
  }
  sec.blocks.push_back(power);
  sec.blocks.push_back(pue);
  sec.blocks.push_back(cost);
  return sec;
}

// Monthly PUE and energy: only for runs of three months or more (a shorter run is one or two dots).
std::optional<Section> monthly(const Result& r) {
  size_t months = 0;
  for (const auto& x : r.sites) months = std::max(months, x.monthly.size());
  if (months < 3) return std::nullopt;
  Section sec{"monthly", "Month by month", {}, false};
  Chart pue{"lines", "Monthly PUE", "month", "PUE", {}, {}};
  Chart energy{"lines", "Monthly facility energy (MWh)", "month", "MWh", {}, {}};
  for (const auto& x : r.sites)
    if (x.monthly.size() == months) {
      for (const auto& m : x.monthly) pue.categories.push_back(m.month);
      break;
    }
  energy.categories = pue.categories;
  for (const auto& x : r.sites) {
    Series p{x.site, {}}, e{x.site, {}};
    for (size_t i = 0; i < months; ++i) {
      p.values.push_back(i < x.monthly.size() ? x.monthly[i].pue : NAN);
      e.values.push_back(i < x.monthly.size() ? x.monthly[i].energy_mwh : NAN);
    }
    pue.series.push_back(p);
    energy.series.push_back(e);
  }
  sec.blocks.push_back(pue);
  sec.blocks.push_back(energy);
  return sec;
}

Section breakdown(const Result& r) {
  const auto& it = r.iteration;
  Section sec{"breakdown", "One training step", {}, false};
  Chart br{"stacked-bars",
           fmt::format("Iteration time breakdown ({:.2f} s per step)", it.step_time_s),
           "",
           "seconds per step",
           {"iteration"},
           {}};
  for (const auto& [name, v] :
       std::vector<std::pair<std::string, double>>{{"compute", it.compute_s},
                                                   {"TP comm", it.tp_comm_s},
                                                   {"PP bubble", it.pp_bubble_s},
                                                   {"PP p2p", it.pp_comm_s},
                                                   {"DP comm (exposed)", it.dp_comm_s},
                                                   {"CP comm", it.cp_comm_s},
                                                   {"EP comm", it.ep_comm_s},
                                                   {"I/O stall", it.io_stall_s},
                                                   {"other", it.other_s}})
    if (v > 0) br.series.push_back({name, {v}});
  sec.blocks.push_back(br);
  return sec;
}

}  // namespace

ReportData scenario_report(const Scenario& sc, const Result& r, const Catalog* catalog) {
  ReportData d;
  d.title = sc.name;
  std::string site_list;
  for (const auto& s : sc.sites) site_list += (site_list.empty() ? "" : ", ") + s.id;
  d.question = fmt::format(
      "Where, how long and at what cost: training {} on {} tokens with {} × {} ({} GPUs, tp={} pp={}) at {}, "
      "starting {}?",
      sc.workload.model.id, thousands(sc.workload.tokens / 1e9) + "B", sc.cluster.nodes, sc.cluster.gpu.id,
      thousands(sc.cluster.gpus()), sc.parallelism.tp, sc.parallelism.pp, site_list, sc.economics.start);
  if (r.sites.empty()) return d;
  d.answer = answer_text(sc, r);
  d.sections.push_back(decision(r));
  d.sections.push_back(sensitivity(r));
  d.sections.push_back(start_months(sc, r));
  d.sections.push_back(daily(sc, r));
  if (auto m = monthly(r)) d.sections.push_back(*m);
  d.sections.push_back(breakdown(r));

  const auto& it = r.iteration;
  d.assumptions = {
      {"model", fmt::format("{} ({} layers, hidden {}, seq {})", sc.workload.model.id,
                            sc.workload.model.layers, sc.workload.model.hidden, sc.workload.model.seq_len)},
      {"tokens", thousands(sc.workload.tokens)},
      {"global batch", fmt::format("{} sequences", thousands(sc.workload.global_batch))},
      {"precision", to_string(sc.workload.precision)},
      {"cluster", fmt::format("{} nodes × {} {} = {} GPUs", thousands(sc.cluster.nodes),
                              sc.cluster.gpus_per_node, sc.cluster.gpu.id, thousands(sc.cluster.gpus()))},
      {"layout", fmt::format("tp={} pp={} dp={} cp={} ep={} micro_batch={} virtual stages={}",
                             sc.parallelism.tp, sc.parallelism.pp, it.dp, sc.parallelism.cp,
                             sc.parallelism.ep, sc.parallelism.micro_batch, it.virtual_stages)},
      {"fabric",
       fmt::format("{} {} × {} Gb/s per node, {}", sc.cluster.fabric.kind, sc.cluster.fabric.nics_per_node,
                   sc.cluster.fabric.nic_gbps, sc.cluster.fabric.topology)},
      {"GPU failures", fmt::format("{:.3f} per 1,000 GPU-days, restart {} min",
                                   fail_per_1000_gpu_day(sc.reliability), sc.reliability.restart_min)},
      {"economics", fmt::format("{}, servers amortized over {} years, start {}", sc.economics.currency,
                                sc.economics.amortization_years, sc.economics.start)},
      {"engine", r.engine},
  };
  d.sources = scenario_sources(sc, catalog);
  return d;
}

}  // namespace trainsite::reports
