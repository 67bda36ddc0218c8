// GEMM timing: wave quantization and the roofline with hand numbers.
#include "models/step/gemm.h"

#include <gtest/gtest.h>

#include <cmath>

namespace trainsite::models {
namespace {

TEST(Gemm, WaveEfficiencyHandCases) {
  // A100: 108 SMs. Exactly one wave: all busy. One tile more: a second wave with 1 of 108 SMs
  // busy → 109 / 216 = 0.50463. Half a wave: 54 / 108 = 0.5. Two full waves: 1.
  EXPECT_DOUBLE_EQ(wave_efficiency(108, 108), 1.0);
  EXPECT_DOUBLE_EQ(wave_efficiency(109, 108), 109.0 / 216.0);
  EXPECT_DOUBLE_EQ(wave_efficiency(54, 108), 0.5);
  EXPECT_DOUBLE_EQ(wave_efficiency(216, 108), 1.0);
  // H100 SXM: 132 SMs; 2048 tiles → ceil(2048/132) = 16 waves → 2048/2112 = 0.969697.
  EXPECT_DOUBLE_EQ(wave_efficiency(2048, 132), 2048.0 / 2112.0);
  EXPECT_DOUBLE_EQ(wave_efficiency(0, 108), 1.0);
}

Device a100(const Calibration& cal) {
  Gpu g;
  g.sms = 108;
  g.peak_tflops["bf16"] = 312;
  g.hbm_GBps = 2039;
  return device_for(g, Precision::bf16, cal);
}

TEST(Gemm, LargeSquareGemmIsComputeBound) {
  // 8192³ on A100 (312 TF, 0.8 of peak at best, tiles 128×256): 64·32 = 2048 tiles in
  // ceil(2048/108) = 19 waves → 2048/2052 wave efficiency, no padding. 2·8192³ = 1.0995e12 FLOPs
  // at 312e12·0.8·0.998051 FLOP/s = 4.4137 ms, plus a 4 µs launch → 4.4177 ms.
  const Calibration cal;
  const Device d = a100(cal);
  const double flops = 2.0 * 8192.0 * 8192.0 * 8192.0;
  const double expected = flops / (312e12 * 0.8 * (2048.0 / 2052.0)) + 4e-6;
  EXPECT_NEAR(gemm_time_s(d, 8192, 8192, 8192), expected, 1e-12);
  EXPECT_NEAR(expected, 4.4177e-3, 1e-7);
}

TEST(Gemm, ThinGemmIsMemoryBound) {
  // 8192×8192 output with k = 8: 2·(8192·8 + 8·8192 + 8192²) = 134,479,872 bytes at
  // 2039e9·0.85 B/s = 77.59 µs; its 1.07 GFLOPs need only ~4.3 µs of tensor cores.
  const Calibration cal;
  const Device d = a100(cal);
  const double bytes = 2.0 * (8192.0 * 8 + 8 * 8192.0 + 8192.0 * 8192.0);
  EXPECT_DOUBLE_EQ(bytes, 134479872.0);
  EXPECT_NEAR(gemm_time_s(d, 8192, 8192, 8), bytes / (2039e9 * 0.85) + 4e-6, 1e-12);
  EXPECT_NEAR(memory_bound_s(d, bytes), bytes / (2039e9 * 0.85) + 4e-6, 1e-12);
}

TEST(Gemm, BackwardIsTwoGemms) {
  const Calibration cal;
  const Device d = a100(cal);
  EXPECT_DOUBLE_EQ(linear_bwd_s(d, 4096, 12288, 1536),
                   gemm_time_s(d, 4096, 1536, 12288) + gemm_time_s(d, 1536, 12288, 4096));
  // Same FLOPs as the forward twice, so at least twice its compute time minus launches.
  EXPECT_GT(linear_bwd_s(d, 4096, 12288, 1536), 2 * (linear_fwd_s(d, 4096, 12288, 1536) - 4e-6));
}

TEST(Gemm, Fp8UsesItsOwnPeakDerated) {
  Gpu g;
  g.sms = 132;
  g.peak_tflops["bf16"] = 989;
  g.peak_tflops["fp8"] = 1979;
  g.hbm_GBps = 3350;
  const Calibration cal;  // fp8_gemm_eff_factor 0.8
  EXPECT_DOUBLE_EQ(device_for(g, Precision::fp8, cal).peak_flops, 1979e12 * 0.8);
  EXPECT_DOUBLE_EQ(device_for(g, Precision::bf16, cal).peak_flops, 989e12);
}

}  // namespace
}  // namespace trainsite::models
