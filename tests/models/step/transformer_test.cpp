// Parameter and FLOP counts of models/transformer against hand-computed values.
#include "models/step/transformer.h"

#include <gtest/gtest.h>

#include "scenarios/catalog_loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

const ModelSpec& preset(const std::string& id) {
  const ModelSpec* m = catalog().find_model(id);
  if (!m) throw std::runtime_error("no preset " + id);
  return *m;
}

// GPT-3 175B (Brown et al. 2020, Table 2.1): L = 96, h = 12288, a = 96, s = 2048, V = 51200 (padded).
constexpr double L = 96, h = 12288, s = 2048, V = 51200, B = 1536;

Workload gpt3_workload(Recompute r) {
  Workload w;
  w.model = preset("gpt3-175b");
  w.global_batch = int(B);
  w.recompute = r;
  return w;
}

TEST(Transformer, Gpt3ParameterCountByHand) {
  // Per layer: attention QKV + output = 4h² weights + 4h biases; MLP 2·h·4h = 8h² weights + 4h + h
  // biases; two layer norms 4h. Layer = 12h² + 13h = 1,811,939,328 + 159,744 = 1,812,099,072.
  // 96 layers = 173,961,510,912; tied embedding V·h = 629,145,600. Total 174,590,656,512 ≈ 174.6e9
  // (the "175B" of the paper; learned position embeddings, 25 M, are not counted).
  const double layer = 12 * h * h + 13 * h;
  EXPECT_DOUBLE_EQ(layer, 1812099072.0);
  EXPECT_DOUBLE_EQ(layer_parameters(preset("gpt3-175b"), false), layer);
  EXPECT_DOUBLE_EQ(embedding_parameters(preset("gpt3-175b")), 629145600.0);
  EXPECT_DOUBLE_EQ(parameters(preset("gpt3-175b")), 174590656512.0);
  EXPECT_DOUBLE_EQ(active_parameters(preset("gpt3-175b")), parameters(preset("gpt3-175b")));
}

TEST(Transformer, Gpt3ForwardFlopsByHand) {
  // Per sequence: linear 24·L·s·h² (QKV 6sh², output 2sh², MLP 16sh²) = 7.12483534798848e14,
  // attention 4·L·s²·h (QKᵀ and ×V, 2s²h each) = 1.9791209299968e13, logits 2·s·h·V = 2.5769803776e12.
  const ForwardFlops f = forward_flops_per_sequence(preset("gpt3-175b"));
  EXPECT_DOUBLE_EQ(f.linear, 712483534798848.0);
  EXPECT_DOUBLE_EQ(f.attention, 19791209299968.0);
  EXPECT_DOUBLE_EQ(f.logits, 2576980377600.0);
  EXPECT_DOUBLE_EQ(f.total(), 734851724476416.0);
}

TEST(Transformer, FullRecomputeEqualsMegatronClosedForm) {
  // SC21 eq. 3: 96·B·s·l·h²·(1 + s/6h + V/16lh) = 4.5109707533231063e18 for B = 1536. The exact
  // count (3 passes + 1 recomputed forward of the layers) expands to exactly the same polynomial.
  const double closed = megatron_sc21_flops(B, s, L, h, V);
  EXPECT_NEAR(closed, 4.5109707533231063e18, 1e-12 * closed);
  const double exact = hardware_flops_per_iteration(gpt3_workload(Recompute::full));
  EXPECT_NEAR(exact, closed, 1e-12 * closed);
}

TEST(Transformer, ModelFlopsNearSixPT) {
  // 6·P·tokens = 6 · 174,590,656,512 · 1536 · 2048 = 3.2952883003690844e18. The exact model FLOPs
  // (no recompute) are 3·fwd·B = 3.3861967463873249e18: larger by the attention term, a factor
  // ≈ 1 + s/6h = 1.0278 (biases and norms are in P but not in the GEMM count, hence "≈").
  const Workload w = gpt3_workload(Recompute::none);
  const double model = model_flops_per_iteration(w);
  EXPECT_NEAR(model, 3.3861967463873249e18, 1e-12 * model);
  const double six_pt = 6.0 * parameters(w.model) * B * s;
  EXPECT_NEAR(six_pt, 3.2952883003690844e18, 1e-12 * six_pt);
  EXPECT_NEAR(model / six_pt, 1.0 + s / (6 * h), 1e-3);
  EXPECT_NEAR(model / six_pt, 1.0, 0.04);
  // Without recompute, what the hardware executes equals the model FLOPs.
  EXPECT_DOUBLE_EQ(hardware_flops_per_iteration(w), model);
}

TEST(Transformer, SelectiveRecomputeAddsExactlyTheAttention) {
  // Selective recompute repeats only the attention core: B·4·L·s²·h = 3.0399297484750848e16.
  const double none = hardware_flops_per_iteration(gpt3_workload(Recompute::none));
  const double sel = hardware_flops_per_iteration(gpt3_workload(Recompute::selective));
  const double full = hardware_flops_per_iteration(gpt3_workload(Recompute::full));
  EXPECT_NEAR(sel - none, B * 4 * L * s * s * h, 1e-6 * (sel - none));
  EXPECT_NEAR(sel - none, 3.0399297484750848e16, 1e-6 * (sel - none));
  EXPECT_GT(full, sel);
}

TEST(Transformer, MixtralActiveParametersBelowTotal) {
  // Mixtral 8x7B: h = 4096, L = 32, 32 heads, 8 KV heads (kv_dim 1024), expert ffn 14336, SwiGLU,
  // untied embeddings V = 32000. Attention 2h² + 2h·1024 + 4h = 41,959,424; experts
  // 8 · 3·h·14336 = 1,409,286,144; router 8h = 32,768; norms 4h = 16,384 → layer 1,451,294,720;
  // ×32 = 46,441,431,040; embeddings 2·V·h = 262,144,000 → 46,703,575,040 (paper: 46.7B).
  // Active: 6 of 8 experts idle per token, 32 · 6 · 3·h·14336 = 33,822,867,456 fewer
  // → 12,880,707,584 (paper: 12.9B).
  const ModelSpec& m = preset("mixtral-8x7b");
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_DOUBLE_EQ(parameters(m), 46703575040.0);
  EXPECT_DOUBLE_EQ(active_parameters(m), 12880707584.0);
  EXPECT_LT(active_parameters(m), parameters(m));
  EXPECT_EQ(moe_layers(m), 32);
}

TEST(Transformer, MixtralForwardUsesTopKExperts) {
  // MLP GEMMs per layer: top_k · 2·s·h·f·3 + router 2·s·h·experts, not all 8 experts.
  const ModelSpec& m = preset("mixtral-8x7b");
  const double sq = m.seq_len, hh = m.hidden, f = 14336, kv = 1024;
  const double attn_linear = 2 * sq * hh * (hh + 2 * kv) + 2 * sq * hh * hh;
  const double mlp = 2 * (2 * sq * hh * f * 3) + 2 * sq * hh * 8;
  EXPECT_NEAR(forward_flops_per_sequence(m).linear, m.layers * (attn_linear + mlp), 1e-9 * m.layers * mlp);
}

}  // namespace
}  // namespace trainsite::models
