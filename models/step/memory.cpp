#include "models/step/memory.h"

#include <algorithm>

#include "models/step/transformer.h"

namespace trainsite::models {

namespace {
int data_parallel(const Scenario& sc) {
  const auto& p = sc.parallelism;
  return p.dp > 0 ? p.dp : std::max(1, sc.cluster.gpus() / (p.tp * p.pp * p.cp));
}
}  // namespace

double activation_bytes_per_layer(const Scenario& sc) {
  const Shape s = shape_of(sc.workload.model);
  const auto& p = sc.parallelism;
  const double b = p.micro_batch, t = p.tp, seq = s.s / p.cp;
  const double sbh = seq * b * s.h;
  // Korthikanti et al. Table 2 (bytes, 16-bit activations): the 34 term is the linear/norm part,
  // 5·a·s/h the attention scores, softmax and dropout mask.
  const double scores = 5.0 * s.a * seq / s.h;
  // Fused (flash) attention never materializes the s×s scores.
  const double attn = sc.workload.attention_kernel != AttentionKernel::unfused ? 0.0 : scores;
  switch (sc.workload.recompute) {
    case Recompute::full:
      return 2.0 * sbh / (p.sequence_parallel ? t : 1.0);  // only the layer input is kept
    case Recompute::selective:
      return p.sequence_parallel ? sbh * 34.0 / t : sbh * (10.0 + 24.0 / t);
    case Recompute::none:
      if (p.sequence_parallel) return sbh / t * (34.0 + attn);
      return sbh * (10.0 + 24.0 / t + attn / t);
  }
  return 0;
}

double stage_parameters_per_gpu(const Scenario& sc, int stage) {
  const auto& m = sc.workload.model;
  const auto& p = sc.parallelism;
  const int moe = moe_layers(m);
  // Layers are split evenly; MoE experts are further split across expert-parallel ranks.
  const double layers = double(m.layers) / p.pp;
  const double moe_fraction = m.layers > 0 ? double(moe) / m.layers : 0;
  double dense_layer = layer_parameters(m, false);
  double moe_layer = layer_parameters(m, true);
  if (m.moe) {
    const Shape s = shape_of(m);
    const double expert = (m.activation == Activation::swiglu ? 3.0 : 2.0) * s.h * m.moe->expert_ffn_hidden;
    moe_layer -= m.moe->experts * expert * (1.0 - 1.0 / p.ep);
  }
  double params = layers * ((1 - moe_fraction) * dense_layer + moe_fraction * moe_layer) / p.tp;
  const double emb = shape_of(m).V * shape_of(m).h / p.tp;
  if (stage == 0) params += emb;
  if (stage == p.pp - 1) params += emb;  // output layer (a tied copy is still held there)
  if (p.pp == 1 && m.tied_embeddings) params -= emb;
  return params;
}

MemoryFootprint memory_per_gpu(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const int dp = data_parallel(sc);
  MemoryFootprint f;
  f.params_per_gpu = std::max(stage_parameters_per_gpu(sc, 0), stage_parameters_per_gpu(sc, p.pp - 1));
  const double P = f.params_per_gpu;
  // Mixed-precision Adam (ZeRO paper §3.1): 2 bytes weights, 2 gradient (4 when accumulated in
  // fp32, Megatron's default for bf16), 12 optimizer (fp32 master, momentum, variance).
  const double grad_bytes = sc.workload.precision == Precision::bf16 ? 4.0 : 2.0;
  f.weights_GB = 2.0 * P / (p.zero >= 3 ? dp : 1) / 1e9;
  f.gradients_GB = grad_bytes * P / (p.zero >= 2 ? dp : 1) / 1e9;
  f.optimizer_GB = 12.0 * P / (p.zero >= 1 ? dp : 1) / 1e9;
  // 1F1B keeps p micro-batches in flight on the first stage, i.e. L/p layers × p = L layers' worth;
  // interleaving adds a factor 1 + (p−1)/(p·v) (Korthikanti et al. §4.2.3).
  const double L = sc.workload.model.layers;
  const int v = std::max(1, p.virtual_stages);
  const double inflight = std::min<double>(p.pp, std::max(1, sc.workload.global_batch / (dp * p.micro_batch)));
  double act = activation_bytes_per_layer(sc) * (L / p.pp) * inflight;
  if (v > 1) act *= 1.0 + (p.pp - 1.0) / (p.pp * v);
  // Embedding output and logits of the last stage: s·b·V/t in 32-bit for the loss.
  const Shape s = shape_of(sc.workload.model);
  act += 4.0 * s.s / p.cp * p.micro_batch * s.V / p.tp;
  f.activations_GB = act / 1e9;
  f.buffers_GB = 3.0;  // CUDA context (~0.5 GB), NCCL buffers and cuBLAS workspace, typical
  return f;
}

}  // namespace trainsite::models
