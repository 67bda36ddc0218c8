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
  // A linear layer keeps its input for the weight gradient; under FP8, Transformer Engine keeps the
  // FP8 copy it cast for the forward GEMM (transformer_engine/pytorch/module/linear.py, `saved_inputmat`
  // when FP8 weight gradients are on), 1 byte an element.
  const bool fp8 = w.precision == Precision::fp8;
  const double lin = fp8 ? 1.0 : kAct;
  const bool fused = w.attention_kernel != AttentionKernel::unfused;

  // Attention block: layer-norm input, QKV-projection input, Q/K/V, the attention output O (kept by a
  // fused kernel for its backward, and as the output projection's input), the dropout mask after the
  // projection.
  double bytes = kAct * N + lin * N + kAct * T * s.o_width() / t + (dropout ? N : 0);
  if (fp8) bytes += lin * T * s.o_width() / t;  // the projection's own FP8 copy of O
  const double qkv = kAct * T * (s.q_width() + s.kv * (s.dq + s.dv)) / t;
  if (const auto& mla = w.model.mla) {
    // The two latents (with the rotary key part) and their normalized copies, the up-projections' inputs.
    const double latents = T * (mla->q_lora_rank + mla->kv_lora_rank + mla->qk_rope_head_dim);
    bytes += (kAct + lin) * latents;
    // Selective recomputation re-runs the up-projections from the latents instead of keeping Q, K, V
    // (DeepSeek-V3 §3.3.2).
    if (w.recompute != Recompute::selective) bytes += qkv;
  } else {
    bytes += qkv;
  }
  if (!fused) {
    // Scores: softmax output (16 bit), and with attention dropout its 1-byte mask and 16-bit output
    // (Korthikanti's 5as²b); selective recomputation recomputes them instead.
    if (w.recompute != Recompute::selective) bytes += (dropout ? 5.0 : 2.0) * b * s.a * seq * s.s / t;
  }
  if (fused) bytes += 4.0 * T * s.a / t;  // fp32 log-sum-exp per query row and head
  // MLP block: layer-norm input, first projection's input, the activation's input and output (the
  // second projection's input), the dropout mask. SwiGLU keeps gate and up (2·f) and their product.
  const bool swiglu = w.model.activation == Activation::swiglu;
  // The activation function's input (gate and up under SwiGLU) and its output, the second projection's
  // input; with fp8_activation_cache the input is kept in FP8 and the output recomputed.
  const double act_in = w.fp8_activation_cache ? 1.0 : kAct, act_out = w.fp8_activation_cache ? 0.0 : lin;
  double hidden = s.f;  // MLP width per token
  double tokens = T;    // tokens entering the experts (routed copies under MoE)
  if (moe_layer && w.model.moe) {
    const auto& moe = *w.model.moe;
    hidden = moe.expert_ffn_hidden;
    tokens = T * moe.top_k;
    // Shared experts see every token once.
    bytes += ((swiglu ? 2 : 1) * act_in + act_out) * T * moe.expert_ffn_hidden * moe.shared_experts / t;
    bytes += lin * tokens * s.h / t;  // the dispatched copies: the experts' first projection's input
  }
  bytes += (kAct + lin) * N + ((swiglu ? 2 : 1) * act_in + act_out) * tokens * hidden / t + (dropout ? N : 0);
  return bytes;
}

double stage_parameters_per_gpu(const Scenario& sc, int stage) {
  const auto& m = sc.workload.model;
  const auto& p = sc.parallelism;
  const auto [dense, moe] = dense_and_moe(sc, stage);
  double moe_layer = m.moe ? layer_parameters(m, true) : 0;
  if (m.moe) {
    // Routed experts are split across the expert-parallel ranks.
    const Shape s = shape_of(m);
    const double expert = (m.activation == Activation::swiglu ? 3.0 : 2.0) * s.h * m.moe->expert_ffn_hidden;
    moe_layer -= m.moe->experts * expert * (1.0 - 1.0 / p.ep);
  }
  double params = (dense * layer_parameters(m, false) + moe * moe_layer) / p.tp;
  const double emb = shape_of(m).V * shape_of(m).h / p.tp;
  if (stage == 0) params += emb;
  if (stage == p.pp - 1) {
    // The output layer, and the MTP modules (their transformer layer's experts split like the others).
    const double mtp_experts = m.moe ? layer_parameters(m, true) - moe_layer : 0.0;
    params += emb + (mtp_parameters(m) - m.mtp_depth * mtp_experts) / p.tp;
  }
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
  if (sched == Schedule::interleaved)
    inflight = std::min<double>(m, inflight * (1.0 + (pp - 1.0) / (pp * v)));
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
