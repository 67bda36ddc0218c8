// Memory of modern runs: FP8-cached linear inputs (Transformer Engine), DeepSeek-V3's FP8 activation
// cache, the multi-token-prediction module's experts split by expert parallelism, and interleaving
// over Megatron-LM's uneven pipeline split (Llama 3 405B). Hand numbers in the comments.
#include <gtest/gtest.h>

#include "models/layout.h"
#include "models/step/gemm.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/step/pipeline.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

// GPT-3 175B, tp 8 with sequence parallelism, a fused attention kernel, no dropout.
Scenario gpt3(Precision prec) {
  Scenario sc;
  sc.workload.model = *catalog().find_model("gpt3-175b");
  sc.workload.precision = prec;
  sc.workload.recompute = Recompute::selective;
  sc.workload.attention_kernel = AttentionKernel::fa3;
  sc.workload.dropout = 0;
  sc.cluster.gpu = *catalog().find_gpu("H100-SXM5-80GB");
  sc.cluster.nodes = 16;
  sc.parallelism.tp = 8;
  sc.parallelism.pp = 8;
  sc.parallelism.sequence_parallel = true;
  return sc;
}

TEST(ModernMemory, Fp8KeepsLinearInputsInOneByte) {
  // T = 2048 tokens, h = 12288, f = 49152, tp 8 with SP. Under FP8 the QKV and first-MLP inputs
  // (N = T·h/t = 3,145,728 elements each) and the second MLP input (T·f/t = 12,582,912) drop from 2 to
  // 1 byte; the output projection adds its own FP8 copy of O (T·h/t = 3,145,728 B):
  // 3,145,728 + 3,145,728 + 12,582,912 − 3,145,728 = 15,728,640 B less per layer.
  const double bf16 = activation_bytes_per_layer(gpt3(Precision::bf16));
  const double fp8 = activation_bytes_per_layer(gpt3(Precision::fp8));
  EXPECT_DOUBLE_EQ(bf16 - fp8, 15728640.0);
}

TEST(ModernMemory, Fp8ActivationCacheKeepsGeluInputInFp8AndRecomputesItsOutput) {
  // GeLU's input T·f/t = 12,582,912 elements drops from 2 B to 1 B, and its output (the second
  // projection's 1-byte FP8 input) is recomputed instead of kept: 2 × 12,582,912 = 25,165,824 B.
  Scenario sc = gpt3(Precision::fp8);
  const double kept = activation_bytes_per_layer(sc);
  sc.workload.fp8_activation_cache = true;
  EXPECT_DOUBLE_EQ(kept - activation_bytes_per_layer(sc), 25165824.0);
}

Scenario deepseek_v3() {
  Scenario sc;
  sc.workload.model = *catalog().find_model("deepseek-v3");
  sc.workload.precision = Precision::fp8;
  sc.workload.global_batch = 15360;
  sc.cluster.gpu = *catalog().find_gpu("H800-SXM5-80GB");
  sc.cluster.nodes = 256;
  sc.parallelism.tp = 1;
  sc.parallelism.pp = 16;
  sc.parallelism.ep = 64;
  return sc;
}

TEST(ModernMemory, MtpModuleExpertsAreSplitLikeTheOthers) {
  // The MTP module on the last stage: one MoE layer (MLA 187.1M, shared expert 3·7168·2048 = 44.0M,
  // router 256·7168 = 1.8M, 4 of 256 routed experts 4·44.0M = 176.2M) and its projection 2h² = 102.8M:
  // ≈ 512M parameters per GPU, not the 11.6B of the whole module.
  Scenario sc = deepseek_v3();
  const double with_mtp = stage_parameters_per_gpu(sc, 15);
  sc.workload.model.mtp_depth = 0;
  const double without = stage_parameters_per_gpu(sc, 15);
  EXPECT_NEAR(with_mtp - without, 512e6, 0.01 * 512e6);
}

TEST(ModernMemory, DeepSeekV3FitsWithItsStackAndNotWithoutTheActivationCache) {
  // DualPipe holds pp + 1 = 17 micro-batches of a 4-layer stage (DeepSeek-V3 Table 2): with the FP8
  // activation cache and selective recomputation of the MLA up-projections it fits in 85 GB; keeping
  // the 16-bit SwiGLU inputs and outputs does not.
  Scenario sc = deepseek_v3();
  sc.parallelism.schedule = Schedule::dualpipe;
  sc.parallelism.zero = 1;
  sc.workload.recompute = Recompute::selective;
  sc.workload.attention_kernel = AttentionKernel::fa3;
  sc.workload.fp8_activation_cache = true;
  EXPECT_TRUE(memory_per_gpu(sc).fits(sc.cluster.gpu)) << memory_per_gpu(sc).total_GB();
  sc.workload.fp8_activation_cache = false;
  EXPECT_FALSE(memory_per_gpu(sc).fits(sc.cluster.gpu)) << memory_per_gpu(sc).total_GB();
}

Scenario llama3_405b() {
  Scenario sc;
  sc.workload.model = *catalog().find_model("llama3-405b");
  sc.workload.global_batch = 2048;
  sc.workload.attention_kernel = AttentionKernel::fa3;
  sc.cluster.gpu = *catalog().find_gpu("H800-SXM5-80GB");
  sc.cluster.nodes = 2048;
  sc.parallelism.tp = 8;
  sc.parallelism.pp = 16;
  sc.parallelism.sequence_parallel = true;
  return sc;
}

TEST(ModernMemory, InterleavingOverTheUnevenSplit) {
  // 126 layers + embedding + loss = 128 slots = 16 stages × 8 chunks of one slot (Megatron-LM's
  // account_for_embedding/loss split), or × 4 chunks of two; 3 chunks do not divide 8 slots a stage.
  Scenario sc = llama3_405b();
  EXPECT_TRUE(splits_into_chunks(sc, 8));
  EXPECT_TRUE(splits_into_chunks(sc, 4));
  EXPECT_FALSE(splits_into_chunks(sc, 3));
  const auto on_virtual_stages = [&] {
    int n = 0;
    for (const auto& p : layout_problems(sc)) n += p.field == "parallelism.virtual_stages";
    return n;
  };
  sc.parallelism.virtual_stages = 8;
  EXPECT_EQ(on_virtual_stages(), 0);
  sc.parallelism.virtual_stages = 3;
  EXPECT_EQ(on_virtual_stages(), 1);
  // An explicit per-stage list is taken as given: 7 layers do not split into 2 chunks.
  sc.parallelism.pipeline_layers = {7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 7};
  EXPECT_FALSE(splits_into_chunks(sc, 2));
}

TEST(ModernMemory, InFlightMicroBatchesNeverExceedTheirCount) {
  // 2048 sequences over dp = 16384 / 128 = 128 → 16 micro-batches for pp = 16. Interleaving would hold
  // 15 · (1 + 15 / 128) ≈ 16.8 on stage 1 by Korthikanti's factor, but only 16 exist:
  // activations of stage 1 = 16 × 8 layers × one layer's bytes.
  Scenario sc = llama3_405b();
  sc.parallelism.virtual_stages = 8;
  ASSERT_EQ(micro_batches(sc), 16);
  const double per_layer = activation_bytes_per_layer(sc);
  EXPECT_NEAR(stage_memory(sc, 1).activations_GB, 16 * 8 * per_layer / 1e9, 1e-9);
}

}  // namespace
}  // namespace trainsite::models

namespace trainsite::models {
namespace {

TEST(CommSms, KeptSmsLeaveTheRestToTheComputation) {
  // DeepSeek-V3 keeps 20 of the H800's 132 SMs for its all-to-all: the GEMMs see 112/132 of the peak
  // and 112 SMs for wave quantization.
  const Gpu& gpu = *catalog().find_gpu("H800-SXM5-80GB");
  const Calibration cal;
  const Device all = training_device(gpu, Precision::fp8, cal);
  const Device rest = training_device(gpu, Precision::fp8, cal, 20);
  EXPECT_EQ(all.sms, 132);
  EXPECT_EQ(rest.sms, 112);
  EXPECT_NEAR(rest.peak_flops / all.peak_flops, 112.0 / 132.0, 1e-12);
  EXPECT_NEAR(rest.burst_peak_flops / all.burst_peak_flops, 112.0 / 132.0, 1e-12);
}

TEST(CommSms, KeepingEverySmIsALayoutError) {
  Scenario sc = deepseek_v3();
  sc.parallelism.comm_sms = 132;
  int n = 0;
  for (const auto& p : layout_problems(sc)) n += p.field == "parallelism.comm_sms";
  EXPECT_EQ(n, 1);
  sc.parallelism.comm_sms = 20;
  n = 0;
  for (const auto& p : layout_problems(sc)) n += p.field == "parallelism.comm_sms";
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace trainsite::models
