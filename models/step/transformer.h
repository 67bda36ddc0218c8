// Transformer parameter and FLOP counts, layer by layer, for dense and MoE decoder models.
// Conventions follow Narayanan et al. (SC21) and Korthikanti et al. (2022): a GEMM of m×k by k×n
// costs 2·m·n·k FLOPs; backward costs twice the forward; attention scores count the full s×s square.
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

// Derived shape of one model, with defaults (kv_heads = heads, ffn = 4h) applied.
struct Shape {
  double L, h, a, kv, f, s, V;  // layers, hidden, heads, kv heads, ffn hidden, sequence, vocab
  double dq = 0, dv = 0;        // query/key and value head dimensions (h/a unless MLA says otherwise)
  double head_dim() const { return dq; }
  double head_dim_v() const { return dv; }
  double kv_dim() const { return kv * dq; }
  double q_width() const { return a * dq; }  // query projection output
  double o_width() const { return a * dv; }  // attention output (input of the output projection)
};
Shape shape_of(const ModelSpec& m);

// Parameters of one transformer layer (dense or MoE; `moe_layer` picks which).
double layer_parameters(const ModelSpec& m, bool moe_layer);
// Weights of the attention block's linear layers (MHA/GQA, or MLA's low-rank projections).
double attention_linear_parameters(const ModelSpec& m);
// Parameters of the multi-token-prediction modules (not counted in parameters(), as DeepSeek-V3's
// 671B excludes them): per depth one more layer, a 2h × h projection and two norms.
double mtp_parameters(const ModelSpec& m);
// Parameters of the embedding (and untied output layer).
double embedding_parameters(const ModelSpec& m);
// Total parameters (all experts counted).
double parameters(const ModelSpec& m);
// Parameters touched per token (top-k experts only): what 6·P·tokens uses for MoE models.
double active_parameters(const ModelSpec& m);
int moe_layers(const ModelSpec& m);

// Forward FLOPs for one sequence of s tokens.
struct ForwardFlops {
  double linear = 0;     // all GEMMs with weights in the transformer layers
  double attention = 0;  // QK^T and attention×V, full s×s square
  double logits = 0;     // output projection to the vocabulary
  double total() const { return linear + attention + logits; }
};
ForwardFlops forward_flops_per_sequence(const ModelSpec& m);

// FLOPs of one training iteration (global batch) by convention:
// model = 3·forward (MFU numerator, no recompute); hardware adds what the recompute mode repeats
// (Megatron's convention for reported TFLOP/s; FlashAttention's internal recompute is not counted).
double model_flops_per_iteration(const Workload& w);
double hardware_flops_per_iteration(const Workload& w);

// Megatron's closed form F = 96·B·s·l·h²·(1 + s/6h + V/16lh) (SC21 eq. 3), full recompute, for
// tests and cross-checks of the exact count.
double megatron_sc21_flops(double B, double s, double l, double h, double V);

}  // namespace trainsite::models
