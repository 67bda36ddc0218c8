#include "models/step/layer.h"

#include <algorithm>

#include "models/step/attention.h"
#include "models/step/collectives.h"
#include "models/step/gemm.h"
#include "models/step/moe.h"
#include "models/step/transformer.h"

namespace trainsite::models {

namespace {
constexpr double kAct = 2.0;  // bytes per activation element: 16-bit, also under FP8 training
}  // namespace

AttentionShape attention_shape(const Scenario& sc) {
  const Shape s = shape_of(sc.workload.model);
  const auto& p = sc.parallelism;
  AttentionShape a;
  a.batch = p.micro_batch;
  a.heads = s.a / p.tp;
  a.kv_heads = std::max(1.0, s.kv / p.tp);
  // The whole sequence: with context parallelism Megatron gives each rank one chunk from the start
  // and one from the end, so every rank does 1/cp of this causal work (layer_cost scales by 1/cp).
  a.seq_q = s.s;
  a.seq_k = s.s;
  a.head_dim = s.head_dim();
  a.head_dim_v = s.head_dim_v();
  a.causal = true;
  a.dropout = sc.workload.dropout > 0;
  return a;
}

LayerCost layer_cost(const Scenario& sc, bool moe_layer) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  const Device lin = training_device(sc.cluster.gpu, w.precision, cal);
  const Device d16 = training_device(sc.cluster.gpu, Precision::bf16, cal);
  const bool fp8 = w.precision == Precision::fp8;
  const double t = p.tp, T = p.micro_batch * s.s / p.cp;  // tokens this GPU processes
  LayerCost c;

  // Linear layer Y[m×n] = X[m×k]·W[k×n]: forward GEMM; backward dX = dY·Wᵀ and dW = Xᵀ·dY. Under FP8,
  // Transformer Engine casts X (forward) and dY (backward) to FP8 together with their transposes for the
  // other GEMM (cast_transpose: read 2 B, write 1 + 1 B per element, amax in the same pass).
  auto add_linear = [&](double m, double n, double k, double batch = 1) {
    c.fwd.gemm += gemm_time_s(lin, m, n, k, batch);
    const double wgrad = gemm_time_s(lin, k, n, m, batch);
    c.bwd.gemm += gemm_time_s(lin, m, k, n, batch) + wgrad;
    c.bwd_wgrad += wgrad;
    if (fp8) {
      c.fwd.memory += memory_bound_s(d16, 4.0 * m * k * batch);
      c.bwd.memory += memory_bound_s(d16, 4.0 * m * n * batch);
    }
  };
  // A memory-bound operator moving `fwd_bytes` forward and `bwd_bytes` backward.
  auto add_memory = [&](double fwd_bytes, double bwd_bytes) {
    c.fwd.memory += memory_bound_s(d16, fwd_bytes);
    c.bwd.memory += memory_bound_s(d16, bwd_bytes);
  };

  // Tokens × hidden held by this rank between the blocks: split by TP under sequence parallelism.
  const double N = T * s.h / (p.sequence_parallel ? t : 1.0);
  // Layer norm: read x, write y (backward: read x and dy, write dx).
  const auto layer_norm = [&] { add_memory(2 * kAct * N, 3 * kAct * N); };
  // Bias-dropout-residual add: read two tensors, write one; with dropout, write a 1-byte mask. Its
  // backward adds the two gradients that meet on the residual stream (read two, write one) and, with
  // dropout, scales the branch gradient by the mask (read the gradient and the mask, write).
  const bool dropout = w.dropout > 0;
  const auto residual = [&] {
    add_memory((3 * kAct + (dropout ? 1 : 0)) * N, 3 * kAct * N + (dropout ? (2 * kAct + 1) * N : 0.0));
  };

  layer_norm();
  if (const auto& mla = w.model.mla) {
    // MLA (DeepSeek-V2 §2.1): down-projections of the whole width (not split by TP), an RMSNorm on each
    // latent, up-projections to the heads on this rank.
    const double rope = mla->qk_rope_head_dim;
    // Selective recomputation keeps the latents and re-runs their norms and up-projections before the
    // backward (DeepSeek-V3 §3.3.2), so their forward cost is recorded in c.selective.
    if (mla->q_lora_rank > 0) {
      add_linear(T, mla->q_lora_rank, s.h);
    } else {
      add_linear(T, s.q_width() / t, s.h);
    }
    add_linear(T, mla->kv_lora_rank + rope, s.h);
    const KernelTimes before_up = c.fwd;
    if (mla->q_lora_rank > 0) {
      add_memory(2 * kAct * T * mla->q_lora_rank, 3 * kAct * T * mla->q_lora_rank);
      add_linear(T, s.q_width() / t, mla->q_lora_rank);
    }
    add_memory(2 * kAct * T * mla->kv_lora_rank, 3 * kAct * T * mla->kv_lora_rank);
    add_linear(T, s.a * (mla->qk_nope_head_dim + mla->v_head_dim) / t, mla->kv_lora_rank);
    c.selective += KernelTimes{c.fwd.gemm - before_up.gemm, c.fwd.attention - before_up.attention,
                               c.fwd.memory - before_up.memory};
  } else {
    add_linear(T, (s.q_width() + s.kv * (s.dq + s.dv)) / t, s.h);
  }
  const AttentionShape a = attention_shape(sc);
  const Device& ad = d16;  // attention stays in 16 bit under FP8 (Transformer Engine)
  const double cp_share = p.cp > 1 ? 1.0 / p.cp : 1.0;
  const double core_fwd = cp_share * attention_fwd_s(ad, sc.cluster.gpu, a, w.attention_kernel);
  c.fwd.attention += core_fwd;
  if (w.attention_kernel == AttentionKernel::unfused) c.selective.attention += core_fwd;
  c.bwd.attention += cp_share * attention_bwd_s(ad, sc.cluster.gpu, a, w.attention_kernel);
  add_linear(T, s.h, s.o_width() / t);
  residual();
  layer_norm();

  const double mlp_up = w.model.activation == Activation::swiglu ? 2.0 : 1.0;
  double mlp_hidden = s.f / t;  // MLP hidden width on this rank, per token
  if (moe_layer && w.model.moe) {
    const auto& moe = *w.model.moe;
    const double fe = moe.expert_ffn_hidden;
    const double local_experts = double(moe.experts) / p.ep;
    // The busiest expert-parallel rank receives load_imbalance times the mean tokens; it sets the pace.
    const double tokens_per_expert = T * moe.top_k * p.ep / moe.experts * moe.load_imbalance;
    add_linear(T, moe.experts, s.h);  // router
    add_linear(tokens_per_expert, mlp_up * fe / t, s.h, local_experts);
    add_linear(tokens_per_expert, s.h, fe / t, local_experts);
    mlp_hidden = fe * moe.top_k * moe.load_imbalance / t;
    if (moe.shared_experts > 0) {
      add_linear(T, mlp_up * fe * moe.shared_experts / t, s.h);
      add_linear(T, s.h, fe * moe.shared_experts / t);
      mlp_hidden += fe * moe.shared_experts / t;
    }
    // Dispatch and combine all-to-alls (models/step/moe.h): node-limited routing, FP8 dispatch.
    c.ep_fwd = moe_alltoall_s(sc, moe_traffic(sc, true)) + moe_alltoall_s(sc, moe_traffic(sc, false));
  } else {
    add_linear(T, mlp_up * s.f / t, s.h);
    add_linear(T, s.h, s.f / t);
  }
  // Activation on the MLP hidden: GeLU reads and writes it (backward: x, dy -> dx); SwiGLU reads gate
  // and up and writes their product (backward: gate, up, dy -> dgate, dup).
  const bool swiglu = w.model.activation == Activation::swiglu;
  add_memory((swiglu ? 3 : 2) * kAct * T * mlp_hidden, (swiglu ? 5 : 3) * kAct * T * mlp_hidden);
  if (w.fp8_activation_cache) {
    // Forward: the input cast to FP8 for keeping (read 2 B, write 1 B an element); backward: read it
    // back to 16 bit and recompute the output before the second projection's weight gradient.
    const double in = (swiglu ? 2 : 1) * T * mlp_hidden;
    add_memory(3 * in, 3 * in + (swiglu ? 3 : 2) * kAct * T * mlp_hidden);
  }
  residual();

  // Tensor parallel: 2 all-reduces (or all-gather + reduce-scatter with sequence parallelism, the
  // same bytes) of the T×h activations per layer in forward, 2 in backward.
  if (p.tp > 1) {
    const Link tp = group_link(sc.cluster, cal, p.tp, 1);
    c.tp_fwd = 2 * allreduce_s(tp, T * s.h * kAct, p.tp);
  }

  // Context parallel (ring attention): K and V chunks travel p.cp − 1 hops, overlapped with the
  // attention core; only what the core cannot hide is exposed. Backward also returns dK, dV.
  if (p.cp > 1) {
    const Link cp = group_link(sc.cluster, cal, p.cp, p.tp);
    const double kv_bytes = T * s.kv * (s.dq + s.dv) / t * kAct;
    const double ring = (p.cp - 1) * p2p_s(cp, kv_bytes);
    c.cp_fwd = std::max(0.0, ring - c.fwd.attention);
    c.cp_bwd = std::max(0.0, 2 * ring - c.bwd.attention);
  }
  return c;
}

}  // namespace trainsite::models
