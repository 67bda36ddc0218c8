// `trainsite validate --microbench F.json|LOG`: predict every microbenchmark with the analytic
// sub-models (gemm_time_s, memory_bound_s, the collective forms, the power fractions) under a
// calibration, and report per-benchmark errors — so the GEMM, attention, memory-bound, launch and
// collective models are validated on their own, apart from end-to-end training runs. Benchmarks the
// model cannot predict are listed with "predicted": null and a reason, never dropped.
//
// Errors are summarized per kind (gemm, attention, elementwise, launch, hbm, host, p2p, collective,
// power) and per group within a kind: GEMM by precision, attention by direction and mask, each
// elementwise operator on its own.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>

#include "calibration/fit.h"
#include "cli/commands.h"
#include "models/step/attention.h"
#include "models/step/gemm.h"
#include "reports/json.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::cli {

using namespace trainsite::models;
using namespace trainsite::calibration;
using Json = nlohmann::ordered_json;
using reports::tidy;

namespace {

struct Row {
  std::string id, kind, group, unit = "s";
  double measured = 0;
  std::optional<double> predicted{};
  std::string reason{};
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

Precision precision_of(const std::string& dtype) {
  return dtype == "fp8" ? Precision::fp8 : dtype == "fp16" ? Precision::fp16 : Precision::bf16;
}

std::vector<Row> predict(const calibration::Measurements& m, const Gpu* gpu, const Calibration& cal,
                         const CalibrateOptions& o) {
  std::vector<Row> rows;
  const std::string no_gpu = "GPU unknown: name it with --gpu";
  for (const auto& g : m.gemm) {
    Row r{fmt::format("{}.{}", g.name.empty() ? fmt::format("{}x{}x{}", g.m, g.n, g.k) : g.name, g.dtype),
          "gemm", "gemm." + g.dtype};
    r.measured = g.time_s;
    const Precision p = precision_of(g.dtype);
    if (!gpu)
      r.reason = no_gpu;
    else if (!gpu->peak(p))
      r.reason = fmt::format("{} has no {} peak in the catalog", gpu->id, g.dtype);
    else
      r.predicted =
          gemm_time_s(device_for(*gpu, p, cal), g.m, g.n, g.k, g.batch, gemm_elem_bytes(p, g.m, g.n, g.k));
    rows.push_back(r);
  }
  for (const auto& h : m.hbm) {
    Row r{fmt::format("hbm.{}.{}", h.kind, h.bytes), "hbm", "hbm"};
    r.measured = h.time_s;
    if (gpu)
      r.predicted = memory_bound_s(device_for(*gpu, Precision::bf16, cal), h.bytes);
    else
      r.reason = no_gpu;
    rows.push_back(r);
  }
  for (const auto& h : m.host) {
    Row r{fmt::format("host.{}.{}", h.kind, h.bytes), "host", "host"};
    r.measured = h.time_s;
    // No host-link efficiency in the model: the datasheet PCIe rate per direction.
    if (gpu)
      r.predicted = h.bytes / (gpu->pcie_GBps * 1e9);
    else
      r.reason = no_gpu;
    rows.push_back(r);
  }
  for (const auto& x : m.p2p) {
    Row r{fmt::format("p2p.{}-{}", x.src, x.dst), "p2p", "p2p"};
    r.measured = x.time_s;
    const Link l = measured_link(gpu, cal, o, 2, 1);
    if (l.busbw_Bps > 0)
      r.predicted = p2p_s(l, x.bytes);
    else
      r.reason = no_gpu + " or --link-GBps";
    rows.push_back(r);
  }
  for (const auto& c : m.collectives) {
    Row r{
        fmt::format("nccl.{}.n{}{}.{}{}", c.op, c.ranks, c.nodes > 1 ? fmt::format(".nodes{}", c.nodes) : "",
                    c.bytes, c.in_place ? ".in_place" : ""),
        "collective", "collectives"};
    r.measured = c.time_s;
    Collective op;
    if (!parse_collective(c.op, op)) {
      r.reason = "unknown collective";
    } else if (c.nodes > 1 && (o.nic_gbps <= 0 || o.nics_per_node <= 0)) {
      r.reason = "multi-node: give --nic-gbps and --nics-per-node";
    } else {
      const Link l = measured_link(gpu, cal, o, c.ranks, c.nodes);
      if (l.busbw_Bps > 0)
        r.predicted = collective_time_s(op, l, c.bytes, c.ranks);
      else
        r.reason = no_gpu + " or --link-GBps";
    }
    rows.push_back(r);
  }
  for (const auto& a : m.attention) {
    const std::string mask = a.causal ? "causal" : "non_causal";
    Row r{fmt::format("{}.{}",
                      a.name.empty() ? fmt::format("attention.b{}.h{}.s{}.d{}.{}", a.batch, a.heads, a.seq_q,
                                                   a.head_dim, mask)
                                     : a.name,
                      a.direction),
          "attention", fmt::format("attention.{}.{}", a.direction, mask)};
    r.measured = a.time_s;
    const auto kernel = gpu ? attention_kernel_of(a.impl, *gpu) : std::nullopt;
    if (!gpu) {
      r.reason = no_gpu;
    } else if (!kernel) {
      r.reason = fmt::format("no kernel class for '{}' on {} (arch {})", a.impl, gpu->id, gpu->arch);
    } else {
      AttentionShape s;
      s.batch = a.batch;
      s.heads = a.heads;
      s.kv_heads = a.kv_heads;
      s.seq_q = a.seq_q;
      s.seq_k = a.seq_k;
      s.head_dim = a.head_dim;
      s.head_dim_v = a.head_dim_v;
      s.causal = a.causal;
      const Device d = device_for(*gpu, Precision::bf16, cal);  // attention runs in 16 bit
      r.predicted =
          a.direction == "bwd" ? attention_bwd_s(d, *gpu, s, *kernel) : attention_fwd_s(d, *gpu, s, *kernel);
    }
    rows.push_back(r);
  }
  for (const auto& e : m.elementwise) {
    Row r{e.tokens > 0 ? fmt::format("elementwise.{}.{}x{}", e.kind, e.tokens, e.hidden)
                       : fmt::format("elementwise.{}.{}", e.kind, e.elements),
          "elementwise", "elementwise." + e.kind};
    r.measured = e.time_s;
    if (gpu)
      r.predicted = memory_bound_record_s(*gpu, cal, e.bytes, e.kernels);
    else
      r.reason = no_gpu;
    rows.push_back(r);
  }
  for (const auto& l : m.launch) {
    Row r{fmt::format("launch.{}", l.kind), "launch", "launch"};
    r.measured = l.time_s_per_kernel;
    if (l.kind == "graph_chain")
      r.reason = "kernels launched as one CUDA graph: the model's kernel_launch_s is per eager launch";
    else
      r.predicted = cal.kernel_launch_s;  // memory_bound_s of an empty kernel
    rows.push_back(r);
  }
  for (const auto& p : m.power) {
    Row r{fmt::format("power.{}", p.load), "power", "power", "W"};
    r.measured = p.power_w;
    if (!gpu)
      r.reason = no_gpu;
    else if (p.cls == "compute")
      r.predicted = cal.gpu_power_compute_frac * gpu->tdp_w;
    else if (p.cls == "communication")
      r.predicted = cal.gpu_power_comm_frac * gpu->tdp_w;
    else if (p.cls == "idle")
      r.predicted = gpu->idle_w;
    else
      r.reason = fmt::format("no power figure for '{}' loads in the model", p.cls);
    rows.push_back(r);
  }
  for (const auto& t : m.training) {
    Row r{fmt::format("training.iteration{}", t.iteration), "training", "training"};
    r.measured = t.step_time_s;
    r.reason = "end-to-end iteration: predict it from a scenario (trainsite validate --data)";
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

Json microbench_report(const calibration::Measurements& m, const Gpu* gpu, const Calibration& cal,
                       const CalibrateOptions& o) {
  const std::vector<Row> rows = predict(m, gpu, cal, o);
  Json doc;
  doc["schema"] = "trainsite/microbench-validation/v1";
  doc["file"] = m.file;
  doc["gpu"] = gpu ? gpu->id : "";
  doc["calibration"] = cal.name;
  doc["benchmarks"] = Json::array();
  std::map<std::string, std::vector<double>> by_kind, by_group;
  std::vector<double> all;
  size_t unsupported = 0;
  for (const auto& r : rows) {
    Json j;
    j["id"] = r.id;
    j["kind"] = r.kind;
    j["group"] = r.group;
    j["unit"] = r.unit;
    j["measured"] = tidy(r.measured);
    if (r.predicted) {
      const double err = (*r.predicted - r.measured) / r.measured;
      j["predicted"] = tidy(*r.predicted);
      j["rel_error"] = tidy(err);
      by_kind[r.kind].push_back(std::abs(err));
      by_group[r.group].push_back(std::abs(err));
      all.push_back(std::abs(err));
    } else {
      j["predicted"] = nullptr;
      j["rel_error"] = nullptr;
      j["reason"] = r.reason;
      ++unsupported;
    }
    doc["benchmarks"].push_back(j);
  }
  const auto summary = [](const std::map<std::string, std::vector<double>>& groups) {
    Json out = Json::object();
    for (const auto& [k, v] : groups)
      out[k] = {{"count", v.size()},
                {"median_abs_rel_error", tidy(median(v))},
                {"max_abs_rel_error", tidy(*std::max_element(v.begin(), v.end()))}};
    return out;
  };
  doc["by_kind"] = summary(by_kind);
  doc["by_group"] = summary(by_group);
  doc["predicted_benchmarks"] = all.size();
  doc["unsupported_benchmarks"] = unsupported;
  doc["median_abs_rel_error"] = tidy(median(all));
  doc["max_abs_rel_error"] = tidy(all.empty() ? 0 : *std::max_element(all.begin(), all.end()));
  return doc;
}

int cmd_validate_microbench(const std::string& file, const std::string& calibration,
                            const CalibrateOptions& o, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const Catalog cat = scenarios::load_catalog(dir);
  const calibration::Measurements m = calibration::load_measurements(file, {o.op, o.ranks, o.nodes});
  const Gpu* gpu = resolve_gpu(cat, o.gpu, {m});
  Calibration cal;
  if (gpu) {
    cal = scenarios::load_calibration(dir, calibration, *gpu);
  } else {
    // No catalog GPU: a by-arch default cannot apply; a calibration file without `gpu:` still can.
    Gpu any;
    any.arch = "none";
    cal = scenarios::load_calibration(dir, calibration, any);
  }
  const Json doc = microbench_report(m, gpu, cal, o);
  if (c.json) {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  fmt::print("{} ({}) on {}, calibration '{}'\n\n", file, m.kind, gpu ? gpu->id : "unknown GPU", cal.name);
  fmt::print("{:<52}{:>12}{:>12}{:>9}\n", "benchmark", "measured", "predicted", "error");
  for (const auto& r : doc["benchmarks"]) {
    const std::string unit = r["unit"].get<std::string>();
    auto show = [&](double v) {
      return unit == "s" ? fmt::format("{:.4g} s", v) : fmt::format("{:.4g} {}", v, unit);
    };
    if (r["predicted"].is_null())
      fmt::print("{:<52}{:>12}   unsupported: {}\n", r["id"].get<std::string>(),
                 show(r["measured"].get<double>()), r["reason"].get<std::string>());
    else
      fmt::print("{:<52}{:>12}{:>12}{:>8.1f}%\n", r["id"].get<std::string>(),
                 show(r["measured"].get<double>()), show(r["predicted"].get<double>()),
                 100 * r["rel_error"].get<double>());
  }
  fmt::print("\n{:<34}{:>6}{:>16}{:>12}\n", "kind", "count", "median |error|", "max");
  for (const auto& [k, v] : doc["by_group"].items())
    fmt::print("{:<34}{:>6}{:>15.1f}%{:>11.1f}%\n", k, v["count"].get<size_t>(),
               100 * v["median_abs_rel_error"].get<double>(), 100 * v["max_abs_rel_error"].get<double>());
  fmt::print("all {:>4} predicted ({} unsupported): median |error| {:.1f}%, max {:.1f}%\n",
             doc["predicted_benchmarks"].get<size_t>(), doc["unsupported_benchmarks"].get<size_t>(),
             100 * doc["median_abs_rel_error"].get<double>(), 100 * doc["max_abs_rel_error"].get<double>());
  return 0;
}

}  // namespace trainsite::cli
