#include "models/step/attention.h"

#include <algorithm>
#include <cmath>

namespace trainsite::models {

namespace {

constexpr double kAct = 2.0;  // bytes per 16-bit element

struct ClassFigures {
  double fwd_eff = 0, bwd_eff = 0;
  bool overlaps_softmax = false;
};

ClassFigures figures(const Calibration& c, AttentionKernel k) {
  switch (k) {
    case AttentionKernel::fa1: return {c.fa1_fwd_eff, c.fa1_bwd_eff, false};
    case AttentionKernel::fa2: return {c.fa2_fwd_eff, c.fa2_bwd_eff, false};
    case AttentionKernel::fa3: return {c.fa3_fwd_eff, c.fa3_bwd_eff, true};
    case AttentionKernel::unfused: break;
  }
  return {};
}

// Work units of a fused kernel: total block pairs over all CTAs and the longest CTA's share.
struct Blocks {
  double pairs = 0;    // block pairs over the whole call
  double longest = 0;  // block pairs of the busiest CTA (one query-block row)
  double ctas = 0;
};

Blocks blocks(const AttentionShape& a, const Calibration& c) {
  const double bq = c.attn_block_q, bk = c.attn_block_kv;
  const double rows = std::ceil(a.seq_q / bq), cols = std::ceil(a.seq_k / bk);
  Blocks b;
  b.ctas = a.batch * a.heads * rows;
  b.pairs = a.batch * a.heads * attention_block_pairs(a, bq, bk);
  b.longest = cols;
  return b;
}

// Time of `pairs` block pairs spread over the SMs, bounded below by the busiest CTA.
double fused_time_s(const Device& d, const Gpu& gpu, const AttentionShape& a, double flops_per_elem,
                    double eff, bool overlap) {
  const Calibration& c = *d.cal;
  const Blocks b = blocks(a, c);
  const double elems_per_pair = c.attn_block_q * c.attn_block_kv;
  const double sms = d.sms;
  double t_mm = flops_per_elem * elems_per_pair / (d.burst_peak_flops / sms * eff);
  if (d.sustained_flops > 0)
    t_mm = std::max(t_mm, flops_per_elem * elems_per_pair / (d.sustained_flops / sms));
  const double t_exp = elems_per_pair / (sfu_exp_per_s(gpu, c) / gpu.sms);  // one SM's exponential rate
  const double per_pair = overlap ? std::max(t_mm, t_exp) : t_mm + t_exp;
  return std::max(b.pairs / sms, b.longest) * per_pair;
}

}  // namespace

double attention_block_pairs(const AttentionShape& a, double block_q, double block_kv) {
  const double rows = std::ceil(a.seq_q / block_q), cols = std::ceil(a.seq_k / block_kv);
  if (!a.causal) return rows * cols;
  // Query block i (0-based) sees keys up to offset + (i+1)·block_q, offset = seq_k − seq_q.
  const double offset = std::max(0.0, a.seq_k - a.seq_q);
  double pairs = 0;
  for (double i = 0; i < rows; ++i)
    pairs += std::min(cols, std::ceil((offset + std::min(a.seq_q, (i + 1) * block_q)) / block_kv));
  return pairs;
}

double attention_math_flops_fwd(const AttentionShape& a) {
  // Visible (query, key) pairs: the lower triangle including the diagonal for causal.
  double visible = a.seq_q * a.seq_k;
  if (a.causal) {
    const double offset = std::max(0.0, a.seq_k - a.seq_q);
    visible = a.seq_q * offset + a.seq_q * (a.seq_q + 1) / 2;
  }
  return 2.0 * a.batch * a.heads * visible * (a.head_dim + a.head_dim_v);
}

double attention_fwd_flops(const AttentionShape& a, const Calibration& cal, AttentionKernel k) {
  const double per_elem = 2.0 * (a.head_dim + a.head_dim_v);
  if (k == AttentionKernel::unfused) return a.batch * a.heads * a.seq_q * a.seq_k * per_elem;
  return blocks(a, cal).pairs * cal.attn_block_q * cal.attn_block_kv * per_elem;
}

double attention_bwd_flops(const AttentionShape& a, const Calibration& cal, AttentionKernel k) {
  // dV = Pᵀ·dO, dP = dO·Vᵀ (d_v each); S = Q·Kᵀ recomputed, dQ = dS·K, dK = dSᵀ·Q (d_qk each).
  const double per_elem = 2.0 * (3 * a.head_dim + 2 * a.head_dim_v);
  if (k == AttentionKernel::unfused)
    return a.batch * a.heads * a.seq_q * a.seq_k * 2.0 * (2 * a.head_dim + 2 * a.head_dim_v);
  return blocks(a, cal).pairs * cal.attn_block_q * cal.attn_block_kv * per_elem;
}

double sfu_exp_per_s(const Gpu& gpu, const Calibration& cal) {
  return gpu.sms * cal.sfu_ops_per_clock_per_sm * gpu.boost_clock_mhz * 1e6;
}

double attention_fwd_s(const Device& d, const Gpu& gpu, const AttentionShape& a, AttentionKernel k) {
  const Calibration& c = *d.cal;
  const double bh = a.batch * a.heads;
  if (k == AttentionKernel::unfused) {
    // Scores Q·Kᵀ and context P·V as batched GEMMs over (sequence, head); between them the scaled,
    // masked softmax (read + write 16-bit) and dropout (read + write + 1-byte mask) on every score.
    const double scores = bh * a.seq_q * a.seq_k;
    return gemm_time_s(d, a.seq_q, a.seq_k, a.head_dim, bh) +
           gemm_time_s(d, a.seq_q, a.head_dim_v, a.seq_k, bh) + memory_bound_s(d, 4.0 * scores) +
           (a.dropout ? memory_bound_s(d, 5.0 * scores) : 0.0);
  }
  const ClassFigures f = figures(c, k);
  // Q, K, V read and O written once, plus the row statistics (fp32) kept for the backward.
  const double io_bytes = kAct * (bh * a.seq_q * (a.head_dim + a.head_dim_v) +
                                  a.batch * a.kv_heads * a.seq_k * (a.head_dim + a.head_dim_v)) +
                          4.0 * bh * a.seq_q;
  const double t = fused_time_s(d, gpu, a, 2.0 * (a.head_dim + a.head_dim_v), f.fwd_eff, f.overlaps_softmax);
  return std::max(t, io_bytes / (d.hbm_Bps * c.hbm_eff)) + c.kernel_launch_s;
}

double attention_bwd_s(const Device& d, const Gpu& gpu, const AttentionShape& a, AttentionKernel k) {
  const Calibration& c = *d.cal;
  const double bh = a.batch * a.heads;
  if (k == AttentionKernel::unfused) {
    // dV = Pᵀ·dO, dP = dO·Vᵀ, dQ = dS·K, dK = dSᵀ·Q; between them the dropout backward (read the
    // gradient and the 1-byte mask, write) and the softmax backward (read P and its gradient, write dS).
    const double scores = bh * a.seq_q * a.seq_k;
    return gemm_time_s(d, a.seq_k, a.head_dim_v, a.seq_q, bh) +
           gemm_time_s(d, a.seq_q, a.seq_k, a.head_dim_v, bh) +
           gemm_time_s(d, a.seq_q, a.head_dim, a.seq_k, bh) +
           gemm_time_s(d, a.seq_k, a.head_dim, a.seq_q, bh) +
           (a.dropout ? memory_bound_s(d, 5.0 * scores) : 0.0) + memory_bound_s(d, 6.0 * scores);
  }
  const ClassFigures f = figures(c, k);
  // Pre-pass D = rowsum(dO∘O) (reads dO and O) and the fp32 dQ accumulator converted to 16 bit
  // afterwards (FlashAttention-2 §3.2): two small memory-bound kernels around the main one.
  const double q_elems = bh * a.seq_q * a.head_dim;
  const double pre = memory_bound_s(d, 2.0 * kAct * bh * a.seq_q * a.head_dim_v);
  const double post = memory_bound_s(d, (4.0 + kAct) * q_elems);
  const double t =
      fused_time_s(d, gpu, a, 2.0 * (3 * a.head_dim + 2 * a.head_dim_v), f.bwd_eff, f.overlaps_softmax);
  return pre + t + c.kernel_launch_s + post;
}

std::string to_string(AttentionKernel k) {
  switch (k) {
    case AttentionKernel::unfused: return "unfused";
    case AttentionKernel::fa1: return "fa1";
    case AttentionKernel::fa2: return "fa2";
    case AttentionKernel::fa3: return "fa3";
  }
  return "?";
}

}  // namespace trainsite::models
