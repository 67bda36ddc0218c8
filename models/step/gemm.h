// Time of dense GEMMs and memory-bound kernels on one GPU.
#pragma once

#include "models/calibration.h"
#include "models/catalog.h"

namespace trainsite::models {

struct Device {
  double peak_flops = 0;        // dense tensor FLOP/s for the precision in use
  double burst_peak_flops = 0;  // the peak before any sustained-clock factor (fused attention uses it)
  double sustained_flops = 0;   // power-limited ceiling of any tensor kernel (0 = none)
  double hbm_Bps = 0;           // HBM bytes/s (datasheet)
  int sms = 1;
  const Calibration* cal = nullptr;
};

// The GPU as a short microbenchmark sees it (boost clocks).
Device device_for(const Gpu& gpu, Precision p, const Calibration& cal);
// The GPU as a training step sees it: hours of tensor-core work at the board power limit lower the
// clocks: GEMMs run at Calibration::sustained_gemm_factor of their burst rate, and no tensor kernel
// exceeds Calibration::sustained_tensor_frac of the peak.
// `reserved_sms` SMs run communication kernels throughout (DeepSeek-V3's all-to-all, §3.2.2) and are
// taken from the computation.
Device training_device(const Gpu& gpu, Precision p, const Calibration& cal, int reserved_sms = 0);

// Fraction of SM slots that do useful work when `tiles` output tiles run in waves on `sms` SMs.
double wave_efficiency(double tiles, int sms);

// C[m×n] = A[m×k]·B[k×n], `batch` independent GEMMs, `elem_bytes` per element.
double gemm_time_s(const Device& d, double m, double n, double k, double batch = 1, double elem_bytes = 2);

// Forward, data-gradient and weight-gradient GEMMs of one linear layer Y = X·W.
double linear_fwd_s(const Device& d, double m, double n, double k);
double linear_bwd_s(const Device& d, double m, double n, double k);

// A kernel that streams `bytes` through HBM once.
double memory_bound_s(const Device& d, double bytes);

}  // namespace trainsite::models
