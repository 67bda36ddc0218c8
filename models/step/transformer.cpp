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
  return s;
}

namespace {
double mlp_matrices(Activation a) {
  return a == Activation::swiglu ? 3.0 : 2.0;
}

// Attention block weights: Q and output projections are h×h, K and V are h×kv_dim.
double attention_parameters(const Shape& s) {
  return 2 * s.h * s.h + 2 * s.h * s.kv_dim() + 4 * s.h;
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
  return attention_parameters(s) + mlp + norms;
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
  // Per layer: QKV 2·s·h·(h + 2·kv_dim), output projection 2·s·h², MLP 2·s·h·f per matrix.
  const double attn_linear = 2 * s.s * s.h * (s.h + 2 * s.kv_dim()) + 2 * s.s * s.h * s.h;
  const double dense_mlp = 2 * s.s * s.h * s.f * mlp_matrices(m.activation);
  double moe_mlp = dense_mlp;
  if (m.moe) {
    const double routed = m.moe->top_k + m.moe->shared_experts;
    moe_mlp = 2 * s.s * s.h * m.moe->expert_ffn_hidden * mlp_matrices(m.activation) * routed +
              2 * s.s * s.h * m.moe->experts;  // router
  }
  const int moe = moe_layers(m);
  f.linear = s.L * attn_linear + (s.L - moe) * dense_mlp + moe * moe_mlp;
  // QK^T: 2·s²·h, attention×V: 2·s²·h (head_dim·heads = h).
  f.attention = s.L * 4 * s.s * s.s * s.h;
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
