#include "cli/commands.h"

#include <algorithm>
#include <cmath>
#include <iostream>

#include <fmt/format.h>

#include "models/estimate.h"
#include "models/site/sensitivity.h"
#include "models/step/transformer.h"
#include "reports/json.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::cli {

using namespace trainsite::models;
using reports::Json;
using reports::tidy;

namespace {

std::filesystem::path data_dir_of(const Common& c) {
  return c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
}

}  // namespace

void print_table(const Result& r, const Scenario& sc) {
  const auto& it = r.iteration;
  fmt::print("{}: {} on {} × {} ({} GPUs), tp={} pp={} dp={} cp={} v={} micro_batch={} ({} micro-batches)\n",
             sc.name, sc.workload.model.id, sc.cluster.nodes, sc.cluster.gpu.id, sc.cluster.gpus(),
             sc.parallelism.tp, sc.parallelism.pp, it.dp, sc.parallelism.cp, it.virtual_stages,
             sc.parallelism.micro_batch, it.micro_batches);
  fmt::print("engine: {}   memory/GPU: {:.1f} GB of {:.1f} usable (stage {})   checkpoint every {:.0f} min "
             "(Young/Daly), cluster MTBF {:.1f} h\n\n",
             r.engine, r.memory.total_GB(), r.memory.usable_GB, r.memory.stage, r.goodput.interval_s / 60,
             r.goodput.mtbf_s / 3600);
  fmt::print("iteration {:.3f} s = compute {:.3f} + tp {:.3f} + pp bubble {:.3f} + pp p2p {:.3f} + dp {:.3f} + cp "
             "{:.3f} + ep {:.3f} + io {:.3f} + other {:.3f}\n\n",
             it.step_time_s, it.compute_s, it.tp_comm_s, it.pp_bubble_s, it.pp_comm_s, it.dp_comm_s, it.cp_comm_s,
             it.ep_comm_s, it.io_stall_s, it.other_s);
  fmt::print("{:<12}{:>9}{:>8}{:>9}{:>9}{:>10}{:>7}{:>11}{:>14}{:>14}{:>14}{:>9}\n", "site", "TFLOP/s", "MFU",
             "train d", "wall d", "IT MW", "PUE", "energy MWh", "energy", "capex+fac.", "total", "CO2 t");
  for (const auto& s : r.sites)
    fmt::print("{:<12}{:>9.1f}{:>7.1f}%{:>9.1f}{:>9.1f}{:>10.2f}{:>7.2f}{:>11.0f}{:>14.0f}{:>14.0f}{:>14.0f}{:>9.0f}\n",
               s.site, s.tflops_per_gpu, 100 * s.mfu, s.training_days, s.wall_clock_days, s.it_power_mw, s.pue,
               s.energy_mwh, s.cost.energy, s.cost.capex + s.cost.facility, s.cost.total, s.co2_t);
  if (!r.sites.empty()) fmt::print("(costs in {})\n", r.sites.front().cost.currency);
  // Why the sites differ: each costlier site against the cheapest, drivers ranked by their share.
  for (const auto& s : r.sites) {
    if (s.why.reference.empty() || s.why.reference == s.site || s.why.delta_total <= 0) continue;
    std::string drivers;
    for (const auto& d : s.why.drivers)
      if (std::abs(d.share) >= 0.005)
        drivers += fmt::format("{}{} {:.0f}% ({:.3g} vs {:.3g} {})", drivers.empty() ? "" : ", ", d.driver,
                               100 * d.share, d.site_value, d.reference_value, d.unit);
    fmt::print("why: {} costs {:.0f} {} more than {} (+{:.1f}%): {}; CO2 +{:.0f} t\n", s.site, s.why.delta_total,
               s.cost.currency, s.why.reference, 100 * s.why.delta_total / (s.cost.total - s.why.delta_total),
               drivers, s.why.delta_co2_t);
  }
}

int cmd_estimate(const std::string& path, const Common& c) {
  const auto dir = data_dir_of(c);
  const Catalog cat = scenarios::load_catalog(dir);
  const Scenario sc = scenarios::load_scenario(path, cat, {dir, c.overrides, false});
  Result r = estimate(sc);
  if (c.json) {
    add_robustness(sc, cat.sensitivity, r);  // sensitivity, break-even, start months: model re-runs
    std::cout << reports::result_to_json(r).dump(2) << "\n";
  } else {
    print_table(r, sc);
  }
  return 0;
}

double predicted_metric(const std::string& metric, const SiteResult& r) {
  if (metric == "tflops_per_gpu") return r.tflops_per_gpu;
  if (metric == "mfu") return r.mfu;
  if (metric == "step_time_s") return r.step_time_s;
  if (metric == "tokens_per_s") return r.tokens_per_s;
  return NAN;
}

int cmd_catalog(const std::string& what, const Common& c) {
  const Catalog cat = scenarios::load_catalog(data_dir_of(c));
  Json doc;
  const bool all = what.empty() || what == "all";
  if (all || what == "gpus") {
    Json a = Json::array();
    for (const auto& g : cat.gpus)
      a.push_back({{"id", g.id},
                   {"name", g.name},
                   {"bf16_tflops", g.peak(Precision::bf16).value_or(0)},
                   {"fp8_tflops", g.peak(Precision::fp8) ? Json(*g.peak(Precision::fp8)) : Json(nullptr)},
                   {"hbm_GB", g.hbm_GB},
                   {"hbm_GBps", g.hbm_GBps},
                   {"nvlink_GBps", g.nvlink_GBps},
                   {"tdp_w", g.tdp_w},
                   {"node_power_kw", g.node_power_kw},
                   {"sources", g.sources},
                   {"confidence", g.confidence}});
    doc["gpus"] = a;
  }
  if (all || what == "models") {
    Json a = Json::array();
    for (const auto& m : cat.models)
      a.push_back({{"id", m.id},
                   {"parameters_b", tidy(parameters(m) / 1e9)},
                   {"layers", m.layers},
                   {"hidden", m.hidden},
                   {"heads", m.heads},
                   {"seq_len", m.seq_len},
                   {"moe", m.moe.has_value()},
                   {"source", m.source}});
    doc["models"] = a;
  }
  if (all || what == "sites") {
    Json a = Json::array();
    for (const auto& s : cat.sites)
      a.push_back({{"id", s.id},
                   {"name", s.name},
                   {"currency", s.currency},
                   {"tariff_flat_per_kwh", s.tariff_flat_per_kwh},
                   {"pue_avg", s.pue_avg},
                   {"carbon_kg_per_kwh", s.carbon_kg_per_kwh},
                   {"sources", s.sources},
                   {"confidence", s.confidence}});
    doc["sites"] = a;
  }
  if (all) {
    doc["economics_sources"] = cat.economics.sources;
    Json ranges = Json::object();
    for (const auto& [k, r] : cat.sensitivity.classes)
      ranges["classes"][k] = {{"low", r.low}, {"high", r.high}, {"basis", r.basis}};
    for (const auto& [k, r] : cat.sensitivity.fixed)
      ranges["factors"][k] = {{"low", r.low}, {"high", r.high}, {"basis", r.basis}};
    for (const auto& [k, c] : cat.sensitivity.factor_class) {
      const auto b = cat.sensitivity.factor_basis.find(k);
      ranges["factors"][k] = {{"class", c}, {"basis", b == cat.sensitivity.factor_basis.end() ? "" : b->second}};
    }
    doc["sensitivity_ranges"] = ranges;
  }
  if (doc.empty()) {
    std::cerr << fmt::format("trainsite catalog: unknown list '{}'; use gpus, models or sites\n", what);
    return 2;
  }
  if (c.json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  if (doc.contains("gpus")) {
    fmt::print("GPUs\n{:<18}{:>10}{:>9}{:>8}{:>10}{:>10}{:>7}{:>9}\n", "id", "BF16 TF", "FP8 TF", "HBM GB", "HBM GB/s",
               "NVLink", "TDP W", "node kW");
    for (const auto& g : cat.gpus)
      fmt::print("{:<18}{:>10.0f}{:>9}{:>8.0f}{:>10.0f}{:>10.0f}{:>7.0f}{:>9.1f}\n", g.id, *g.peak(Precision::bf16),
                 g.peak(Precision::fp8) ? fmt::format("{:.0f}", *g.peak(Precision::fp8)) : "-", g.hbm_GB, g.hbm_GBps,
                 g.nvlink_GBps, g.tdp_w, g.node_power_kw);
  }
  if (doc.contains("models")) {
    fmt::print("\nModels\n{:<18}{:>10}{:>8}{:>8}{:>7}{:>8}{:>5}\n", "id", "params B", "layers", "hidden", "heads",
               "seq", "MoE");
    for (const auto& m : cat.models)
      fmt::print("{:<18}{:>10.1f}{:>8}{:>8}{:>7}{:>8}{:>5}\n", m.id, parameters(m) / 1e9, m.layers, m.hidden, m.heads,
                 m.seq_len, m.moe ? "yes" : "");
  }
  if (doc.contains("sites")) {
    fmt::print("\nSites\n{:<12}{:<36}{:>6}{:>10}{:>6}{:>10}\n", "id", "name", "cur.", "tariff", "PUE", "kgCO2/kWh");
    for (const auto& s : cat.sites)
      fmt::print("{:<12}{:<36}{:>6}{:>10.3f}{:>6.2f}{:>10.3f}\n", s.id, s.name, s.currency, s.tariff_flat_per_kwh,
                 s.pue_avg, s.carbon_kg_per_kwh);
  }
  // Where every figure comes from (data/README.md): the public document, or ESTIMATE and its basis.
  fmt::print("\nSources (confidence: cited | typical | estimate)\n");
  auto source = [](const std::string& what, const std::string& confidence, const std::string& text) {
    fmt::print("  {}{}\n", what, confidence.empty() ? "" : " [" + confidence + "]");
    std::string line;
    for (size_t a = 0; a < text.size();) {  // wrapped at ~100 columns, indented
      size_t b = text.find(' ', a);
      if (b == std::string::npos) b = text.size();
      const std::string word = text.substr(a, b - a);
      if (!line.empty() && line.size() + 1 + word.size() > 96) fmt::print("      {}\n", line), line.clear();
      line += (line.empty() ? "" : " ") + word;
      a = b + 1;
    }
    if (!line.empty()) fmt::print("      {}\n", line);
  };
  auto conf = [](const std::map<std::string, std::string>& m, const std::string& k) {
    const auto it = m.find(k);
    return it == m.end() ? std::string() : it->second;
  };
  if (doc.contains("gpus"))
    for (const auto& g : cat.gpus)
      for (const auto& [k, v] : g.sources) source(g.id + " " + k, conf(g.confidence, k), v);
  if (doc.contains("models"))
    for (const auto& m : cat.models) source(m.id, "", m.source);
  if (doc.contains("sites"))
    for (const auto& st : cat.sites)
      for (const auto& [k, v] : st.sources) source(st.id + " " + k, conf(st.confidence, k), v);
  if (all) {
    for (const auto& [k, v] : cat.economics.sources) source("economics " + k, "", v);
    for (const auto& [k, r] : cat.sensitivity.classes)
      source(fmt::format("sensitivity range of {} figures: x{:.2f} to x{:.2f}", k, r.low, r.high), "", r.basis);
    for (const auto& [k, r] : cat.sensitivity.fixed)
      source(fmt::format("sensitivity range of {}: x{:.2f} to x{:.2f}", k, r.low, r.high), "", r.basis);
    for (const auto& [k, c] : cat.sensitivity.factor_class)
      source(fmt::format("sensitivity range of {}: the {} class", k, c), "", conf(cat.sensitivity.factor_basis, k));
  }
  return 0;
}

}  // namespace trainsite::cli
