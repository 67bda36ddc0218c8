// models/fit: each fit recovers known parameters from synthetic measurements that the test
// generates from the model itself with multiplicative Gaussian noise (fixed seed, deterministic).
#include "calibration/fit.h"

#include <gtest/gtest.h>

#include <random>

#include "models/step/gemm.h"

using namespace trainsite::models;
using namespace trainsite::calibration;

namespace {

// An H100 SXM5-like GPU with datasheet figures (data/hardware.yaml): 989 TFLOP/s BF16, 1979 FP8,
// 3350 GB/s HBM, 132 SMs, 700 W.
Gpu h100() {
  Gpu g;
  g.id = "test-h100";
  g.arch = "hopper";
  g.sms = 132;
  g.peak_tflops = {{"bf16", 989}, {"fp16", 989}, {"fp8", 1979}};
  g.hbm_GBps = 3350;
  g.nvlink_GBps = 900;
  g.tdp_w = 700;
  return g;
}

struct Noise {
  std::mt19937 rng{20261126};
  std::normal_distribution<double> n{0.0, 1.0};
  double operator()(double sigma) { return 1.0 + sigma * n(rng); }
};

}  // namespace

TEST(FitRelative, RecoversAnExactLine) {
  Eigen::MatrixXd X(4, 2);
  Eigen::VectorXd y(4);
  for (int i = 0; i < 4; ++i) {
    X(i, 0) = 1;
    X(i, 1) = i + 1;
    y(i) = 3 + 2 * (i + 1);  // y = 3 + 2x
  }
  const LinearFit f = fit_relative(X, y);
  EXPECT_NEAR(f.coef(0), 3, 1e-12);
  EXPECT_NEAR(f.coef(1), 2, 1e-12);
  EXPECT_NEAR(f.stats.r2, 1, 1e-12);
  EXPECT_NEAR(f.stats.max_abs_rel_residual, 0, 1e-12);
}

TEST(FitRelative, PinsANegativeConstrainedCoefficientAtZero) {
  // y = 2x − 1 has a negative intercept; constrained, the fit becomes y = b·x with b > 0.
  Eigen::MatrixXd X(3, 2);
  Eigen::VectorXd y(3);
  for (int i = 0; i < 3; ++i) {
    X(i, 0) = 1;
    X(i, 1) = i + 2;
    y(i) = 2 * (i + 2) - 1;
  }
  const LinearFit f = fit_relative(X, y, {true, true});
  EXPECT_EQ(f.coef(0), 0);
  EXPECT_GT(f.coef(1), 1.5);
  EXPECT_LT(f.coef(1), 2.0);
}

TEST(GemmModel, SquareGemmTimeMatchesHandComputation) {
  // 8192³ BF16 at eff 0.65, launch 6 µs, tile 128×256: tiles 64·32 = 2048 on 132 SMs = 16 waves
  // (2112 slots), wave efficiency 2048/2112 = 0.96970; flops 2·8192³ = 1.09951e12;
  // t = 1.09951e12 / (989e12·0.65·0.96970) + 6e-6 = 1.763821e-3 + 6e-6 = 1.769821e-3 s.
  Calibration c;
  c.gemm_eff_max = 0.65;
  c.kernel_launch_s = 6e-6;
  EXPECT_NEAR(gemm_time_s(device_for(h100(), Precision::bf16, c), 8192, 8192, 8192), 1.769821e-3, 1e-8);
}

TEST(FitGemm, RecoversEfficiencyLaunchAndFp8FactorFromNoisyData) {
  const Gpu g = h100();
  Calibration truth;
  truth.gemm_eff_max = 0.65;
  truth.kernel_launch_s = 6e-6;
  truth.fp8_gemm_eff_factor = 0.7;
  Noise noise;
  std::vector<GemmPoint> pts;
  const double shapes[][4] = {{1024, 1024, 1024, 1},  {2048, 2048, 2048, 1},   {4096, 4096, 4096, 1},
                              {8192, 8192, 8192, 1},  {2048, 36864, 12288, 1}, {2048, 12288, 1536, 1},
                              {2048, 6144, 12288, 1}, {12288, 4608, 2048, 1},  {8192, 1280, 8192, 1},
                              {8192, 7168, 8192, 1},  {2048, 2048, 128, 12},   {16384, 8192, 3584, 1}};
  for (const auto& s : shapes)
    for (Precision p : {Precision::bf16, Precision::fp8}) {
      const double t =
          gemm_time_s(device_for(g, p, truth), s[0], s[1], s[2], s[3], gemm_elem_bytes(p, s[0], s[1], s[2]));
      pts.push_back({s[0], s[1], s[2], s[3], p, t * noise(0.02)});
    }
  Calibration base;  // starts from the struct defaults (0.8, 4 µs)
  const GemmFit f = fit_gemm(g, pts, base);
  EXPECT_NEAR(f.gemm_eff_max, 0.65, 0.65 * 0.03);
  EXPECT_NEAR(f.fp8_gemm_eff_factor, 0.7, 0.7 * 0.04);
  EXPECT_NEAR(f.kernel_launch_s, 6e-6, 3e-6);
  EXPECT_EQ(f.tile_m, 128);
  EXPECT_EQ(f.tile_n, 256);
  EXPECT_GT(f.compute_bound_points, 8);
  EXPECT_LT(f.stats.rms_rel_residual, 0.04);  // ~ the 2% noise
  EXPECT_GT(f.stats.r2, 0.99);
}

TEST(FitHbm, RecoversStreamEfficiency) {
  const Gpu g = h100();
  Noise noise;
  std::vector<StreamPoint> pts;
  // t = bytes / (3350e9·0.86) + 3 µs; e.g. 2 GiB: 2147483648 / 2.881e12 = 745.4 µs + 3 µs.
  for (double mb : {128.0, 192.0, 512.0, 768.0, 2048.0, 3072.0}) {
    const double bytes = mb * (1 << 20);
    pts.push_back({bytes, (bytes / (3350e9 * 0.86) + 3e-6) * noise(0.01)});
  }
  const HbmFit f = fit_hbm(g, pts);
  EXPECT_NEAR(f.hbm_eff, 0.86, 0.86 * 0.02);
  EXPECT_GT(f.stats.r2, 0.99);
}

TEST(FitCollectives, RecoversBusBandwidthAndStepLatency) {
  // 8-rank all-reduce on a 370 GB/s bus with 4 µs per ring step: 8 B costs 14 steps = 56 µs,
  // 512 MiB costs 2·7/8·536870912 / 370e9 = 2.539 ms + 56 µs.
  const Link truth{370e9, 4e-6};
  Noise noise;
  std::vector<CollectivePoint> pts;
  for (double bytes = 8; bytes <= double(1 << 30); bytes *= 4)
    pts.push_back({Collective::all_reduce, 8, bytes, allreduce_s(truth, bytes, 8) * noise(0.03)});
  EXPECT_NEAR(allreduce_s(truth, 536870912.0, 8), 2.5390e-3 + 56e-6, 1e-6);
  const LinkFit f = fit_collectives(pts);
  EXPECT_NEAR(f.busbw_Bps, 370e9, 370e9 * 0.05);
  EXPECT_NEAR(f.step_latency_s, 4e-6, 4e-6 * 0.05);
}

TEST(FitCollectives, NamesAndBusFactorsFollowNcclTests) {
  Collective c;
  ASSERT_TRUE(parse_collective("all_reduce_perf", c));
  EXPECT_EQ(c, Collective::all_reduce);
  ASSERT_TRUE(parse_collective("AllGather", c));
  EXPECT_EQ(c, Collective::all_gather);
  EXPECT_FALSE(parse_collective("broadcast", c));
  EXPECT_DOUBLE_EQ(bus_factor(Collective::all_reduce, 8), 1.75);  // 2·7/8
  EXPECT_DOUBLE_EQ(bus_factor(Collective::reduce_scatter, 8), 0.875);
  EXPECT_DOUBLE_EQ(bus_factor(Collective::sendrecv, 8), 1.0);
}

TEST(FitPower, FractionsOfTdpAndLinearUtilizationFit) {
  // Idle 70 W at u = 0; GEMM loads at u = 0.7 → 630 W and u = 0.6 → 550 W: P = 70 + 800·u.
  // compute_frac = mean(630, 550)/700 = 590/700 = 0.842857; comm_frac = 385/700 = 0.55.
  const std::vector<PowerPoint> pts = {{"idle", 0, 70},
                                       {"compute", 0.7, 630},
                                       {"compute", 0.6, 550},
                                       {"communication", 0, 385},
                                       {"memory", 0, 450}};
  const PowerFit f = fit_power(700, pts);
  EXPECT_NEAR(f.compute_frac, 590.0 / 700.0, 1e-12);
  EXPECT_NEAR(f.comm_frac, 0.55, 1e-12);
  EXPECT_NEAR(f.idle_w, 70, 1e-6);
  EXPECT_NEAR(f.slope_w, 800, 1e-6);
}
