#include "models/step/gemm.h"

#include <algorithm>
#include <cmath>

namespace trainsite::models {

Device device_for(const Gpu& gpu, Precision p, const Calibration& cal) {
  Device d;
  const auto peak = gpu.peak(p);
  d.peak_flops = peak.value_or(0) * 1e12;
  if (p == Precision::fp8) d.peak_flops *= cal.fp8_gemm_eff_factor;
  d.hbm_Bps = gpu.hbm_GBps * 1e9;
  d.sms = std::max(gpu.sms, 1);
  d.burst_peak_flops = d.peak_flops;
  d.cal = &cal;
  return d;
}

Device training_device(const Gpu& gpu, Precision p, const Calibration& cal, int reserved_sms) {
  Device d = device_for(gpu, p, cal);
  const bool fp8 = p == Precision::fp8;
  const double factor = fp8 ? cal.sustained_gemm_factor_fp8 : cal.sustained_gemm_factor;
  const double frac = fp8 ? cal.sustained_tensor_frac_fp8 : cal.sustained_tensor_frac;
  if (factor > 0) d.peak_flops *= factor;
  if (frac > 0) d.sustained_flops = gpu.peak(p).value_or(0) * 1e12 * frac;
  if (reserved_sms > 0 && reserved_sms < d.sms) {
    const double left = double(d.sms - reserved_sms) / d.sms;
    d.sms -= reserved_sms;
    d.peak_flops *= left;
    d.burst_peak_flops *= left;
    d.sustained_flops *= left;
  }
  return d;
}

double wave_efficiency(double tiles, int sms) {
  if (tiles <= 0) return 1.0;
  const double waves = std::ceil(tiles / sms);
  return tiles / (waves * sms);
}

double gemm_time_s(const Device& d, double m, double n, double k, double batch, double elem_bytes) {
  const Calibration& c = *d.cal;
  const double flops = 2.0 * m * n * k * batch;
  // The kernel picks the tile orientation that quantizes better (cuBLAS heuristics choose among
  // tile shapes; two orientations of the same tile bound that choice without inventing others).
  double best = 0;
  for (const auto& [tm, tn] : {std::pair{c.tile_m, c.tile_n}, std::pair{c.tile_n, c.tile_m}}) {
    const double tiles_m = std::ceil(m / tm), tiles_n = std::ceil(n / tn);
    const double padding = (m * n) / (tiles_m * tm * tiles_n * tn);
    const double eff = c.gemm_eff_max * wave_efficiency(tiles_m * tiles_n * batch, d.sms) * padding;
    best = std::max(best, eff);
  }
  double t_compute = flops / (d.peak_flops * best) * (k + c.gemm_k_overhead) / k;
  if (d.sustained_flops > 0) t_compute = std::max(t_compute, flops / d.sustained_flops);
  const double bytes = elem_bytes * batch * (m * k + k * n + m * n);
  const double t_memory = bytes / (d.hbm_Bps * c.hbm_eff);
  return std::max(t_compute, t_memory) + c.kernel_launch_s;
}

double linear_fwd_s(const Device& d, double m, double n, double k) {
  return gemm_time_s(d, m, n, k);
}

double linear_bwd_s(const Device& d, double m, double n, double k) {
  // dX[m×k] = dY[m×n]·Wᵀ and dW[k×n] = Xᵀ·dY[m×n].
  return gemm_time_s(d, m, k, n) + gemm_time_s(d, k, n, m);
}

double memory_bound_s(const Device& d, double bytes) {
  return bytes / (d.hbm_Bps * d.cal->hbm_eff) + d.cal->kernel_launch_s;
}

}  // namespace trainsite::models
