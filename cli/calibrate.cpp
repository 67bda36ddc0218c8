// `trainsite calibrate MICROBENCH.json|LOG... --out data/calibration/NAME.yaml`: fit the analytic
// model's efficiency figures (calibration/fit.h) to measurements and write a calibration file
// (schema trainsite/calibration/v1) with its residuals, fit details and provenance. Only the
// figures the inputs determine are written under `values`; the rest keep the per-architecture
// defaults of data/calibration/default.yaml when a scenario loads the file.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "cli/commands.h"
#include "calibration/fit.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"

namespace trainsite::cli {

using namespace trainsite::models;
using namespace trainsite::calibration;
using scenarios::InputError;
using calibration::Measurements;

namespace {

double round6(double v) {
  return v == 0 || !std::isfinite(v) ? v : std::stod(fmt::format("{:.6g}", v));
}
// A YAML scalar with 6 significant digits (yaml-cpp nodes would print every binary digit).
std::string num(double v) {
  return fmt::format("{:.6g}", v);
}

YAML::Node stats_node(const FitStats& s) {
  YAML::Node n;
  n["points"] = s.points;
  n["r2"] = num(s.r2);
  n["rms_rel_residual"] = num(s.rms_rel_residual);
  n["max_abs_rel_residual"] = num(s.max_abs_rel_residual);
  return n;
}

// Word-boundary match of a catalog id's model token ("H100" of H100-SXM5-80GB) in a device name
// ("NVIDIA H100 80GB HBM3"); "H20" does not match "H200".
const Gpu* gpu_from_name(const Catalog& cat, const std::string& name) {
  for (const auto& g : cat.gpus) {
    const std::string token = g.id.substr(0, g.id.find('-'));
    for (size_t at = name.find(token); at != std::string::npos; at = name.find(token, at + 1)) {
      const size_t end = at + token.size();
      const bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(name[at - 1]));
      const bool right = end == name.size() || !std::isalnum(static_cast<unsigned char>(name[end]));
      if (left && right) return &g;
    }
  }
  return nullptr;
}

}  // namespace

const Gpu* resolve_gpu(const Catalog& cat, const std::string& id, const std::vector<Measurements>& inputs) {
  if (!id.empty()) {
    if (const Gpu* g = cat.find_gpu(id)) return g;
    std::vector<std::string> ids;
    for (const auto& g : cat.gpus) ids.push_back(g.id);
    throw InputError({"--gpu", 0, 0}, "gpu",
                     fmt::format("no GPU '{}' in the catalog{}", id, scenarios::did_you_mean(id, ids)));
  }
  for (const auto& m : inputs)
    if (!m.gpu_name.empty())
      if (const Gpu* g = gpu_from_name(cat, m.gpu_name)) return g;
  return nullptr;
}

Link measured_link(const Gpu* gpu, const Calibration& cal, const CalibrateOptions& o, int ranks, int nodes) {
  if (nodes <= 1) {
    const double ref = o.link_GBps > 0 ? o.link_GBps : gpu ? gpu->nvlink_GBps / 2 : 0;
    return {ref * 1e9 * cal.nvlink_busbw_eff, cal.collective_step_latency_s};
  }
  const int local = std::max(1, ranks / nodes);
  const double node_Bps = o.nics_per_node * o.nic_gbps / 8 * 1e9 * cal.nic_eff;
  return {node_Bps * local / o.gpus_per_node, cal.collective_step_latency_s};
}

CalibrationDoc calibrate(const std::vector<Measurements>& inputs, const Catalog& cat, const Calibration& base,
                         const Gpu* gpu, const CalibrateOptions& o) {
  CalibrationDoc d;
  d.values = base;
  YAML::Node values, residuals, fits, sources;
  const std::string from = [&] {
    std::string s;
    for (const auto& m : inputs) s += (s.empty() ? "" : ", ") + m.file;
    return s;
  }();
  const std::string where = inputs.empty() ? std::string("calibrate") : inputs.front().file;
  auto set = [&](const std::string& key, double v, double& slot, bool fraction, const std::string& how) {
    if (!(v > 0) || (fraction && v > 1.5))
      throw InputError(
          {where, 0, 0}, key,
          fmt::format("fitted {} = {:.4g} is not {}; check the inputs and --gpu/--link-GBps/--nic-gbps", key,
                      v, fraction ? "an efficiency in (0, 1.5]" : "positive"));
    slot = round6(v);
    values[key] = num(slot);
    sources[key] = fmt::format("fitted by trainsite calibrate from {}: {}", from, how);
    d.fitted.push_back(key);
  };

  std::vector<GemmPoint> gemm;
  std::vector<StreamPoint> hbm;
  std::map<std::tuple<int, int, std::string>, std::vector<CollectivePoint>> coll;  // (nodes, ranks, op)
  std::vector<PowerPoint> power;
  size_t training = 0, p2p = 0;
  double p2p_GBps = 0, p2p_lat = 0;
  std::map<std::string, double> sustained;
  for (const auto& m : inputs) {
    for (const auto& g : m.gemm)
      gemm.push_back({g.m, g.n, g.k, g.batch,
                      g.dtype == "fp8"    ? Precision::fp8
                      : g.dtype == "fp16" ? Precision::fp16
                                          : Precision::bf16,
                      g.time_s});
    for (const auto& h : m.hbm)
      if (h.kind == "copy" || h.kind == "triad") hbm.push_back({h.bytes, h.time_s});
    for (const auto& c : m.collectives) {
      Collective op;
      if (!parse_collective(c.op, op))
        throw InputError({m.file, c.line, 0}, "op", fmt::format("unknown collective '{}'", c.op));
      coll[{c.nodes, c.ranks, to_string(op)}].push_back({op, c.ranks, c.bytes, c.time_s});
    }
    for (const auto& p : m.power) {
      double u = 0;
      if (p.cls == "compute" && gpu && p.tflops > 0) {
        const auto peak =
            gpu->peak(p.load.find("fp8") != std::string::npos ? Precision::fp8 : Precision::bf16);
        u = peak ? p.tflops / *peak : 0;
      }
      power.push_back({p.cls, u, p.power_w});
    }
    // Sustained (power-load) vs burst (timed batch) throughput of the same 8192³ GEMM.
    for (const auto& p : m.power)
      if (p.cls == "compute" && p.tflops > 0 && p.load.find("8192") != std::string::npos)
        for (const auto& g : m.gemm)
          if (g.name == "square.8192" && p.load.find(g.dtype) != std::string::npos)
            sustained[g.dtype] = p.tflops / (2 * g.m * g.n * g.k / g.time_s / 1e12);
    for (const auto& x : m.p2p) p2p_GBps += x.bytes / x.time_s / 1e9, p2p_lat += x.latency_s, ++p2p;
    training += m.training.size();
  }

  if (!gemm.empty()) {
    if (!gpu) throw InputError({where, 0, 0}, "gpu", "GEMM records need the GPU's peak: name it with --gpu");
    const GemmFit f = fit_gemm(*gpu, gemm, base);
    if (f.compute_bound_points == 0)
      throw InputError({where, 0, 0}, "gemm", "no compute-bound GEMM records to fit");
    const std::string how = fmt::format(
        "t = max(flops/(peak·eff·wave·padding), bytes/(hbm·hbm_eff)) + launch over {} "
        "GEMMs ({} compute-bound), tile {}x{}",
        f.stats.points, f.compute_bound_points, f.tile_m, f.tile_n);
    set("gemm_eff_max", f.gemm_eff_max, d.values.gemm_eff_max, true, how);
    if (f.kernel_launch_s > 0)
      set("kernel_launch_s", f.kernel_launch_s, d.values.kernel_launch_s, false, how);
    d.values.tile_m = f.tile_m;
    d.values.tile_n = f.tile_n;
    values["tile_m"] = f.tile_m;
    values["tile_n"] = f.tile_n;
    if (f.fp8_gemm_eff_factor > 0)
      set("fp8_gemm_eff_factor", f.fp8_gemm_eff_factor, d.values.fp8_gemm_eff_factor, true,
          how + "; FP8 fitted alone");
    residuals["gemm"] = stats_node(f.stats);
    fits["gemm"]["form"] =
        "t = max(2mnk·batch/(peak·gemm_eff_max·wave_eff·padding), bytes/(hbm·hbm_eff)) + kernel_launch_s";
    fits["gemm"]["compute_bound_points"] = f.compute_bound_points;
    // Informational: a GEMM held for seconds settles at the power limit and lower clocks than the
    // ~20 ms batches fitted above (not applied to the values).
    for (const auto& [dtype, r] : sustained) fits["gemm"]["sustained_over_burst_" + dtype] = num(r);
  }
  if (!hbm.empty()) {
    if (!gpu)
      throw InputError({where, 0, 0}, "gpu",
                       "HBM records need the GPU's datasheet bandwidth: name it with --gpu");
    const HbmFit f = fit_hbm(*gpu, hbm);
    set("hbm_eff", f.hbm_eff, d.values.hbm_eff, true,
        fmt::format("t = bytes/(hbm·hbm_eff) + launch over {} STREAM copy/triad runs", f.stats.points));
    residuals["hbm"] = stats_node(f.stats);
    fits["hbm"]["form"] = "t = bytes/(hbm_GBps·hbm_eff) + launch";
    fits["hbm"]["launch_s"] = num(f.launch_s);
  }

  // Collectives: one fit per (nodes, ranks, op); the calibration takes the largest all-reduce
  // group (the busbw figure the model's efficiencies are defined on), else the largest group.
  const std::tuple<int, int, std::string>* pick_intra = nullptr;
  const std::tuple<int, int, std::string>* pick_inter = nullptr;
  std::map<std::tuple<int, int, std::string>, LinkFit> link_fits;
  for (const auto& [key, pts] : coll) {
    const LinkFit f = fit_collectives(pts);
    link_fits[key] = f;
    const auto& [nodes, ranks, op] = key;
    const std::string id =
        fmt::format("nccl.{}.n{}{}", op, ranks, nodes > 1 ? fmt::format(".nodes{}", nodes) : "");
    residuals[id] = stats_node(f.stats);
    fits[id]["busbw_GBps"] = num(f.busbw_Bps / 1e9);
    fits[id]["step_latency_s"] = num(f.step_latency_s);
    auto better = [&](const std::tuple<int, int, std::string>* cur) {
      if (!cur) return true;
      const bool ar = op == "all_reduce", cur_ar = std::get<2>(*cur) == "all_reduce";
      return ar != cur_ar ? ar : ranks > std::get<1>(*cur);
    };
    if (nodes <= 1 && better(pick_intra)) pick_intra = &key;
    if (nodes > 1 && better(pick_inter)) pick_inter = &key;
  }
  if (pick_intra) {
    const double ref = o.link_GBps > 0 ? o.link_GBps : gpu ? gpu->nvlink_GBps / 2 : 0;
    if (ref <= 0)
      throw InputError({where, 0, 0}, "link_GBps",
                       "the GPU is unknown: name it with --gpu, or give the per-GPU one-way NVLink bandwidth "
                       "with --link-GBps");
    const LinkFit& f = link_fits[*pick_intra];
    const auto& [nodes, ranks, op] = *pick_intra;
    const std::string how = fmt::format(
        "{} over {} ranks in one NVLink domain, t = steps·latency + bus_bytes/busbw "
        "(busbw {:.1f} GB/s vs {:.0f} GB/s one-way NVLink)",
        op, ranks, f.busbw_Bps / 1e9, ref);
    set("nvlink_busbw_eff", f.busbw_Bps / 1e9 / ref, d.values.nvlink_busbw_eff, true, how);
    if (f.step_latency_s > 0)
      set("collective_step_latency_s", f.step_latency_s, d.values.collective_step_latency_s, false, how);
    fits["nvlink_reference_GBps"] = num(ref);
  }
  if (pick_inter) {
    if (o.nic_gbps <= 0 || o.nics_per_node <= 0)
      throw InputError({where, 0, 0}, "nic_gbps",
                       "multi-node collectives need --nic-gbps and --nics-per-node");
    const LinkFit& f = link_fits[*pick_inter];
    const auto& [nodes, ranks, op] = *pick_inter;
    const int local = std::max(1, ranks / nodes);
    const double line_Bps = o.nics_per_node * o.nic_gbps / 8 * 1e9 * local / o.gpus_per_node;
    set("nic_eff", f.busbw_Bps / line_Bps, d.values.nic_eff, true,
        fmt::format("{} over {} ranks on {} nodes ({} x {} Gb/s NICs per node)", op, ranks, nodes,
                    o.nics_per_node, o.nic_gbps));
  }
  if (!power.empty()) {
    if (!gpu) throw InputError({where, 0, 0}, "gpu", "power records need the GPU's TDP: name it with --gpu");
    const PowerFit f = fit_power(gpu->tdp_w, power);
    if (f.compute_frac > 0)
      set("gpu_power_compute_frac", f.compute_frac, d.values.gpu_power_compute_frac, true,
          fmt::format("mean board power under dense GEMM load / TDP {:.0f} W", gpu->tdp_w));
    if (f.comm_frac > 0)
      set("gpu_power_comm_frac", f.comm_frac, d.values.gpu_power_comm_frac, true,
          fmt::format("mean board power under NCCL all-reduce load / TDP {:.0f} W", gpu->tdp_w));
    if (f.stats.points >= 2) {
      residuals["power"] = stats_node(f.stats);
      fits["power"]["form"] = "P = idle_w + slope_w·(achieved/peak tensor FLOP/s)";
      fits["power"]["idle_w"] = num(f.idle_w);
      fits["power"]["slope_w"] = num(f.slope_w);
    }
  }
  if (p2p) {
    fits["p2p"]["mean_GBps"] = num(p2p_GBps / p2p);
    fits["p2p"]["mean_latency_s"] = num(p2p_lat / p2p);
    fits["p2p"]["pairs"] = p2p;
  }
  if (d.fitted.empty())
    throw InputError({where, 0, 0}, "",
                     "nothing to fit: the inputs have no GEMM, HBM, collective or power records");

  YAML::Node prov;
  prov["tool"] = "trainsite calibrate";
  for (const auto& m : inputs) {
    YAML::Node in;
    in["file"] = m.file;
    in["kind"] = m.kind;
    if (!m.gpu_name.empty()) in["gpu_name"] = m.gpu_name;
    if (!m.driver.empty()) in["driver"] = m.driver;
    if (!m.cuda.empty()) in["cuda"] = m.cuda;
    if (!m.nccl.empty()) in["nccl"] = m.nccl;
    in["records"] = m.gemm.size() + m.hbm.size() + m.host.size() + m.p2p.size() + m.collectives.size() +
                    m.power.size() + m.training.size();
    prov["inputs"].push_back(in);
  }
  if (training)
    prov["training_records"] = fmt::format(
        "{} Megatron iterations: end-to-end data, not fitted (validate them with a "
        "scenario: trainsite validate --data)",
        training);
  if (!gpu) prov["note"] = "GPU not in the catalog: values apply to any GPU that names this calibration";
  (void)cat;

  YAML::Emitter out;
  out.SetDoublePrecision(6);
  out << YAML::BeginMap;
  out << YAML::Key << "schema" << YAML::Value << "trainsite/calibration/v1";
  out << YAML::Key << "name" << YAML::Value << o.name;
  if (gpu) out << YAML::Key << "gpu" << YAML::Value << gpu->id;
  out << YAML::Key << "values" << YAML::Value << values;
  out << YAML::Key << "residuals" << YAML::Value << residuals;
  out << YAML::Key << "fits" << YAML::Value << fits;
  out << YAML::Key << "provenance" << YAML::Value << prov;
  out << YAML::Key << "sources" << YAML::Value << sources;
  out << YAML::EndMap;
  d.yaml = std::string("# Written by `trainsite calibrate`; fitted values with residuals and provenance.\n") +
           out.c_str() + "\n";
  return d;
}

int cmd_calibrate(CalibrateOptions o, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const Catalog cat = scenarios::load_catalog(dir);
  std::vector<Measurements> inputs;
  for (const auto& f : o.inputs) inputs.push_back(calibration::load_measurements(f, {o.op, o.ranks, o.nodes}));
  const Gpu* gpu = resolve_gpu(cat, o.gpu, inputs);
  const std::filesystem::path out(o.out);
  if (o.name.empty()) o.name = out.stem().string();
  const Calibration base = gpu ? scenarios::load_calibration(dir, "default", *gpu) : Calibration{};
  const CalibrationDoc d = calibrate(inputs, cat, base, gpu, o);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  const std::string tmp = o.out + ".tmp";
  {
    std::ofstream f(tmp);
    f << d.yaml;
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, out);
  if (c.json) {
    nlohmann::ordered_json j;
    j["out"] = o.out;
    j["name"] = o.name;
    j["gpu"] = gpu ? gpu->id : "";
    j["fitted"] = d.fitted;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("wrote {} (calibration '{}'{}): fitted {}\n", o.out, o.name, gpu ? ", GPU " + gpu->id : "",
               fmt::join(d.fitted, ", "));
  }
  return 0;
}

}  // namespace trainsite::cli
