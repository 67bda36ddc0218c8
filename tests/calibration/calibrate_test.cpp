// calibration/calibrate and the kernel-level fits (calibration/fit.h): fused attention, memory-bound
// operators and launch overhead. Every input here is SYNTHETIC — generated from the model itself with
// known constants (tests/calibration/synthetic_suite.h) — and each test checks that the fit gives the
// constants back through the model's own functions.
#include "calibration/calibrate.h"

#include <gtest/gtest.h>

#include "calibration/fit.h"
#include "models/step/attention.h"
#include "models/step/gemm.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "tests/calibration/synthetic_suite.h"

using namespace trainsite;
using namespace trainsite::models;
using namespace trainsite::calibration;

namespace {

const Catalog& catalog() {
  static const Catalog cat = scenarios::load_catalog(std::string(TRAINSITE_SOURCE_DIR) + "/data");
  return cat;
}
const Gpu& h100() {
  return *catalog().find_gpu("H100-SXM5-80GB");
}
const Gpu& a100() {
  return *catalog().find_gpu("A100-SXM4-80GB");
}

// Constants away from every default, so recovering them is not an accident of the starting point.
Calibration truth_for(const Gpu& g) {
  Calibration c = scenarios::load_calibration(std::string(TRAINSITE_SOURCE_DIR) + "/data", "default", g);
  c.fa2_fwd_eff = 0.61;
  c.fa2_bwd_eff = 0.47;
  c.fa3_fwd_eff = 0.55;
  c.fa3_bwd_eff = 0.40;
  c.hbm_eff = 0.80;
  c.kernel_launch_s = 3.0e-6;
  return c;
}

Measurements parse(const nlohmann::ordered_json& doc) {
  return parse_microbench_json(doc.dump(), "synthetic.json");
}

}  // namespace

TEST(CudnnSdpaClass, Fa3OnHopperFa2OnAmpere) {
  EXPECT_EQ(cudnn_sdpa_class(h100()), AttentionKernel::fa3);
  EXPECT_EQ(cudnn_sdpa_class(a100()), AttentionKernel::fa2);
  Gpu other = h100();
  other.arch = "volta";
  EXPECT_FALSE(cudnn_sdpa_class(other).has_value());
  EXPECT_EQ(attention_kernel_of("fa1", other), AttentionKernel::fa1);
  EXPECT_EQ(attention_kernel_of("unfused", other), AttentionKernel::unfused);
  EXPECT_EQ(attention_eff_key(AttentionKernel::fa3, true), "fa3_bwd_eff");
}

TEST(FitAttention, RecoversEachDirectionsEfficiencyFromExactPoints) {
  // Noise-free points from models::attention_fwd_s/_bwd_s: the 1-D search must land on the constant.
  const Gpu& g = h100();
  const Calibration truth = truth_for(g);
  const Device d = device_for(g, Precision::bf16, truth);
  std::vector<AttentionPoint> pts;
  for (double s : {1024.0, 4096.0, 16384.0})
    for (bool causal : {true, false})
      for (bool bwd : {false, true}) {
        AttentionShape a;
        a.batch = 131072 / s;
        a.heads = 16;
        a.kv_heads = 16;
        a.seq_q = a.seq_k = s;
        a.causal = causal;
        const double t = bwd ? attention_bwd_s(d, g, a, AttentionKernel::fa3)
                             : attention_fwd_s(d, g, a, AttentionKernel::fa3);
        pts.push_back({a, bwd, t});
      }
  Calibration start = truth;  // every other figure right, the efficiencies wrong
  start.fa3_fwd_eff = start.fa3_bwd_eff = 0.9;
  const AttentionFit fwd = fit_attention(g, start, AttentionKernel::fa3, false, pts);
  const AttentionFit bwd = fit_attention(g, start, AttentionKernel::fa3, true, pts);
  EXPECT_NEAR(fwd.eff, 0.55, 1e-4);
  EXPECT_NEAR(bwd.eff, 0.40, 1e-4);
  EXPECT_EQ(fwd.stats.points, 6);
  EXPECT_EQ(fwd.causal.points, 3);
  EXPECT_LT(fwd.stats.max_abs_rel_residual, 1e-4);
  EXPECT_LT(bwd.stats.max_abs_rel_residual, 1e-4);
}

TEST(FitMemoryBound, SeparatesBandwidthFromLaunchCost) {
  // t = bytes / (3350e9 · 0.80) + kernels · 3 µs; e.g. 1 GiB: 1073741824 / 2.68e12 = 400.6 µs + 3 µs.
  const Gpu& g = h100();
  const Calibration truth = truth_for(g);
  std::vector<MemoryPoint> pts = {{"launch.empty", 0, 1, 3.0e-6}};
  for (double mib : {1.0, 8.0, 64.0, 1024.0})
    for (int kernels : {1, 2}) {
      const double bytes = mib * (1 << 20);
      pts.push_back({"elementwise.x", bytes, kernels, memory_bound_record_s(g, truth, bytes, kernels)});
    }
  EXPECT_NEAR(memory_bound_record_s(g, truth, 1073741824.0, 1), 1073741824.0 / (3350e9 * 0.80) + 3e-6, 1e-12);
  const MemoryBoundFit f = fit_memory_bound(g, pts, Calibration{});
  EXPECT_NEAR(f.hbm_eff, 0.80, 1e-6);
  EXPECT_NEAR(f.kernel_launch_s, 3.0e-6, 1e-11);
  EXPECT_EQ(f.groups.size(), 2u);
  EXPECT_LT(f.stats.max_abs_rel_residual, 1e-6);
}

TEST(FitGemm, FixedLaunchFitsOnlyTheEfficiency) {
  const Gpu& g = h100();
  Calibration truth;
  truth.gemm_eff_max = 0.66;
  truth.kernel_launch_s = 2.5e-6;
  std::vector<GemmPoint> pts;
  for (double n : {1024.0, 4096.0, 8192.0})
    pts.push_back({n, n, n, 1, Precision::bf16, gemm_time_s(device_for(g, Precision::bf16, truth), n, n, n)});
  const GemmFit f = fit_gemm(g, pts, Calibration{}, 2.5e-6);
  EXPECT_NEAR(f.gemm_eff_max, 0.66, 1e-3);
  EXPECT_DOUBLE_EQ(f.kernel_launch_s, 2.5e-6);
}

TEST(CalibrateKernelTerms, SyntheticHopperSuiteGivesBackItsConstants) {
  const Gpu& g = h100();
  const Calibration truth = truth_for(g);
  const Measurements m = parse(synthetic::kernel_suite(g, truth, AttentionKernel::fa3, 0.01));
  ASSERT_EQ(m.attention.size(), 64u);
  ASSERT_EQ(m.elementwise.size(), 76u);
  ASSERT_EQ(m.launch.size(), 3u);
  CalibrateOptions o;
  o.name = "synthetic";
  const Calibration base =
      scenarios::load_calibration(std::string(TRAINSITE_SOURCE_DIR) + "/data", "default", g);
  const CalibrationDoc d = calibrate({m}, catalog(), base, &g, o);
  // 1% noise on 76 + 2 memory-bound points and 32 attention points per direction.
  EXPECT_NEAR(d.values.hbm_eff, 0.80, 0.80 * 0.01);
  EXPECT_NEAR(d.values.kernel_launch_s, 3.0e-6, 0.3e-6);
  EXPECT_NEAR(d.values.fa3_fwd_eff, 0.55, 0.55 * 0.01);
  EXPECT_NEAR(d.values.fa3_bwd_eff, 0.40, 0.40 * 0.01);
  EXPECT_DOUBLE_EQ(d.values.fa2_fwd_eff, base.fa2_fwd_eff);  // Hopper: cuDNN SDPA is FA3-class only
  for (const char* key : {"hbm_eff", "kernel_launch_s", "fa3_fwd_eff", "fa3_bwd_eff"})
    EXPECT_NE(std::find(d.fitted.begin(), d.fitted.end(), key), d.fitted.end()) << key;
  for (const char* text :
       {"attention.fa3.fwd:", "attention.fa3.bwd:", "memory_bound:", "non_causal:",
        "elementwise.layernorm_bwd:", "launch.dependent_chain:", "cudnn_sdpa_class: fa3 on hopper"})
    EXPECT_NE(d.yaml.find(text), std::string::npos) << text << "\n" << d.yaml;
  EXPECT_EQ(d.yaml.find("launch.graph_chain"), std::string::npos);  // CUDA graphs are not fitted
}

TEST(CalibrateKernelTerms, AmpereSuiteFitsTheFa2Class) {
  const Gpu& g = a100();
  const Calibration truth = truth_for(g);
  const Measurements m = parse(synthetic::kernel_suite(g, truth, AttentionKernel::fa2, 0.0));
  CalibrateOptions o;
  o.name = "synthetic-a100";
  const CalibrationDoc d = calibrate({m}, catalog(), Calibration{}, &g, o);
  EXPECT_NEAR(d.values.fa2_fwd_eff, 0.61, 1e-3);
  EXPECT_NEAR(d.values.fa2_bwd_eff, 0.47, 1e-3);
  EXPECT_EQ(std::find(d.fitted.begin(), d.fitted.end(), "fa3_fwd_eff"), d.fitted.end());
}

TEST(CalibrateKernelTerms, AttentionWithoutAGpuOrFasterThanPossibleIsBadInput) {
  const Gpu& g = h100();
  const Calibration truth = truth_for(g);
  auto doc = synthetic::kernel_suite(g, truth, AttentionKernel::fa3, 0.0);
  doc.erase("elementwise");
  doc.erase("launch");
  CalibrateOptions o;
  try {
    calibrate({parse(doc)}, catalog(), truth, nullptr, o);
    FAIL() << "expected an InputError";
  } catch (const scenarios::InputError& e) {
    EXPECT_EQ(e.field(), "gpu");
    EXPECT_EQ(e.where().file, "synthetic.json");
  }
  // Every call 100× faster than the model allows even at efficiency 1.5: refused, not clamped.
  for (auto& r : doc["attention"]["results"]) r["time_s"] = r["time_s"].get<double>() / 100;
  try {
    calibrate({parse(doc)}, catalog(), truth, &g, o);
    FAIL() << "expected an InputError";
  } catch (const scenarios::InputError& e) {
    EXPECT_EQ(e.field(), "attention");
  }
}

TEST(CalibrateKernelTerms, LaunchRecordsAloneSetOnlyTheLaunchCost) {
  // Relative least squares over 2.0 and 2.5 µs: L = Σ(1/t) / Σ(1/t²) = (0.5 + 0.4) / (0.25 + 0.16) µs
  // = 0.9 / 0.41 µs = 2.19512 µs.
  const std::string text = R"({"schema": "trainsite/microbench/v1", "launch": {"results": [
    {"kind": "empty", "kernels": 5000, "time_s_per_kernel": 2.0e-6},
    {"kind": "dependent_chain", "kernels": 5000, "time_s_per_kernel": 2.5e-6},
    {"kind": "graph_chain", "kernels": 5000, "time_s_per_kernel": 0.5e-6}]}})";
  CalibrateOptions o;
  const Calibration base = truth_for(h100());
  const CalibrationDoc d = calibrate({parse_microbench_json(text, "l.json")}, catalog(), base, nullptr, o);
  EXPECT_NEAR(d.values.kernel_launch_s, 2.19512e-6, 1e-11);
  EXPECT_DOUBLE_EQ(d.values.hbm_eff, base.hbm_eff);
  EXPECT_EQ(d.fitted, std::vector<std::string>{"kernel_launch_s"});
}
