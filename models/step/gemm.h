// Time of dense GEMMs and memory-bound kernels on one GPU.
#pragma once

#include "models/calibration.h"
#include "models/catalog.h"

namespace trainsite::models {

struct Device {
  double peak_flops = 0;  // dense tensor FLOP/s for the precision in use
  double hbm_Bps = 0;     // HBM bytes/s (datasheet)
  int sms = 1;
  const Calibration* cal = nullptr;
};

Device device_for(const Gpu& gpu, Precision p, const Calibration& cal);

// Fraction of SM slots that do useful work when `tiles` output tiles run in waves on `sms` SMs.
double wave_efficiency(double tiles, int sms);

// C[m×n] = A[m×k]·B[k×n], `batch` independent GEMMs, `elem_bytes` per element.
double gemm_time_s(const Device& d, double m, double n, double k, double batch = 1,
                   double elem_bytes = 2);

// Forward, data-gradient and weight-gradient GEMMs of one linear layer Y = X·W.
double linear_fwd_s(const Device& d, double m, double n, double k);
double linear_bwd_s(const Device& d, double m, double n, double k);

// A kernel that streams `bytes` through HBM once.
double memory_bound_s(const Device& d, double bytes);

}  // namespace trainsite::models
