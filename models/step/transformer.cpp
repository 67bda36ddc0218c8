#include "models/step/transformer.h"

namespace trainsite::models {

Shape shape_of(const ModelSpec& m) {
  Shape s{};
  s.L = m.layers;
  s.h = m.hidden;
  s.a = m.heads;
  s.kv = m.kv_heads > 0 ? m.kv_heads : m.heads;
  s.f = m.ffn_hidden > 0 ? m.ffn_hidden : 4.0 * m.hidden;
  s.s = m.seq_len;
  s.V = m.vocab;
  s.dq = s.dv = s.h / s.a;
  if (m.mla) {
    // MLA materializes full-width heads for the attention kernel: keys and values per query head.
    s.kv = s.a;
    s.dq = m.mla->qk_nope_head_dim + m.mla->qk_rope_head_dim;
    s.dv = m.mla->v_head_dim;
  }
  return s;
}

namespace {
double mlp_matrices(Activation a) {
  return a == Activation::swiglu ? 3.0 : 2.0;
}

}  // namespace

double attention_linear_parameters(const ModelSpec& m) {
  const Shape s = shape_of(m);
  if (m.mla) {
    // DeepSeek-V2 §2.1: c_q = W_DQ·h (rank q), q = W_UQ·c_q; [c_kv, k_rope] = W_DKV·h (rank kv + rope),
    // [k_nope, v] = W_UKV·c_kv; o = W_O·attention.
    const Mla& a = *m.mla;
    const double q =
        a.q_lora_rank > 0 ? s.h * a.q_lora_rank + a.q_lora_rank * s.q_width() : s.h * s.q_width();
    const double kv = s.h * (a.kv_lora_rank + a.qk_rope_head_dim) +
                      a.kv_lora_rank * s.a * (a.qk_nope_head_dim + a.v_head_dim);
    return q + kv + s.o_width() * s.h;
  }
  // Q and the output projection are h × a·d, K and V are h × kv·d.
  return s.h * s.q_width() + s.h * s.kv * (s.dq + s.dv) + s.o_width() * s.h;
}

namespace {
// Attention block: the linear weights, their biases (MHA/GQA), MLA's two low-rank norms.
double attention_parameters(const ModelSpec& m) {
  const Shape s = shape_of(m);
  const double extra = m.mla ? m.mla->q_lora_rank + m.mla->kv_lora_rank : 4 * s.h;
  return attention_linear_parameters(m) + extra;
}
}  // namespace

int moe_layers(const ModelSpec& m) {
  if (!m.moe) return 0;
  return m.layers - m.moe->dense_layers;
}

double layer_parameters(const ModelSpec& m, bool moe_layer) {
  const Shape s = shape_of(m);
  const double norms = 4 * s.h;  // two layer norms, weight and bias
  double mlp = mlp_matrices(m.activation) * s.h * s.f + s.f + s.h;
  if (moe_layer && m.moe) {
    const double fe = m.moe->expert_ffn_hidden;
    const double experts = m.moe->experts + m.moe->shared_experts;
    mlp = experts * mlp_matrices(m.activation) * s.h * fe + s.h * m.moe->experts;  // + router
  }
  return attention_parameters(m) + mlp + norms;
}

double mtp_parameters(const ModelSpec& m) {
  if (m.mtp_depth <= 0) return 0;
  const Shape s = shape_of(m);
  const bool moe = m.moe.has_value();
  return m.mtp_depth * (layer_parameters(m, moe) + 2 * s.h * s.h + 2 * s.h);
}

double embedding_parameters(const ModelSpec& m) {
  const Shape s = shape_of(m);
  return (m.tied_embeddings ? 1.0 : 2.0) * s.V * s.h;
}

double parameters(const ModelSpec& m) {
  const int moe = moe_layers(m);
  return (m.layers - moe) * layer_parameters(m, false) + moe * layer_parameters(m, true) +
         embedding_parameters(m);
}

double active_parameters(const ModelSpec& m) {
  if (!m.moe) return parameters(m);
  const Shape s = shape_of(m);
  const double per_expert = mlp_matrices(m.activation) * s.h * m.moe->expert_ffn_hidden;
  const double inactive = (m.moe->experts - m.moe->top_k) * per_expert;
  return parameters(m) - moe_layers(m) * inactive;
}

ForwardFlops forward_flops_per_sequence(const ModelSpec& m) {
  const Shape s = shape_of(m);
  ForwardFlops f;
  // Per layer: 2 FLOPs per weight per token in the attention projections, 2·s·h·f per MLP matrix.
  const double attn_linear = 2 * s.s * attention_linear_parameters(m);
  const double dense_mlp = 2 * s.s * s.h * s.f * mlp_matrices(m.activation);
  double moe_mlp = dense_mlp;
  if (m.moe) {
    const double routed = m.moe->top_k + m.moe->shared_experts;
    moe_mlp = 2 * s.s * s.h * m.moe->expert_ffn_hidden * mlp_matrices(m.activation) * routed +
              2 * s.s * s.h * m.moe->experts;  // router
  }
  const int moe = moe_layers(m);
  f.linear = s.L * attn_linear + (s.L - moe) * dense_mlp + moe * moe_mlp;
  // Q·Kᵀ: 2·s²·a·d_qk, attention × V: 2·s²·a·d_v (the full square; 4·s²·h for MHA).
  f.attention = s.L * 2 * s.s * s.s * s.a * (s.dq + s.dv);
  f.logits = 2 * s.s * s.h * s.V;
  return f;
}

double model_flops_per_iteration(const Workload& w) {
  return 3.0 * forward_flops_per_sequence(w.model).total() * w.global_batch;
}

double hardware_flops_per_iteration(const Workload& w) {
  const ForwardFlops f = forward_flops_per_sequence(w.model);
  double per_seq = 3.0 * f.total();
  switch (w.recompute) {
    case Recompute::full:  // the whole layer forward runs again before its backward
      per_seq += f.linear + f.attention;
      break;
    case Recompute::selective:  // only the attention core is recomputed (Korthikanti et al.)
      per_seq += f.attention;
      break;
    case Recompute::none: break;
  }
  return per_seq * w.global_batch;
}

double megatron_sc21_flops(double B, double s, double l, double h, double V) {
  return 96.0 * B * s * l * h * h * (1.0 + s / (6.0 * h) + V / (16.0 * l * h));
}

}  // namespace trainsite::models
