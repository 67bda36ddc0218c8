// The attention core (softmax(Q·Kᵀ/√d)·V) as the kernel that runs it: a fused FlashAttention-class
// kernel (FA1, FA2, FA3) or the unfused sequence of batched GEMMs and memory-bound softmax/dropout
// that Megatron-LM ran before fused kernels.
//
// Fused kernels (Dao et al. 2022, "FlashAttention", arXiv 2205.14135; Dao 2023, "FlashAttention-2",
// arXiv 2307.08691; Shah et al. 2024, "FlashAttention-3", arXiv 2407.08608) tile the s_q × s_k score
// matrix into block_q × block_kv blocks; one thread block (CTA) owns a row of query blocks and walks
// its key blocks. With a causal mask, key blocks entirely above the diagonal are skipped and blocks on
// the diagonal are computed whole, so the work is counted in blocks, not as exactly half the square.
// Per score element the forward runs 2·(d_qk + d_v) matmul FLOPs and one exponential; the backward
// recomputes the scores and runs five matmuls, 2·(3·d_qk + 2·d_v) FLOPs, and one exponential.
// Matmuls run on the tensor cores at a kernel-class efficiency; exponentials run on the special-function
// units (16 per SM per clock on sm_80 and sm_90, CUDA C++ Programming Guide, "Arithmetic Instructions").
// FA1/FA2 issue the softmax between the GEMMs of a warp, so the two add up; FA3 overlaps them with
// warp-group ping-pong scheduling (Shah et al. 2024 §3.1), so the slower of the two sets the pace.
#pragma once

#include <string>

#include "models/step/gemm.h"

namespace trainsite::models {

enum class AttentionKernel { unfused, fa1, fa2, fa3 };

// One attention call on one GPU (heads already split by tensor parallelism, queries by context parallelism).
struct AttentionShape {
  double batch = 1;         // sequences
  double heads = 1;         // query heads on this GPU
  double kv_heads = 1;      // key/value heads on this GPU (GQA/MQA: fewer; changes traffic, not FLOPs)
  double seq_q = 0;         // queries per sequence on this GPU
  double seq_k = 0;         // keys per sequence (the whole context)
  double head_dim = 128;    // query/key head dimension (MLA: nope + rope dims)
  double head_dim_v = 128;  // value head dimension
  bool causal = true;
  bool dropout = false;  // attention dropout (the unfused path writes and reads a mask)
};

// Key blocks a causal kernel visits, summed over the query blocks of one (sequence, head), with queries
// aligned to the end of the keys (seq_k − seq_q earlier keys are visible to every query).
double attention_block_pairs(const AttentionShape& a, double block_q, double block_kv);

// Matmul FLOPs the kernel executes (forward, backward), counted in whole blocks as the kernel runs them.
double attention_fwd_flops(const AttentionShape& a, const Calibration& cal, AttentionKernel k);
double attention_bwd_flops(const AttentionShape& a, const Calibration& cal, AttentionKernel k);

// FLOPs of the exact mathematical attention (forward), the masked half excluded for causal: what an
// MFU numerator counts.
double attention_math_flops_fwd(const AttentionShape& a);

// Kernel times. `d` is the 16-bit device (attention stays in BF16 under FP8 training, as in
// Transformer Engine); `gpu` supplies the SFU rate.
double attention_fwd_s(const Device& d, const Gpu& gpu, const AttentionShape& a, AttentionKernel k);
double attention_bwd_s(const Device& d, const Gpu& gpu, const AttentionShape& a, AttentionKernel k);

// Exponentials per second on the whole GPU: SMs × SFU ops per clock × boost clock.
double sfu_exp_per_s(const Gpu& gpu, const Calibration& cal);

std::string to_string(AttentionKernel k);

}  // namespace trainsite::models
