#include "calibration/calibrate.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cmath>
#include <map>
#include <tuple>

#include "calibration/fit.h"
#include "scenarios/errors.h"

namespace trainsite::calibration {

using namespace trainsite::models;
using scenarios::InputError;

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

// The document under construction: values set by the fits, with residuals, fit details and sources.
struct Writer {
  CalibrationDoc& d;
  std::string from, where;  // all input files; the first one (errors name it)
  YAML::Node values, residuals, fits, sources;

  void set(const std::string& key, double v, double& slot, bool fraction, const std::string& how) {
    if (!(v > 0) || (fraction && v > 1.5))
      throw InputError(
          {where, 0, 0}, key,
          fmt::format("fitted {} = {:.4g} is not {}; check the inputs and --gpu/--link-GBps/--nic-gbps", key,
                      v, fraction ? "an efficiency in (0, 1.5]" : "positive"));
    slot = round6(v);
    values[key] = num(slot);
    sources[key] = fmt::format("fitted by trainsite calibrate from {}: {}", from, how);
    d.fitted.push_back(key);
  }
  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw InputError({where, 0, 0}, field, msg);
  }
};

Precision precision_of(const std::string& dtype) {
  return dtype == "fp8" ? Precision::fp8 : dtype == "fp16" ? Precision::fp16 : Precision::bf16;
}

// Elementwise operators, back-to-back launches and STREAM runs → hbm_eff, kernel_launch_s. Launch records
// enter as zero-byte kernels; graph_chain is left out (a CUDA graph is not what an eager training step
// launches). Returns whether the fit ran.
bool fit_memory_section(Writer& w, const std::vector<Measurements>& inputs, const Gpu* gpu) {
  std::vector<MemoryPoint> pts;
  size_t elementwise = 0, launches = 0, stream = 0;
  for (const auto& m : inputs) {
    for (const auto& e : m.elementwise)
      pts.push_back({"elementwise." + e.kind, e.bytes, e.kernels, e.time_s}), ++elementwise;
    for (const auto& l : m.launch)
      if (l.kind != "graph_chain") pts.push_back({"launch." + l.kind, 0, 1, l.time_s_per_kernel}), ++launches;
  }
  if (pts.empty()) return false;
  for (const auto& m : inputs)
    for (const auto& h : m.hbm)
      if (h.kind == "copy" || h.kind == "triad") pts.push_back({"hbm", h.bytes, 1, h.time_s}), ++stream;
  if (elementwise == 0 && stream == 0) {
    // Launch records alone: t = launch, the value minimizing Σ((launch − t)/t)², bandwidth untouched.
    double num = 0, den = 0;
    std::vector<double> meas;
    for (const auto& p : pts) num += 1 / p.time_s, den += 1 / (p.time_s * p.time_s), meas.push_back(p.time_s);
    w.set(
        "kernel_launch_s", num / den, w.d.values.kernel_launch_s, false,
        fmt::format("per-kernel time of {} back-to-back launch records (relative least squares)", launches));
    w.residuals["launch"] =
        stats_node(fit_stats(meas, std::vector<double>(meas.size(), w.d.values.kernel_launch_s)));
    return true;
  }
  if (!gpu)
    w.fail("gpu", "elementwise/launch records need the GPU's datasheet bandwidth: name it with --gpu");
  const MemoryBoundFit f = fit_memory_bound(*gpu, pts, w.d.values);
  const std::string how = fmt::format(
      "t = bytes/(hbm·hbm_eff) + kernels·kernel_launch_s (models::memory_bound_s) over {} elementwise, "
      "{} launch and {} STREAM records",
      elementwise, launches, stream);
  w.set("hbm_eff", f.hbm_eff, w.d.values.hbm_eff, true, how);
  if (f.kernel_launch_s > 0)
    w.set("kernel_launch_s", f.kernel_launch_s, w.d.values.kernel_launch_s, false, how);
  w.residuals["memory_bound"] = stats_node(f.stats);
  w.fits["memory_bound"]["form"] = "t = bytes/(hbm_GBps·hbm_eff) + kernels·kernel_launch_s";
  for (const auto& [group, s] : f.groups) w.fits["memory_bound"]["groups"][group] = stats_node(s);
  return true;
}

void fit_gemm_section(Writer& w, const std::vector<Measurements>& inputs, const Calibration& base,
                      const Gpu* gpu, bool launch_fixed) {
  std::vector<GemmPoint> gemm;
  std::map<std::string, double> sustained;
  for (const auto& m : inputs) {
    for (const auto& g : m.gemm) gemm.push_back({g.m, g.n, g.k, g.batch, precision_of(g.dtype), g.time_s});
    // Sustained (power-load) vs burst (timed batch) throughput of the same 8192³ GEMM.
    for (const auto& p : m.power)
      if (p.cls == "compute" && p.tflops > 0 && p.load.find("8192") != std::string::npos)
        for (const auto& g : m.gemm)
          if (g.name == "square.8192" && p.load.find(g.dtype) != std::string::npos)
            sustained[g.dtype] = p.tflops / (2 * g.m * g.n * g.k / g.time_s / 1e12);
  }
  if (gemm.empty()) return;
  if (!gpu) w.fail("gpu", "GEMM records need the GPU's peak: name it with --gpu");
  const GemmFit f = fit_gemm(*gpu, gemm, launch_fixed ? w.d.values : base,
                             launch_fixed ? std::optional<double>(w.d.values.kernel_launch_s) : std::nullopt);
  if (f.compute_bound_points == 0) w.fail("gemm", "no compute-bound GEMM records to fit");
  const std::string how = fmt::format(
      "t = max(flops·(k+k0)/k/(peak·eff·wave·padding), bytes/(hbm·hbm_eff)) + launch over {} "
      "GEMMs ({} compute-bound), tile {}x{}, k0 {}{}",
      f.stats.points, f.compute_bound_points, f.tile_m, f.tile_n, f.gemm_k_overhead,
      launch_fixed ? ", launch fixed by the memory-bound fit" : "");
  w.set("gemm_eff_max", f.gemm_eff_max, w.d.values.gemm_eff_max, true, how);
  if (!launch_fixed && f.kernel_launch_s > 0)
    w.set("kernel_launch_s", f.kernel_launch_s, w.d.values.kernel_launch_s, false, how);
  w.d.values.tile_m = f.tile_m;
  w.d.values.tile_n = f.tile_n;
  w.values["tile_m"] = f.tile_m;
  w.values["tile_n"] = f.tile_n;
  w.d.values.gemm_k_overhead = f.gemm_k_overhead;
  w.values["gemm_k_overhead"] = f.gemm_k_overhead;
  if (f.fp8_gemm_eff_factor > 0)
    w.set("fp8_gemm_eff_factor", f.fp8_gemm_eff_factor, w.d.values.fp8_gemm_eff_factor, true,
          how + "; FP8 fitted alone");
  w.residuals["gemm"] = stats_node(f.stats);
  w.fits["gemm"]["form"] =
      "t = max(2mnk·batch·(k+gemm_k_overhead)/k/(peak·gemm_eff_max·wave_eff·padding), bytes/(hbm·hbm_eff)) + "
      "kernel_launch_s";
  w.fits["gemm"]["compute_bound_points"] = f.compute_bound_points;
  // Informational: a GEMM held for seconds settles at the power limit and lower clocks than the
  // ~20 ms batches fitted above (not applied to the values).
  for (const auto& [dtype, r] : sustained) w.fits["gemm"]["sustained_over_burst_" + dtype] = num(r);
}

void fit_stream_section(Writer& w, const std::vector<Measurements>& inputs, const Gpu* gpu) {
  std::vector<StreamPoint> hbm;
  for (const auto& m : inputs)
    for (const auto& h : m.hbm)
      if (h.kind == "copy" || h.kind == "triad") hbm.push_back({h.bytes, h.time_s});
  if (hbm.empty()) return;
  if (!gpu) w.fail("gpu", "HBM records need the GPU's datasheet bandwidth: name it with --gpu");
  const HbmFit f = fit_hbm(*gpu, hbm);
  w.set("hbm_eff", f.hbm_eff, w.d.values.hbm_eff, true,
        fmt::format("t = bytes/(hbm·hbm_eff) + launch over {} STREAM copy/triad runs", f.stats.points));
  w.residuals["hbm"] = stats_node(f.stats);
  w.fits["hbm"]["form"] = "t = bytes/(hbm_GBps·hbm_eff) + launch";
  w.fits["hbm"]["launch_s"] = num(f.launch_s);
}

// Fused attention → the efficiency of the kernel class each record ran as, per direction, with every
// other figure (blocks, SFU rate, hbm_eff, launch) from the values fitted so far.
void fit_attention_section(Writer& w, const std::vector<Measurements>& inputs, const Gpu* gpu) {
  std::map<std::pair<AttentionKernel, bool>, std::vector<AttentionPoint>> groups;
  size_t unfused = 0, total = 0;
  for (const auto& m : inputs)
    for (const auto& a : m.attention) {
      ++total;
      if (!gpu) w.fail("gpu", "attention records need the GPU's peak and SFU rate: name it with --gpu");
      const auto k = attention_kernel_of(a.impl, *gpu);
      if (!k)
        w.fail(
            "attention.impl",
            fmt::format("no kernel class for cuDNN SDPA on {} (arch '{}'): record impl fa2 or fa3 explicitly",
                        gpu->id, gpu->arch));
      if (*k == AttentionKernel::unfused) {
        ++unfused;  // batched GEMMs + softmax: the GEMM and memory-bound figures cover it
        continue;
      }
      AttentionShape s;
      s.batch = a.batch;
      s.heads = a.heads;
      s.kv_heads = a.kv_heads;
      s.seq_q = a.seq_q;
      s.seq_k = a.seq_k;
      s.head_dim = a.head_dim;
      s.head_dim_v = a.head_dim_v;
      s.causal = a.causal;
      groups[{*k, a.direction == "bwd"}].push_back({s, a.direction == "bwd", a.time_s});
    }
  if (total == 0) return;
  for (const auto& [key, pts] : groups) {
    const auto& [kernel, backward] = key;
    const AttentionFit f = fit_attention(*gpu, w.d.values, kernel, backward, pts);
    const std::string field = attention_eff_key(kernel, backward);
    if (f.eff >= 1.49)
      w.fail("attention",
             fmt::format(
                 "{} calls run faster than models::attention_{}_s allows at any efficiency up to 1.5: the "
                 "exponential (SFU) or tile figures of the calibration do not describe this GPU",
                 to_string(kernel), backward ? "bwd" : "fwd"));
    w.set(field, f.eff, attention_eff(w.d.values, kernel, backward), true,
          fmt::format(
              "models::attention_{}_s over {} {} calls ({} causal, {} non-causal), 1-D least squares on "
              "relative residuals",
              backward ? "bwd" : "fwd", f.stats.points, to_string(kernel), f.causal.points,
              f.non_causal.points));
    const std::string id = fmt::format("attention.{}.{}", to_string(kernel), backward ? "bwd" : "fwd");
    w.residuals[id] = stats_node(f.stats);
    w.fits[id]["form"] = fmt::format(
        "t = max(max(pairs/SMs, longest CTA)·(t_matmul(eff){}t_exp), io/(hbm·hbm_eff)) + launch{}",
        kernel == AttentionKernel::fa3 ? " max " : " + ", backward ? " + pre/post memory-bound kernels" : "");
    if (f.causal.points) w.fits[id]["causal"] = stats_node(f.causal);
    if (f.non_causal.points) w.fits[id]["non_causal"] = stats_node(f.non_causal);
  }
  if (gpu) {
    const auto k = cudnn_sdpa_class(*gpu);
    w.fits["attention"]["cudnn_sdpa_class"] =
        k ? fmt::format("{} on {} ({})", to_string(*k), gpu->arch, gpu->id) : std::string("none");
  }
  if (unfused)
    w.fits["attention"]["unfused_records"] =
        fmt::format("{} unfused calls: validated (validate --microbench), not fitted", unfused);
}

void fit_collective_section(Writer& w, const std::vector<Measurements>& inputs, const Gpu* gpu,
                            const CalibrateOptions& o) {
  std::map<std::tuple<int, int, std::string>, std::vector<CollectivePoint>> coll;  // (nodes, ranks, op)
  for (const auto& m : inputs)
    for (const auto& c : m.collectives) {
      Collective op;
      if (!parse_collective(c.op, op))
        throw InputError({m.file, c.line, 0}, "op", fmt::format("unknown collective '{}'", c.op));
      coll[{c.nodes, c.ranks, to_string(op)}].push_back({op, c.ranks, c.bytes, c.time_s});
    }
  // One fit per (nodes, ranks, op); the calibration takes the largest all-reduce group (the busbw figure
  // the model's efficiencies are defined on), else the largest group.
  const std::tuple<int, int, std::string>* pick_intra = nullptr;
  const std::tuple<int, int, std::string>* pick_inter = nullptr;
  std::map<std::tuple<int, int, std::string>, LinkFit> link_fits;
  for (const auto& [key, pts] : coll) {
    const LinkFit f = fit_collectives(pts);
    link_fits[key] = f;
    const auto& [nodes, ranks, op] = key;
    const std::string id =
        fmt::format("nccl.{}.n{}{}", op, ranks, nodes > 1 ? fmt::format(".nodes{}", nodes) : "");
    w.residuals[id] = stats_node(f.stats);
    w.fits[id]["busbw_GBps"] = num(f.busbw_Bps / 1e9);
    w.fits[id]["step_latency_s"] = num(f.step_latency_s);
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
      w.fail("link_GBps",
             "the GPU is unknown: name it with --gpu, or give the per-GPU one-way NVLink bandwidth with "
             "--link-GBps");
    const LinkFit& f = link_fits[*pick_intra];
    const auto& [nodes, ranks, op] = *pick_intra;
    const std::string how = fmt::format(
        "{} over {} ranks in one NVLink domain, t = steps·latency + bus_bytes/busbw "
        "(busbw {:.1f} GB/s vs {:.0f} GB/s one-way NVLink)",
        op, ranks, f.busbw_Bps / 1e9, ref);
    w.set("nvlink_busbw_eff", f.busbw_Bps / 1e9 / ref, w.d.values.nvlink_busbw_eff, true, how);
    if (f.step_latency_s > 0)
      w.set("collective_step_latency_s", f.step_latency_s, w.d.values.collective_step_latency_s, false, how);
    w.fits["nvlink_reference_GBps"] = num(ref);
  }
  if (pick_inter) {
    if (o.nic_gbps <= 0 || o.nics_per_node <= 0)
      w.fail("nic_gbps", "multi-node collectives need --nic-gbps and --nics-per-node");
    const LinkFit& f = link_fits[*pick_inter];
    const auto& [nodes, ranks, op] = *pick_inter;
    const int local = std::max(1, ranks / nodes);
    const double line_Bps = o.nics_per_node * o.nic_gbps / 8 * 1e9 * local / o.gpus_per_node;
    w.set("nic_eff", f.busbw_Bps / line_Bps, w.d.values.nic_eff, true,
          fmt::format("{} over {} ranks on {} nodes ({} x {} Gb/s NICs per node)", op, ranks, nodes,
                      o.nics_per_node, o.nic_gbps));
  }
}

void fit_power_section(Writer& w, const std::vector<Measurements>& inputs, const Gpu* gpu) {
  std::vector<PowerPoint> power;
  for (const auto& m : inputs)
    for (const auto& p : m.power) {
      double u = 0;
      if (p.cls == "compute" && gpu && p.tflops > 0) {
        const auto peak =
            gpu->peak(p.load.find("fp8") != std::string::npos ? Precision::fp8 : Precision::bf16);
        u = peak ? p.tflops / *peak : 0;
      }
      power.push_back({p.cls, u, p.power_w});
    }
  if (power.empty()) return;
  if (!gpu) w.fail("gpu", "power records need the GPU's TDP: name it with --gpu");
  const PowerFit f = fit_power(gpu->tdp_w, power);
  if (f.compute_frac > 0)
    w.set("gpu_power_compute_frac", f.compute_frac, w.d.values.gpu_power_compute_frac, true,
          fmt::format("mean board power under dense GEMM load / TDP {:.0f} W", gpu->tdp_w));
  if (f.comm_frac > 0)
    w.set("gpu_power_comm_frac", f.comm_frac, w.d.values.gpu_power_comm_frac, true,
          fmt::format("mean board power under NCCL all-reduce load / TDP {:.0f} W", gpu->tdp_w));
  if (f.stats.points >= 2) {
    w.residuals["power"] = stats_node(f.stats);
    w.fits["power"]["form"] = "P = idle_w + slope_w·(achieved/peak tensor FLOP/s)";
    w.fits["power"]["idle_w"] = num(f.idle_w);
    w.fits["power"]["slope_w"] = num(f.slope_w);
  }
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
  Writer w{d, "", inputs.empty() ? std::string("calibrate") : inputs.front().file, {}, {}, {}, {}};
  for (const auto& m : inputs) w.from += (w.from.empty() ? "" : ", ") + m.file;

  // Memory-bound kernels first when the inputs have them: their hbm_eff and launch cost then hold in the
  // GEMM and attention fits (GEMM launch fixed), so every figure is fitted once.
  const bool memory_fitted = fit_memory_section(w, inputs, gpu);
  fit_gemm_section(w, inputs, base, gpu, memory_fitted);
  if (!memory_fitted) fit_stream_section(w, inputs, gpu);
  fit_attention_section(w, inputs, gpu);
  fit_collective_section(w, inputs, gpu, o);
  fit_power_section(w, inputs, gpu);

  size_t training = 0, p2p = 0;
  double p2p_GBps = 0, p2p_lat = 0;
  for (const auto& m : inputs) {
    for (const auto& x : m.p2p) p2p_GBps += x.bytes / x.time_s / 1e9, p2p_lat += x.latency_s, ++p2p;
    training += m.training.size();
  }
  if (p2p) {
    w.fits["p2p"]["mean_GBps"] = num(p2p_GBps / p2p);
    w.fits["p2p"]["mean_latency_s"] = num(p2p_lat / p2p);
    w.fits["p2p"]["pairs"] = p2p;
  }
  if (d.fitted.empty())
    w.fail(
        "",
        "nothing to fit: the inputs have no GEMM, attention, elementwise, launch, HBM, collective or power "
        "records");

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
    if (!m.cudnn.empty()) in["cudnn"] = m.cudnn;
    in["records"] = m.gemm.size() + m.hbm.size() + m.host.size() + m.p2p.size() + m.collectives.size() +
                    m.power.size() + m.attention.size() + m.elementwise.size() + m.launch.size() +
                    m.training.size();
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
  out << YAML::Key << "values" << YAML::Value << w.values;
  out << YAML::Key << "residuals" << YAML::Value << w.residuals;
  out << YAML::Key << "fits" << YAML::Value << w.fits;
  out << YAML::Key << "provenance" << YAML::Value << prov;
  out << YAML::Key << "sources" << YAML::Value << w.sources;
  out << YAML::EndMap;
  d.yaml = std::string("# Written by `trainsite calibrate`; fitted values with residuals and provenance.\n") +
           out.c_str() + "\n";
  return d;
}

}  // namespace trainsite::calibration
