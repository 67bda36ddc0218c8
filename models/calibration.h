// Efficiency figures that turn datasheet peaks into achievable rates. Defaults come from
// data/calibration/default.yaml (per GPU architecture, each with its source); `trainsite calibrate`
// writes the same structure fitted to microbenchmarks.
#pragma once

#include <map>
#include <string>

namespace trainsite::models {

struct Calibration {
  std::string name = "default";
  // GEMM: time = max(flops / (peak·gemm_eff_max·wave_eff), bytes / (hbm·hbm_eff)) + launch.
  double gemm_eff_max = 0.8;  // large-GEMM fraction of dense peak
  int tile_m = 128;           // output tile of the tensor-core kernel
  int tile_n = 256;
  // Fixed cost of each output tile (pipeline prologue, epilogue: loading and storing C) in units of
  // k: a GEMM with inner dimension k runs at k / (k + gemm_k_overhead) of the large-k rate.
  double gemm_k_overhead = 0;
  double kernel_launch_s = 4e-6;     // fixed cost per kernel
  double hbm_eff = 0.85;             // achievable fraction of HBM peak for streaming kernels
  double fp8_gemm_eff_factor = 0.8;  // FP8 GEMMs reach a lower fraction of their peak than BF16
  // Power-limited operation over hours of training (0 = not measured): GEMMs keep the tensor cores
  // saturated, so they run at the sustained clock, a factor below their microbenchmark (burst) rate;
  // kernels with a lower tensor duty cycle (fused attention) keep their clocks but no tensor kernel
  // exceeds the sustained tensor rate, a fraction of the BF16/FP16 or FP8 peak.
  double sustained_gemm_factor = 0, sustained_gemm_factor_fp8 = 0;
  double sustained_tensor_frac = 0, sustained_tensor_frac_fp8 = 0;
  // Fused attention (models/step/attention.h): tensor-core fraction reached by the matmuls inside
  // FlashAttention-class kernels, per class and direction, and their tile. Exponentials run on the SFUs.
  double attn_block_q = 128;
  double attn_block_kv = 128;
  double fa1_fwd_eff = 0.40, fa1_bwd_eff = 0.33;
  double fa2_fwd_eff = 0.89, fa2_bwd_eff = 0.67;
  double fa3_fwd_eff = 0.66, fa3_bwd_eff = 0.52;
  double sfu_ops_per_clock_per_sm = 16;  // exponentials per SM per clock (MUFU)
  // Collectives: bus bandwidth = link peak × efficiency; time = latency·steps + bytes/busbw.
  double nvlink_busbw_eff = 0.78;           // achieved all-reduce busbw / unidirectional NVLink
  double nic_eff = 0.94;                    // achieved busbw / NIC line rate at large messages
  double collective_step_latency_s = 5e-6;  // per ring step (NCCL LL/Simple protocol hop)
  // Power (used by the power model): GPU draw as fraction of TDP per phase.
  double gpu_power_compute_frac = 0.9;
  double gpu_power_comm_frac = 0.55;
  std::map<std::string, std::string> sources;
};

}  // namespace trainsite::models
