#include "models/step/memory.h"

#include <algorithm>

#include "models/step/iteration.h"
#include "models/step/pipeline.h"
#include "models/step/transformer.h"

namespace trainsite::models {

namespace {

constexpr double kGiB = 1073741824.0;
// Share of the HBM the driver leaves to applications: 85.0175e9 B reported total on an 80 GiB H100.
constexpr double kDriverShare = 0.99;
constexpr double kAct = 2.0;  // bytes per 16-bit activation element

// Dense and MoE layers of stage `stage` (MoE layers follow the `dense_layers` leading dense ones).
std::pair<int, int> dense_and_moe(const Scenario& sc, int stage) {
  const auto& m = sc.workload.model;
  const int n = layers_on_stage(sc, stage), first = first_layer_of_stage(sc, stage);
  const int dense_layers = m.moe ? m.moe->dense_layers : m.layers;
  const int dense = std::clamp(dense_layers - first, 0, n);
  return {dense, n - dense};
}

}  // namespace

double usable_hbm_GB(const Gpu& gpu) {
  return gpu.hbm_GB * kGiB * kDriverShare / 1e9;
}

bool MemoryFootprint::fits(const Gpu& gpu) const {
  return total_GB() <= usable_hbm_GB(gpu);
}

double activation_bytes_per_layer(const Scenario& sc, bool moe_layer) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Shape s = shape_of(w.model);
  const double b = p.micro_batch, t = p.tp, seq = s.s / p.cp, T = b * seq;
  // Tokens × hidden between the blocks, split by TP under sequence parallelism.
  const double N = T * s.h / (p.sequence_parallel ? t : 1.0);
  const bool dropout = w.dropout > 0;
  if (w.recompute == Recompute::full) return kAct * N;  // only the layer input is kept

  // Attention block: layer-norm input, QKV-projection input, Q/K/V, the attention output (the
  // projection's input, also kept by a fused kernel as O), and the dropout mask after the projection.
  double bytes =
      2 * kAct * N + kAct * T * (s.q_width() + s.kv * (s.dq + s.dv)) / t + kAct * T * s.o_width() / t +
      (dropout ? N : 0);
  if (const auto& mla = w.model.mla)  // the two latents and their normalized copies
    bytes += 2 * kAct * T * (mla->q_lora_rank + mla->kv_lora_rank + mla->qk_rope_head_dim);
  if (w.attention_kernel == AttentionKernel::unfused) {
    // Scores: softmax output (16 bit), and with attention dropout its 1-byte mask and 16-bit output
    // (Korthikanti's 5as²b); selective recomputation recomputes them instead.
    if (w.recompute != Recompute::selective) bytes += (dropout ? 5.0 : 2.0) * b * s.a * seq * s.s / t;
  } else {
    bytes += 4.0 * T * s.a / t;  // fp32 log-sum-exp per query row and head
  }
  // MLP block: layer-norm input, first projection's input, the activation's input and output, the
  // dropout mask. SwiGLU keeps gate and up (2·f) and their product.
  const bool swiglu = w.model.activation == Activation::swiglu;
  double hidden = s.f;  // MLP width per token
  double tokens = T;    // tokens entering the experts (routed copies under MoE)
  if (moe_layer && w.model.moe) {
    const auto& moe = *w.model.moe;
    hidden = moe.expert_ffn_hidden;
    tokens = T * moe.top_k;
    // Shared experts see every token once.
    bytes += (swiglu ? 3 : 2) * kAct * T * moe.expert_ffn_hidden * moe.shared_experts / t;
    bytes += kAct * tokens * s.h / t;  // the dispatched copies of the expert inputs
  }
  bytes += 2 * kAct * N + (swiglu ? 3 : 2) * kAct * tokens * hidden / t + (dropout ? N : 0);
  return bytes;
}

double stage_parameters_per_gpu(const Scenario& sc, int stage) {
  const auto& m = sc.workload.model;
  const auto& p = sc.parallelism;
  const auto [dense, moe] = dense_and_moe(sc, stage);
  double moe_layer = moe > 0 ? layer_parameters(m, true) : 0;
  if (m.moe && moe > 0) {
    // Routed experts are split across the expert-parallel ranks.
    const Shape s = shape_of(m);
    const double expert = (m.activation == Activation::swiglu ? 3.0 : 2.0) * s.h * m.moe->expert_ffn_hidden;
    moe_layer -= m.moe->experts * expert * (1.0 - 1.0 / p.ep);
  }
  double params = (dense * layer_parameters(m, false) + moe * moe_layer) / p.tp;
  const double emb = shape_of(m).V * shape_of(m).h / p.tp;
  if (stage == 0) params += emb;
  if (stage == p.pp - 1) params += emb + mtp_parameters(m) / p.tp;  // output layer (+ MTP modules)
  if (p.pp == 1 && m.tied_embeddings) params -= emb;
  return params;
}

MemoryFootprint stage_memory(const Scenario& sc, int stage) {
  const auto& p = sc.parallelism;
  const auto& w = sc.workload;
  const int dp = data_parallel_degree(sc), pp = p.pp;
  const Schedule sched = resolved_schedule(sc, std::max(1, p.virtual_stages));
  const bool dualpipe = sched == Schedule::dualpipe;
  MemoryFootprint f;
  f.stage = stage;
  // DualPipe places stage i and its mirror p−1−i on the same GPUs (two copies of the parameters).
  const int mirror = pp - 1 - stage;
  double P = stage_parameters_per_gpu(sc, stage);
  if (dualpipe && mirror != stage) P += stage_parameters_per_gpu(sc, mirror);
  f.params_per_gpu = P;
  const double g = w.precision == Precision::bf16 ? 4.0 : 2.0;  // fp32 main gradients under bf16
  const Shape s = shape_of(w.model);
  const int layers = std::max(1, layers_on_stage(sc, stage));
  const double root = (stage == 0 || stage == pp - 1) ? std::min(P, s.V * s.h / p.tp) : 0.0;
  const double unit = (P - root) / layers;  // one FSDP unit (transformer layer)
  // Mixed-precision Adam (ZeRO §3.1): 16-bit weights, gradients (fp32 under bf16), 12 B of fp32
  // master weights, momentum and variance, each sharded by its ZeRO stage. FULL_SHARD keeps the
  // root unit gathered through the step and at most two layer units (the one computing and the
  // prefetched one); the gradient of the unit being reduced exists unsharded for a moment.
  f.weights_GB = (p.zero >= 3 ? kAct * (root + 2 * unit) : kAct * P) / 1e9;
  if (w.precision == Precision::fp8 && p.zero < 3) f.weights_GB += 2.0 * P / 1e9;  // FP8 copy + transpose
  f.gradients_GB = (p.zero >= 2 ? g * (P / dp + 2 * unit) : g * P) / 1e9;
  f.optimizer_GB = 12.0 * P / (p.zero >= 1 ? dp : 1) / 1e9;

  // Micro-batches whose activations a stage holds at the peak: 1F1B and zero-bubble (ZB-H1) keep
  // p − i on stage i; interleaving adds (p−1)/(p·v) (Korthikanti §4.2.3); DualPipe keeps p + 1
  // micro-batches' worth of one stage's activations (DeepSeek-V3 report, Table 2).
  const int m = micro_batches(sc);
  const int v = std::max(1, p.virtual_stages);
  double inflight = std::min<double>(m, pp - stage);
  if (sched == Schedule::interleaved) inflight *= 1.0 + (pp - 1.0) / (pp * v);
  if (dualpipe) inflight = std::min<double>(m, pp + 1);
  const auto [dense, moe] = dense_and_moe(sc, stage);
  const double per_mb =
      dense * activation_bytes_per_layer(sc, false) + moe * activation_bytes_per_layer(sc, true);
  double act = per_mb * inflight;
  if (w.recompute == Recompute::full) {
    // The layer being recomputed holds its full activations until its backward is done.
    Scenario kept = sc;
    kept.workload.recompute = Recompute::none;
    act += activation_bytes_per_layer(kept, moe > 0);
  }
  // The last stage's 32-bit logits for the loss: s·b·V/t.
  if (stage == pp - 1) act += 4.0 * s.s / p.cp * p.micro_batch * s.V / p.tp;
  f.activations_GB = act / 1e9;
  f.buffers_GB = 3.0;  // CUDA context (~0.5 GB), NCCL buffers and cuBLAS workspace, typical
  f.usable_GB = usable_hbm_GB(sc.cluster.gpu);
  return f;
}

MemoryFootprint memory_per_gpu(const Scenario& sc) {
  MemoryFootprint worst = stage_memory(sc, 0);
  for (int i = 1; i < sc.parallelism.pp; ++i) {
    const MemoryFootprint f = stage_memory(sc, i);
    if (f.total_GB() > worst.total_GB()) worst = f;
  }
  return worst;
}

}  // namespace trainsite::models
