#include "calibration/fit.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "models/step/gemm.h"

namespace trainsite::calibration {

using namespace models;

FitStats fit_stats(const std::vector<double>& measured, const std::vector<double>& predicted) {
  FitStats s;
  s.points = static_cast<int>(measured.size());
  if (measured.empty()) return s;
  double mean = 0;
  for (double y : measured) mean += y;
  mean /= measured.size();
  double ss_res = 0, ss_tot = 0, rel2 = 0;
  for (size_t i = 0; i < measured.size(); ++i) {
    const double r = predicted[i] - measured[i];
    ss_res += r * r;
    ss_tot += (measured[i] - mean) * (measured[i] - mean);
    const double rel = measured[i] != 0 ? r / measured[i] : 0;
    rel2 += rel * rel;
    s.max_abs_rel_residual = std::max(s.max_abs_rel_residual, std::abs(rel));
  }
  s.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : (ss_res == 0 ? 1 : 0);
  s.rms_rel_residual = std::sqrt(rel2 / measured.size());
  return s;
}

LinearFit fit_relative(const Eigen::MatrixXd& X, const Eigen::VectorXd& y,
                       const std::vector<bool>& non_negative) {
  const Eigen::Index n = X.rows(), p = X.cols();
  // Row i divided by y_i: the residual becomes the relative error.
  Eigen::MatrixXd Xw = X;
  for (Eigen::Index i = 0; i < n; ++i) Xw.row(i) /= y(i);
  const Eigen::VectorXd ones = Eigen::VectorXd::Ones(n);
  std::vector<bool> pinned(p, false);
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  for (Eigen::Index round = 0; round <= p; ++round) {
    std::vector<Eigen::Index> free;
    for (Eigen::Index j = 0; j < p; ++j)
      if (!pinned[j]) free.push_back(j);
    beta.setZero();
    if (free.empty()) break;
    Eigen::MatrixXd A(n, Eigen::Index(free.size()));
    for (size_t c = 0; c < free.size(); ++c) A.col(Eigen::Index(c)) = Xw.col(free[c]);
    const Eigen::VectorXd b = A.colPivHouseholderQr().solve(ones);
    for (size_t c = 0; c < free.size(); ++c) beta(free[c]) = b(Eigen::Index(c));
    // Pin the most negative constrained coefficient, if any, and refit the rest.
    Eigen::Index worst = -1;
    for (Eigen::Index j : free)
      if (j < Eigen::Index(non_negative.size()) && non_negative[j] && beta(j) < 0 &&
          (worst < 0 || beta(j) < beta(worst)))
        worst = j;
    if (worst < 0) break;
    pinned[worst] = true;
  }
  LinearFit f;
  f.coef = beta;
  const Eigen::VectorXd pred = X * beta;
  f.stats = fit_stats(std::vector<double>(y.data(), y.data() + n),
                      std::vector<double>(pred.data(), pred.data() + n));
  return f;
}

// ----------------------------------------------------------------------------------------------- GEMM

double gemm_elem_bytes(Precision p, double m, double n, double k) {
  if (p != Precision::fp8) return 2.0;
  return (m * k + k * n + 2 * m * n) / (m * k + k * n + m * n);
}

namespace {

double elem_bytes(const GemmPoint& p) {
  return gemm_elem_bytes(p.precision, p.m, p.n, p.k);
}

// Seconds at gemm_eff_max = 1 with no launch cost and no memory bound: the model's compute term
// per unit of 1/gemm_eff_max (wave quantization and tile padding included).
double compute_unit_s(const Gpu& gpu, const GemmPoint& p, int tm, int tn, double k0) {
  Calibration c;
  c.gemm_k_overhead = k0;
  c.gemm_eff_max = 1;
  c.kernel_launch_s = 0;
  c.hbm_eff = 1e30;
  c.fp8_gemm_eff_factor = 1;
  c.tile_m = tm;
  c.tile_n = tn;
  return gemm_time_s(device_for(gpu, p.precision, c), p.m, p.n, p.k, p.batch, elem_bytes(p));
}

double memory_s(const Gpu& gpu, const GemmPoint& p, double hbm_eff) {
  return elem_bytes(p) * p.batch * (p.m * p.k + p.k * p.n + p.m * p.n) / (gpu.hbm_GBps * 1e9 * hbm_eff);
}

GemmFit fit_gemm_tile(const Gpu& gpu, const std::vector<GemmPoint>& pts, const Calibration& base, int tm,
                      int tn, double k0, std::optional<double> fixed_launch) {
  GemmFit f;
  f.tile_m = tm;
  f.tile_n = tn;
  f.gemm_k_overhead = k0;
  std::vector<double> A(pts.size()), B(pts.size());
  for (size_t i = 0; i < pts.size(); ++i) {
    A[i] = compute_unit_s(gpu, pts[i], tm, tn, k0);
    B[i] = memory_s(gpu, pts[i], base.hbm_eff);
  }
  double eff = base.gemm_eff_max, launch = fixed_launch.value_or(base.kernel_launch_s), eff8 = 0;
  // The max() makes the model piecewise linear: alternate between choosing the compute-bound
  // points under the current efficiency and refitting on them (converges in a few rounds).
  for (int round = 0; round < 6; ++round) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < pts.size(); ++i)
      if (pts[i].precision != Precision::fp8 && A[i] / eff >= B[i]) idx.push_back(i);
    if (idx.empty()) break;
    Eigen::MatrixXd X(Eigen::Index(idx.size()), 2);
    Eigen::VectorXd y(Eigen::Index(idx.size()));
    for (size_t r = 0; r < idx.size(); ++r) {
      X(Eigen::Index(r), 0) = A[idx[r]];
      X(Eigen::Index(r), 1) = 1.0;
      y(Eigen::Index(r)) = pts[idx[r]].time_s - fixed_launch.value_or(0.0);
    }
    if (fixed_launch && (y.array() <= 0).any()) break;  // a point faster than the launch alone
    const LinearFit lf = !fixed_launch && idx.size() >= 2 ? fit_relative(X, y, {true, true})
                                                          : fit_relative(X.leftCols(1), y, {true});
    if (lf.coef(0) <= 0) break;
    eff = 1.0 / lf.coef(0);
    launch = fixed_launch ? *fixed_launch : idx.size() >= 2 ? lf.coef(1) : 0.0;
    f.compute_bound_points = static_cast<int>(idx.size());
  }
  // FP8: its own efficiency with the launch cost fixed, expressed as a factor on BF16's.
  std::vector<size_t> idx8;
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts[i].precision == Precision::fp8 && pts[i].time_s > launch && A[i] / (eff * 0.8) >= B[i])
      idx8.push_back(i);
  if (!idx8.empty()) {
    Eigen::MatrixXd X(Eigen::Index(idx8.size()), 1);
    Eigen::VectorXd y(Eigen::Index(idx8.size()));
    for (size_t r = 0; r < idx8.size(); ++r) {
      X(Eigen::Index(r), 0) = A[idx8[r]];
      y(Eigen::Index(r)) = pts[idx8[r]].time_s - launch;
    }
    const LinearFit lf = fit_relative(X, y, {true});
    if (lf.coef(0) > 0) eff8 = 1.0 / lf.coef(0);
  }
  f.gemm_eff_max = eff;
  f.kernel_launch_s = launch;
  f.fp8_gemm_eff_factor = eff8 > 0 ? eff8 / eff : 0;

  Calibration c = base;
  c.gemm_eff_max = eff;
  c.kernel_launch_s = launch;
  c.tile_m = tm;
  c.tile_n = tn;
  c.gemm_k_overhead = k0;
  if (f.fp8_gemm_eff_factor > 0) c.fp8_gemm_eff_factor = f.fp8_gemm_eff_factor;
  std::vector<double> meas, pred;
  for (const auto& p : pts) {
    meas.push_back(p.time_s);
    pred.push_back(gemm_time_s(device_for(gpu, p.precision, c), p.m, p.n, p.k, p.batch, elem_bytes(p)));
    f.rel_residuals.push_back((pred.back() - meas.back()) / meas.back());
  }
  f.stats = fit_stats(meas, pred);
  return f;
}

}  // namespace

GemmFit fit_gemm(const Gpu& gpu, const std::vector<GemmPoint>& points, const Calibration& base,
                 std::optional<double> fixed_launch_s) {
  GemmFit best;
  best.stats.rms_rel_residual = std::numeric_limits<double>::infinity();
  if (points.empty()) return best;
  // Tiles (CUTLASS/cuBLAS tensor-core tiles) and the per-tile k overhead (0 to 384 k-steps of
  // prologue/epilogue) are searched on a grid; each pair gets its least-squares efficiency.
  for (const auto& [tm, tn] :
       {std::pair{base.tile_m, base.tile_n}, std::pair{128, 256}, std::pair{128, 128}, std::pair{256, 256}})
    for (const double k0 : {0.0, 32.0, 64.0, 96.0, 128.0, 160.0, 192.0, 224.0, 256.0, 320.0, 384.0}) {
      const GemmFit f = fit_gemm_tile(gpu, points, base, tm, tn, k0, fixed_launch_s);
      if (f.gemm_eff_max > 0 && f.stats.rms_rel_residual < best.stats.rms_rel_residual - 1e-12) best = f;
    }
  return best;
}

// ------------------------------------------------------------------------------------------------ HBM

HbmFit fit_hbm(const Gpu& gpu, const std::vector<StreamPoint>& points) {
  HbmFit f;
  if (points.empty()) return f;
  const Eigen::Index n = Eigen::Index(points.size());
  Eigen::MatrixXd X(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = points[i].bytes / (gpu.hbm_GBps * 1e9);
    X(i, 1) = 1.0;
    y(i) = points[i].time_s;
  }
  const LinearFit lf = fit_relative(X, y, {true, true});
  f.hbm_eff = lf.coef(0) > 0 ? 1.0 / lf.coef(0) : 0;
  f.launch_s = lf.coef(1);
  f.stats = lf.stats;
  return f;
}

// ------------------------------------------------------------------------ Memory-bound and launch

double memory_bound_record_s(const Gpu& gpu, const Calibration& cal, double bytes, int kernels) {
  return memory_bound_s(device_for(gpu, Precision::bf16, cal), bytes) + (kernels - 1) * cal.kernel_launch_s;
}

MemoryBoundFit fit_memory_bound(const Gpu& gpu, const std::vector<MemoryPoint>& points,
                                const Calibration& base) {
  MemoryBoundFit f;
  if (points.empty()) return f;
  const Eigen::Index n = Eigen::Index(points.size());
  Eigen::MatrixXd X(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    X(i, 0) = points[size_t(i)].bytes / (gpu.hbm_GBps * 1e9);
    X(i, 1) = points[size_t(i)].kernels;
    y(i) = points[size_t(i)].time_s;
  }
  const LinearFit lf = fit_relative(X, y, {true, true});
  f.hbm_eff = lf.coef(0) > 0 ? 1.0 / lf.coef(0) : 0;
  f.kernel_launch_s = lf.coef(1);
  if (f.hbm_eff <= 0) return f;
  // Residuals through the model's own function with the fitted values.
  Calibration c = base;
  c.hbm_eff = f.hbm_eff;
  c.kernel_launch_s = f.kernel_launch_s;
  std::vector<double> meas, pred;
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_group;
  for (const auto& p : points) {
    meas.push_back(p.time_s);
    pred.push_back(memory_bound_record_s(gpu, c, p.bytes, p.kernels));
    f.rel_residuals.push_back((pred.back() - p.time_s) / p.time_s);
    by_group[p.group].first.push_back(p.time_s);
    by_group[p.group].second.push_back(pred.back());
  }
  f.stats = fit_stats(meas, pred);
  for (const auto& [g, mp] : by_group) f.groups[g] = fit_stats(mp.first, mp.second);
  return f;
}

// ------------------------------------------------------------------------------------------ Attention

std::optional<AttentionKernel> cudnn_sdpa_class(const Gpu& gpu) {
  if (gpu.arch == "hopper") return AttentionKernel::fa3;
  if (gpu.arch == "ampere" || gpu.arch == "ada") return AttentionKernel::fa2;
  return std::nullopt;
}

std::optional<AttentionKernel> attention_kernel_of(const std::string& impl, const Gpu& gpu) {
  if (impl == "cudnn-sdpa") return cudnn_sdpa_class(gpu);
  if (impl == "fa1") return AttentionKernel::fa1;
  if (impl == "fa2") return AttentionKernel::fa2;
  if (impl == "fa3") return AttentionKernel::fa3;
  if (impl == "unfused") return AttentionKernel::unfused;
  return std::nullopt;
}

double& attention_eff(Calibration& c, AttentionKernel k, bool backward) {
  switch (k) {
    case AttentionKernel::fa1: return backward ? c.fa1_bwd_eff : c.fa1_fwd_eff;
    case AttentionKernel::fa3: return backward ? c.fa3_bwd_eff : c.fa3_fwd_eff;
    case AttentionKernel::fa2:
    case AttentionKernel::unfused: break;
  }
  return backward ? c.fa2_bwd_eff : c.fa2_fwd_eff;
}

std::string attention_eff_key(AttentionKernel k, bool backward) {
  return to_string(k) + (backward ? "_bwd_eff" : "_fwd_eff");
}

AttentionFit fit_attention(const Gpu& gpu, const Calibration& cal, AttentionKernel kernel, bool backward,
                           const std::vector<AttentionPoint>& points) {
  AttentionFit f;
  if (points.empty() || kernel == AttentionKernel::unfused) return f;
  std::vector<const AttentionPoint*> pts;
  for (const auto& p : points)
    if (p.backward == backward) pts.push_back(&p);
  if (pts.empty()) return f;
  Calibration c = cal;
  const auto predict = [&](const AttentionPoint& p, double eff) {
    attention_eff(c, kernel, backward) = eff;
    const Device d = device_for(gpu, Precision::bf16, c);
    return backward ? attention_bwd_s(d, gpu, p.shape, kernel) : attention_fwd_s(d, gpu, p.shape, kernel);
  };
  const auto cost = [&](double eff) {
    double s = 0;
    for (const auto* p : pts) {
      const double r = (predict(*p, eff) - p->time_s) / p->time_s;
      s += r * r;
    }
    return s;
  };
  // The model is not linear in the efficiency (max() with the I/O bound, and FA3's overlap with the
  // exponentials), so: a log-spaced scan over (0.02, 1.5], then golden-section search between the
  // best scan point's neighbours. Deterministic and safe with flat stretches.
  constexpr int kScan = 240;
  const double lo = std::log(0.02), hi = std::log(1.5);
  std::vector<double> grid(kScan + 1);
  int best = 0;
  double best_cost = std::numeric_limits<double>::infinity();
  for (int i = 0; i <= kScan; ++i) {
    grid[size_t(i)] = std::exp(lo + (hi - lo) * i / kScan);
    const double v = cost(grid[size_t(i)]);
    if (v < best_cost) best_cost = v, best = i;
  }
  double a = grid[size_t(std::max(0, best - 1))], b = grid[size_t(std::min(kScan, best + 1))];
  const double phi = 0.5 * (std::sqrt(5.0) - 1);
  double x1 = b - phi * (b - a), x2 = a + phi * (b - a), f1 = cost(x1), f2 = cost(x2);
  for (int it = 0; it < 80 && b - a > 1e-7 * b; ++it) {
    if (f1 <= f2) {
      b = x2, x2 = x1, f2 = f1, x1 = b - phi * (b - a), f1 = cost(x1);
    } else {
      a = x1, x1 = x2, f1 = f2, x2 = a + phi * (b - a), f2 = cost(x2);
    }
  }
  f.eff = f1 <= f2 ? x1 : x2;
  if (best_cost < std::min(f1, f2)) f.eff = grid[size_t(best)];
  std::vector<double> meas, pred, mc, pc, mn, pn;
  for (const auto* p : pts) {
    const double t = predict(*p, f.eff);
    meas.push_back(p->time_s);
    pred.push_back(t);
    f.rel_residuals.push_back((t - p->time_s) / p->time_s);
    (p->shape.causal ? mc : mn).push_back(p->time_s);
    (p->shape.causal ? pc : pn).push_back(t);
  }
  f.stats = fit_stats(meas, pred);
  f.causal = fit_stats(mc, pc);
  f.non_causal = fit_stats(mn, pn);
  return f;
}

// -------------------------------------------------------------------------------------- Collectives

bool parse_collective(const std::string& name, Collective& out) {
  std::string s;
  for (char c : name)
    if (c != '_' && c != '-') s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.size() > 4 && s.substr(s.size() - 4) == "perf") s.resize(s.size() - 4);
  if (s == "allreduce")
    out = Collective::all_reduce;
  else if (s == "allgather")
    out = Collective::all_gather;
  else if (s == "reducescatter")
    out = Collective::reduce_scatter;
  else if (s == "alltoall")
    out = Collective::alltoall;
  else if (s == "sendrecv")
    out = Collective::sendrecv;
  else
    return false;
  return true;
}

std::string to_string(Collective c) {
  switch (c) {
    case Collective::all_reduce: return "all_reduce";
    case Collective::all_gather: return "all_gather";
    case Collective::reduce_scatter: return "reduce_scatter";
    case Collective::alltoall: return "alltoall";
    case Collective::sendrecv: return "sendrecv";
  }
  return "?";
}

double collective_time_s(Collective op, const Link& l, double bytes, int ranks) {
  switch (op) {
    case Collective::all_reduce: return allreduce_s(l, bytes, ranks);
    case Collective::all_gather: return allgather_s(l, bytes, ranks);
    case Collective::reduce_scatter: return reduce_scatter_s(l, bytes, ranks);
    case Collective::alltoall: return alltoall_s(l, bytes, ranks);
    case Collective::sendrecv: return p2p_s(l, bytes);
  }
  return 0;
}

double bus_factor(Collective op, int n) {
  if (op == Collective::all_reduce) return 2.0 * (n - 1) / n;
  if (op == Collective::sendrecv) return 1.0;
  return double(n - 1) / n;
}

namespace {
// Latency steps of each form in models/step/collectives.cpp.
double steps(Collective op, int n) {
  if (op == Collective::all_reduce) return 2.0 * (n - 1);
  if (op == Collective::sendrecv) return 1.0;
  return n - 1.0;
}
}  // namespace

LinkFit fit_collectives(const std::vector<CollectivePoint>& points) {
  LinkFit f;
  if (points.empty()) return f;
  const Eigen::Index n = Eigen::Index(points.size());
  Eigen::MatrixXd X(n, 2);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& p = points[i];
    X(i, 0) = steps(p.op, p.ranks);
    X(i, 1) = bus_factor(p.op, p.ranks) * p.bytes;
    y(i) = p.time_s;
  }
  const LinearFit lf = fit_relative(X, y, {true, true});
  f.step_latency_s = lf.coef(0);
  f.busbw_Bps = lf.coef(1) > 0 ? 1.0 / lf.coef(1) : 0;
  f.stats = lf.stats;
  return f;
}

// ---------------------------------------------------------------------------------------------- Power

PowerFit fit_power(double tdp_w, const std::vector<PowerPoint>& points) {
  PowerFit f;
  std::vector<const PowerPoint*> lin;
  double compute = 0, comm = 0;
  int nc = 0, nm = 0;
  for (const auto& p : points) {
    if (p.cls == "idle" || p.cls == "compute") lin.push_back(&p);
    if (p.cls == "compute") compute += p.power_w, ++nc;
    if (p.cls == "communication") comm += p.power_w, ++nm;
  }
  if (nc) f.compute_frac = compute / nc / tdp_w;
  if (nm) f.comm_frac = comm / nm / tdp_w;
  if (lin.size() >= 2) {
    const Eigen::Index n = Eigen::Index(lin.size());
    Eigen::MatrixXd X(n, 2);
    Eigen::VectorXd y(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      X(i, 0) = 1.0;
      X(i, 1) = lin[i]->utilization;
      y(i) = lin[i]->power_w;
    }
    const LinearFit lf = fit_relative(X, y, {true, false});
    f.idle_w = lf.coef(0);
    f.slope_w = lf.coef(1);
    f.stats = lf.stats;
  }
  return f;
}

}  // namespace trainsite::calibration
