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

// DeepSeek-V3 (DeepSeek-AI, "DeepSeek-V3 Technical Report", arXiv 2412.19437, Dec 2024, §4.2 and the
// released config.json): h = 7168, 128 heads, MLA with q rank 1536, KV rank 512, 128 + 64 (rotary) dims
// per query/key head, 128 per value head; 61 layers, the first 3 dense (FFN 18432), then 1 shared + 256
// routed SwiGLU experts of width 2048, top-8; untied vocabulary 129,280; s = 4096.
TEST(Transformer, DeepSeekV3MlaAttentionParametersByHand) {
  // Query: W_DQ 7168·1536 = 11,010,048 + W_UQ 1536·128·192 = 37,748,736 → 48,758,784.
  // Key/value: W_DKV 7168·(512 + 64) = 4,128,768 + W_UKV 512·128·(128 + 128) = 16,777,216 → 20,905,984.
  // Output: 128·128·7168 = 117,440,512. Sum 187,105,280 (an MHA block of the same width, 4h², would
  // hold 205,520,896).
  const ModelSpec& m = preset("deepseek-v3");
  ASSERT_TRUE(m.mla.has_value());
  EXPECT_DOUBLE_EQ(attention_linear_parameters(m), 187105280.0);
  const Shape s = shape_of(m);
  EXPECT_DOUBLE_EQ(s.head_dim(), 192.0);  // 128 + 64: the attention kernel's q/k head
  EXPECT_DOUBLE_EQ(s.head_dim_v(), 128.0);
  EXPECT_DOUBLE_EQ(s.kv, 128.0);  // keys and values are materialized per query head
}

TEST(Transformer, DeepSeekV3TotalAndActiveParametersMatchThePublished671BAnd37B) {
  // Attention block: 187,105,280 + the two latent RMSNorms 1536 + 512 = 187,107,328.
  // Dense layer: + SwiGLU 3·7168·18432 = 396,361,728 + biases 18432 + 7168 + norms 4·7168 = 28,672
  //   → 583,523,328.
  // MoE layer: + 257 experts × 3·7168·2048 (44,040,192 each) = 11,318,329,344 + router 7168·256 =
  //   1,835,008 + norms 28,672 → 11,507,300,352.
  // Total: 3 · 583,523,328 + 58 · 11,507,300,352 + embeddings 2·129280·7168 = 1,853,358,080
  //   = 671,027,348,480 (published: 671B).
  // Active: 248 idle routed experts per MoE layer, 58 · 248 · 44,040,192 = 633,474,121,728 fewer
  //   → 37,553,226,752 (published: 37B; this count keeps the input embedding, 0.93B, as "activated",
  //   hence 1.5 % above).
  const ModelSpec& m = preset("deepseek-v3");
  ASSERT_TRUE(m.moe.has_value());
  EXPECT_EQ(moe_layers(m), 58);
  EXPECT_DOUBLE_EQ(layer_parameters(m, false), 583523328.0);
  EXPECT_DOUBLE_EQ(layer_parameters(m, true), 11507300352.0);
  EXPECT_DOUBLE_EQ(parameters(m), 671027348480.0);
  EXPECT_DOUBLE_EQ(active_parameters(m), 37553226752.0);
  EXPECT_NEAR(parameters(m) / 671e9, 1.0, 0.01);
  EXPECT_NEAR(active_parameters(m) / 37e9, 1.0, 0.02);
  // The MTP module (depth 1) is outside the 671B: one more MoE layer, the 2h × h projection and two
  // RMSNorms = 11,507,300,352 + 102,760,448 + 14,336 = 11,610,075,136. (The released checkpoint's
  // "14B of MTP weights" also stores its own copy of the embedding and output head, 1.85B.)
  EXPECT_EQ(m.mtp_depth, 1);
  EXPECT_DOUBLE_EQ(mtp_parameters(m), 11610075136.0);
}

TEST(Transformer, DeepSeekV3ForwardFlopsAreTwiceTheActiveWeightsPlusAttention) {
  // Per token, linear: 2·(61 · 187,105,280 MLA projections + 3 · 396,361,728 dense MLP + 58 · (9 ·
  //   44,040,192 top-8 + shared experts + 1,835,008 router)) = 2 · 35,697,917,952 = 71,395,835,904.
  // Logits: 2·7168·129,280 = 1,853,358,080. Attention (full square, Megatron convention):
  //   61 · 2·s·128·(192 + 128) = 61 · 335,544,320 = 20,468,203,520 at s = 4096.
  // Per sequence (× 4096): 292,437,343,862,784 + 83,837,761,617,920 + 7,591,354,695,680.
  const ModelSpec& m = preset("deepseek-v3");
  const double s = m.seq_len;
  ASSERT_EQ(m.seq_len, 4096);
  const ForwardFlops f = forward_flops_per_sequence(m);
  EXPECT_DOUBLE_EQ(f.linear, 292437343862784.0);
  EXPECT_DOUBLE_EQ(f.attention, 83837761617920.0);
  EXPECT_DOUBLE_EQ(f.logits, 7591354695680.0);
  EXPECT_DOUBLE_EQ(f.total() / s, 93717397504.0);
  // ≈ 2 × active parameters + the attention term: the GEMMs touch every active weight once per token
  // (2 FLOPs each) except the input embedding (a lookup, V·h = 926,679,040) and the 1,950,720 norm and
  // bias parameters: 2·(37,553,226,752 − 926,679,040 − 1,950,720) = 73,249,193,984 = linear + logits.
  const double V = m.vocab, h = m.hidden;
  EXPECT_DOUBLE_EQ((f.linear + f.logits) / s, 2 * (active_parameters(m) - V * h - 1950720.0));
  EXPECT_NEAR(f.total() / s / (2 * active_parameters(m) + f.attention / s), 1.0, 0.02);
}

}  // namespace
}  // namespace trainsite::models
