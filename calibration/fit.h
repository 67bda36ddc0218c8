// Least-squares fits of the analytic model's efficiency figures to measurements (Eigen).
//
// Every fit keeps the model's own functional form, so a fitted value drops straight into
// Calibration: the GEMM fit uses models::gemm_time_s, the collective fit the ring forms of
// models/step/collectives.h, the HBM fit models::memory_bound_s. Residuals are relative
// ((predicted − measured)/measured), because measured times span several decades and a plain
// least-squares fit would only listen to the largest ones.
#pragma once

#include <Eigen/Dense>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/calibration.h"
#include "models/catalog.h"
#include "models/step/attention.h"
#include "models/step/collectives.h"

namespace trainsite::calibration {

using models::Calibration;
using models::Gpu;
using models::Link;
using models::Precision;

struct FitStats {
  int points = 0;
  double r2 = 0;                // on the measured values (1 − SS_res/SS_tot)
  double rms_rel_residual = 0;  // sqrt(mean(((pred − meas)/meas)²))
  double max_abs_rel_residual = 0;
};

FitStats fit_stats(const std::vector<double>& measured, const std::vector<double>& predicted);

// y ≈ X·β minimizing Σ((y − X·β)/y)². Coefficients whose column is flagged in `non_negative`
// and come out negative are pinned to 0 and the others refitted (a small active-set NNLS).
struct LinearFit {
  Eigen::VectorXd coef;
  FitStats stats;
};
LinearFit fit_relative(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                       const std::vector<bool>& non_negative = {});

// --- GEMM: t = max(flops·(k + k0)/k / (peak·gemm_eff_max·wave·padding), bytes / (hbm·hbm_eff)) + launch ---
struct GemmPoint {
  double m = 0, n = 0, k = 0, batch = 1;
  Precision precision = Precision::bf16;
  double time_s = 0;
};
// Mean bytes per element of a measured GEMM, for gemm_time_s's elem_bytes: 2 for BF16/FP16;
// FP8 kernels read 1-byte A and B but write a 16-bit D (as microbench/ runs them).
double gemm_elem_bytes(Precision p, double m, double n, double k);

struct GemmFit {
  double gemm_eff_max = 0;
  double kernel_launch_s = 0;
  double fp8_gemm_eff_factor = 0;  // 0 = no FP8 points
  int tile_m = 0, tile_n = 0;
  double gemm_k_overhead = 0;  // per-tile prologue/epilogue in k-steps
  int compute_bound_points = 0;  // points that determined gemm_eff_max
  FitStats stats;                // full model (with the fitted values) on every point
  std::vector<double> rel_residuals;
};
// `base` supplies hbm_eff (memory-bound side) and the tile candidates' starting point; tiles
// 128×256, 128×128 and 256×256 (CUTLASS/cuBLAS tensor-core tiles) are tried, the best kept.
// `fixed_launch_s`: the per-kernel launch cost when another fit (launch and memory-bound kernels)
// determined it; then only the efficiencies are fitted here.
GemmFit fit_gemm(const Gpu& gpu, const std::vector<GemmPoint>& points, const Calibration& base,
                 std::optional<double> fixed_launch_s = std::nullopt);

// --- HBM streaming kernels: t = bytes / (hbm·hbm_eff) + launch ---
struct StreamPoint {
  double bytes = 0, time_s = 0;
};
struct HbmFit {
  double hbm_eff = 0;
  double launch_s = 0;
  FitStats stats;
};
HbmFit fit_hbm(const Gpu& gpu, const std::vector<StreamPoint>& points);

// --- Memory-bound operators and launch overhead: t = bytes/(hbm·hbm_eff) + kernels·launch, i.e.
// models::memory_bound_s per kernel. Elementwise operators, STREAM copy/triad and back-to-back empty
// kernels (bytes 0) in one linear least-squares fit, so launch and bandwidth are separated by the data
// that determines each (launch by the tiny kernels, bandwidth by the large ones). ---
struct MemoryPoint {
  std::string group;  // e.g. "elementwise.layernorm_fwd", "hbm", "launch.empty" (for per-group residuals)
  double bytes = 0;
  int kernels = 1;
  double time_s = 0;
};
struct MemoryBoundFit {
  double hbm_eff = 0;
  double kernel_launch_s = 0;
  FitStats stats;                          // models::memory_bound_s with the fitted values, every point
  std::map<std::string, FitStats> groups;  // the same per group
  std::vector<double> rel_residuals;
};
MemoryBoundFit fit_memory_bound(const Gpu& gpu, const std::vector<MemoryPoint>& points,
                                const Calibration& base);
// Predicted time of a memory-bound record: memory_bound_s(bytes) plus the launch of its other kernels.
double memory_bound_record_s(const Gpu& gpu, const Calibration& cal, double bytes, int kernels);

// --- Fused attention: t = models::attention_fwd_s / attention_bwd_s. One tensor-core efficiency per
// (kernel class, direction), found by a 1-D search minimizing Σ((predicted − measured)/measured)²; the
// other figures (blocks, SFU rate, hbm_eff, launch) come from `cal`. ---
struct AttentionPoint {
  models::AttentionShape shape;
  bool backward = false;
  double time_s = 0;
};
struct AttentionFit {
  double eff = 0;
  FitStats stats;               // every point, with the fitted efficiency
  FitStats causal, non_causal;  // the same by mask
  std::vector<double> rel_residuals;
};
AttentionFit fit_attention(const Gpu& gpu, const Calibration& cal, models::AttentionKernel kernel,
                           bool backward, const std::vector<AttentionPoint>& points);
// Kernel class of cuDNN's fused SDPA on `gpu`, by kernel design (an assumption stated here, not a vendor
// statement): on Hopper cuDNN runs sm90-specific SDPA engines built on wgmma/TMA, the asynchronous,
// warp-specialized design of FlashAttention-3 (Shah et al. 2024, arXiv 2407.08608) → fa3; Ampere has no
// wgmma/TMA, so its kernels are FlashAttention-2-style tiling and work partitioning (Dao 2023, arXiv
// 2307.08691) → fa2. nullopt for other architectures.
std::optional<models::AttentionKernel> cudnn_sdpa_class(const Gpu& gpu);
// The kernel a recorded implementation runs as: "cudnn-sdpa" → cudnn_sdpa_class, "fa1|fa2|fa3|unfused"
// as named. nullopt when the GPU's class is unknown.
std::optional<models::AttentionKernel> attention_kernel_of(const std::string& impl, const Gpu& gpu);
// The calibration field of a fused class and direction (fa2_fwd_eff, ...), and its name.
double& attention_eff(Calibration& c, models::AttentionKernel k, bool backward);
std::string attention_eff_key(models::AttentionKernel k, bool backward);

// --- Collectives: t = steps(op, n)·latency + bus_bytes(op, n, S) / busbw (models/step/collectives.h) ---
enum class Collective { all_reduce, all_gather, reduce_scatter, alltoall, sendrecv };
bool parse_collective(const std::string& name, Collective& out);  // nccl-tests names, e.g. "all_reduce"
std::string to_string(Collective c);
double collective_time_s(Collective op, const Link& l, double bytes, int ranks);
// nccl-tests' busbw/algbw factor: 2(n−1)/n for all-reduce, (n−1)/n for gather/scatter/all-to-all, 1
// send/recv.
double bus_factor(Collective op, int ranks);

struct CollectivePoint {
  Collective op = Collective::all_reduce;
  int ranks = 2;
  double bytes = 0, time_s = 0;
};
struct LinkFit {
  double busbw_Bps = 0;
  double step_latency_s = 0;
  FitStats stats;
};
LinkFit fit_collectives(const std::vector<CollectivePoint>& points);

// --- Power vs tensor utilization: P = idle + slope·u, with u = achieved/peak FLOP/s ---
struct PowerPoint {
  std::string cls;  // idle | compute | memory | communication
  double utilization = 0;
  double power_w = 0;
};
struct PowerFit {
  double idle_w = 0, slope_w = 0;  // linear fit over idle + compute points (0 when < 2 points)
  double compute_frac = 0;         // mean compute-load power / TDP (0 = no compute points)
  double comm_frac = 0;            // mean communication-load power / TDP (0 = none)
  FitStats stats;
};
PowerFit fit_power(double tdp_w, const std::vector<PowerPoint>& points);

}  // namespace trainsite::calibration
