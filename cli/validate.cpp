#include "cli/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include "models/estimate.h"
#include "models/guards.h"
#include "models/step/transformer.h"
#include "reports/json.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"
#ifdef TRAINSITE_HAVE_PLOTS
#include "reports/validation_plot.h"
#endif

namespace trainsite::cli {

using namespace trainsite::models;
using reports::Json;
using reports::tidy;

namespace {

const std::vector<std::string> kSeqBands = {"<=2k", "2k-8k", "8k-32k", ">32k"};
const std::vector<std::string> kSizeBands = {"<1B", "1-10B", "10-100B", ">100B"};
const std::vector<std::string> kDimensions = {"gpu_precision", "seq_band", "size_band"};

// Errors of the predicted records of a set or group, and how many records it has in all.
struct Tally {
  size_t records = 0;
  std::vector<double> errors;  // signed relative errors of the predicted records
};

Json tally_json(const Tally& t) {
  Json j;
  j["records"] = t.records;
  j["predicted"] = t.errors.size();
  j["unsupported"] = t.records - t.errors.size();
  if (t.errors.empty()) {
    j["median_abs_rel_error"] = nullptr;
    j["max_abs_rel_error"] = nullptr;
    j["signed_mean_rel_error"] = nullptr;
    return j;
  }
  std::vector<double> a;
  double sum = 0;
  for (double e : t.errors) {
    a.push_back(std::abs(e));
    sum += e;
  }
  std::sort(a.begin(), a.end());
  const size_t n = a.size();
  j["median_abs_rel_error"] = tidy(n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]));
  j["max_abs_rel_error"] = tidy(a.back());
  j["signed_mean_rel_error"] = tidy(sum / double(n));
  return j;
}

// Groups of one dimension in display order: the bands in their order, GPU × precision by name,
// "unknown" (a record whose scenario could not even be parsed) last.
std::vector<std::string> group_order(const std::string& dim, const std::map<std::string, Tally>& g) {
  std::vector<std::string> out;
  const auto* bands = dim == "seq_band" ? &kSeqBands : dim == "size_band" ? &kSizeBands : nullptr;
  if (bands) {
    for (const auto& b : *bands)
      if (g.count(b)) out.push_back(b);
  } else {
    for (const auto& [k, v] : g)
      if (k != "unknown") out.push_back(k);
  }
  if (g.count("unknown")) out.push_back("unknown");
  return out;
}

Json groups_json(const std::map<std::string, std::map<std::string, Tally>>& groups) {
  Json j;
  for (const auto& dim : kDimensions) {
    j[dim] = Json::array();
    if (!groups.count(dim)) continue;
    const auto& g = groups.at(dim);
    for (const auto& name : group_order(dim, g)) {
      Json row;
      row["group"] = name;
      row.update(tally_json(g.at(name)));
      j[dim].push_back(row);
    }
  }
  return j;
}

std::string pct(const Json& v, bool sign = false) {
  if (v.is_null()) return "-";
  const double x = 100 * v.get<double>();
  return sign ? fmt::format("{:+.1f}%", x) : fmt::format("{:.1f}%", x);
}

void print_summary_table(const std::string& title, const std::string& first, const Json& rows,
                         const char* key) {
  fmt::print("\n{}\n{:<28}{:>9}{:>11}{:>13}{:>11}{:>13}\n", title, first, "records", "predicted",
             "median |err|", "max |err|", "signed mean");
  for (const auto& r : rows)
    fmt::print("{:<28}{:>9}{:>11}{:>13}{:>11}{:>13}\n", r[key].get<std::string>(), r["records"].get<size_t>(),
               r["predicted"].get<size_t>(), pct(r["median_abs_rel_error"]), pct(r["max_abs_rel_error"]),
               pct(r["signed_mean_rel_error"], true));
}

}  // namespace

std::string seq_band(int seq_len) {
  if (seq_len <= 2048) return kSeqBands[0];
  if (seq_len <= 8192) return kSeqBands[1];
  if (seq_len <= 32768) return kSeqBands[2];
  return kSeqBands[3];
}

std::string size_band(double parameters) {
  if (parameters < 1e9) return kSizeBands[0];
  if (parameters < 1e10) return kSizeBands[1];
  if (parameters < 1e11) return kSizeBands[2];
  return kSizeBands[3];
}

std::vector<std::string> validation_files(const std::vector<std::string>& data,
                                          const std::filesystem::path& data_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> args = data;
  if (args.empty()) args.push_back((data_dir / "validation").string());
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      out.push_back(a);  // a missing file is reported by the loader ("F: error: file not found")
      continue;
    }
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(a, ec))
      if (e.path().extension() == ".yaml" && !fs::is_directory(e.path())) files.push_back(e.path().string());
    if (files.empty())
      throw scenarios::InputError({a, 0, 0}, "--data", "the directory has no *.yaml validation file");
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

Json validation_report(const std::vector<ValidationSet>& sets, const std::string& engine,
                       Iteration (*predict)(const Scenario&)) {
  Json doc;
  doc["schema"] = "trainsite/validation-result/v1";
  doc["engine"] = engine;
  doc["records"] = Json::array();
  Tally all;
  std::map<std::string, std::map<std::string, Tally>> all_groups;
  Json sets_json = Json::array();
  for (const auto& set : sets) {
    Tally tally;
    std::map<std::string, std::map<std::string, Tally>> groups;
    std::map<std::string, double> share_sum;  // breakdown term -> sum of shares over predicted records
    std::vector<std::string> share_keys;      // in the breakdown's order
    for (const auto& rec : set.records) {
      std::string metric;
      for (const auto& m : scenarios::validation_metrics())
        if (rec.measured.count(m)) {
          metric = m;
          break;
        }
      const double measured = rec.measured.at(metric);
      Json j;
      j["id"] = rec.id;
      j["set"] = set.name;
      j["metric"] = metric;
      j["measured"] = measured;
      std::optional<double> err;
      Json share;
      std::string reason = rec.unsupported_reason;
      if (rec.scenario) {
        try {
          const Iteration it = predict ? predict(*rec.scenario) : analytic_iteration(*rec.scenario);
          const SiteResult sr = throughput_from_step(*rec.scenario, it, it.step_time_s);
          const double pred = predicted_metric(metric, sr);
          err = (pred - measured) / measured;
          j["predicted"] = tidy(pred);
          j["rel_error"] = tidy(*err);
          // Each term's share of the step-time breakdown, with the keys the result JSON uses
          // (reports::site_to_json), so terms added to the model appear here too.
          const Json bd = reports::site_to_json(sr, it)["breakdown_s"];
          double total = 0;
          for (const auto& [k, v] : bd.items()) total += v.get<double>();
          for (const auto& [k, v] : bd.items()) share[k] = tidy(total > 0 ? v.get<double>() / total : 0);
        } catch (const GuardError& e) {
          reason = e.what();
        } catch (const scenarios::InputError& e) {
          reason = e.what();
        }
      }
      if (!err) {
        j["predicted"] = nullptr;
        j["rel_error"] = nullptr;
        j["reason"] = reason;
      }
      j["source"] = rec.source;
      // Group keys, from the scenario as written when the model rejected the record.
      const auto& sc = rec.scenario ? rec.scenario : rec.as_written;
      std::map<std::string, std::string> keys = {
          {"gpu_precision", "unknown"}, {"seq_band", "unknown"}, {"size_band", "unknown"}};
      if (sc) {
        const double params = parameters(sc->workload.model);
        keys["gpu_precision"] = sc->cluster.gpu.id + " " + to_string(sc->workload.precision);
        keys["seq_band"] = seq_band(sc->workload.model.seq_len);
        keys["size_band"] = size_band(params);
        j["seq_len"] = sc->workload.model.seq_len;
        j["parameters"] = tidy(params);
      } else {
        j["seq_len"] = nullptr;
        j["parameters"] = nullptr;
      }
      for (const auto& dim : kDimensions) j[dim] = keys[dim];
      if (err) {
        j["breakdown_share"] = share;
        for (const auto& [k, v] : share.items()) {
          if (!share_sum.count(k)) share_keys.push_back(k);
          share_sum[k] += v.get<double>();
        }
      }
      for (Tally* t : {&tally, &all}) {
        ++t->records;
        if (err) t->errors.push_back(*err);
      }
      for (const auto& dim : kDimensions)
        for (auto* g : {&groups, &all_groups}) {
          Tally& t = (*g)[dim][keys[dim]];
          ++t.records;
          if (err) t.errors.push_back(*err);
        }
      doc["records"].push_back(j);
    }
    Json s;
    s["name"] = set.name;
    s["file"] = set.file;
    s.update(tally_json(tally));
    Json mean = Json::object();
    for (const auto& k : share_keys) mean[k] = tidy(share_sum[k] / double(tally.errors.size()));
    s["breakdown_share_mean"] = mean;
    s["groups"] = groups_json(groups);
    sets_json.push_back(s);
  }
  // The totals over every record, with the keys DESIGN section 8 names (kept for compatibility).
  const Json t = tally_json(all);
  doc["predicted_records"] = t["predicted"];
  doc["unsupported_records"] = t["unsupported"];
  doc["median_abs_rel_error"] = t["median_abs_rel_error"].is_null() ? Json(0.0) : t["median_abs_rel_error"];
  doc["max_abs_rel_error"] = t["max_abs_rel_error"].is_null() ? Json(0.0) : t["max_abs_rel_error"];
  doc["signed_mean_rel_error"] = t["signed_mean_rel_error"];
  doc["sets"] = sets_json;
  doc["groups"] = groups_json(all_groups);
  return doc;
}

int cmd_validate(const ValidateArgs& a, const Common& c) {
#ifndef TRAINSITE_HAVE_PLOTS
  if (!a.plot_dir.empty())
    throw scenarios::InputError({"--plot", 0, 0}, "",
                                "plots need trainsite built with Qt (cmake -DTRAINSITE_GUI=ON)");
#endif
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const Catalog cat = scenarios::load_catalog(dir);
  std::vector<ValidationSet> sets;
  for (const auto& file : validation_files(a.data, dir)) {
    ValidationSet s;
    s.file = file;
    s.name = std::filesystem::path(file).stem().string();
    // Two files with one stem (a/x.yaml, b/x.yaml) are told apart by their paths.
    for (const auto& o : sets)
      if (o.name == s.name) s.name = file;
    s.records = scenarios::load_validation(file, cat, {dir, c.overrides, true});
    sets.push_back(std::move(s));
  }
  const Json doc = validation_report(sets, a.engine, a.engine == "des" ? &des_iteration : nullptr);
#ifdef TRAINSITE_HAVE_PLOTS
  if (!a.plot_dir.empty()) {
    std::vector<reports::ErrorPoint> points;
    for (const auto& r : doc["records"])
      if (!r["rel_error"].is_null())
        points.push_back({r["set"].get<std::string>(), r["seq_len"].get<double>(),
                          r["parameters"].get<double>(), r["rel_error"].get<double>()});
    for (const auto& f : reports::write_validation_plots(points, a.plot_dir))
      std::cerr << "wrote " << f << "\n";
  }
#endif
  if (c.json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  size_t w = 24;
  for (const auto& r : doc["records"]) w = std::max(w, r["id"].get<std::string>().size() + 2);
  for (const auto& s : doc["sets"]) {
    fmt::print("{}{} ({}): {} records\n", &s == &doc["sets"].front() ? "" : "\n",
               s["name"].get<std::string>(), s["file"].get<std::string>(), s["records"].get<size_t>());
    fmt::print("{:<{}}{:>16}{:>10}{:>11}{:>9}\n", "record", w, "metric", "measured", "predicted", "error");
    for (const auto& r : doc["records"]) {
      if (r["set"] != s["name"]) continue;
      if (r["predicted"].is_null())
        fmt::print("{:<{}}{:>16}{:>10.4g}  unsupported: {}\n", r["id"].get<std::string>(), w,
                   r["metric"].get<std::string>(), r["measured"].get<double>(),
                   r["reason"].get<std::string>());
      else
        fmt::print("{:<{}}{:>16}{:>10.4g}{:>11.4g}{:>8.1f}%\n", r["id"].get<std::string>(), w,
                   r["metric"].get<std::string>(), r["measured"].get<double>(), r["predicted"].get<double>(),
                   100 * r["rel_error"].get<double>());
    }
  }
  print_summary_table("per set", "set", doc["sets"], "name");
  print_summary_table("per GPU × precision", "group", doc["groups"]["gpu_precision"], "group");
  print_summary_table("per sequence-length band (tokens)", "group", doc["groups"]["seq_band"], "group");
  print_summary_table("per model-size band (parameters)", "group", doc["groups"]["size_band"], "group");
  fmt::print("\nmedian |error| {:.1f}%, max |error| {:.1f}% over {} records ({} unsupported)\n",
             100 * doc["median_abs_rel_error"].get<double>(), 100 * doc["max_abs_rel_error"].get<double>(),
             doc["predicted_records"].get<size_t>(), doc["unsupported_records"].get<size_t>());
  return 0;
}

}  // namespace trainsite::cli
