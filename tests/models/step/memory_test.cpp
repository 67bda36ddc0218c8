// Memory footprint against the ZeRO paper (Rajbhandari et al., SC20, §3.1) and Korthikanti et al.
// (MLSys 2023, Table 2), with hand numbers for GPT-3 175B.
#include "models/step/memory.h"

#include <gtest/gtest.h>

#include "models/step/transformer.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

// GPT-3 175B on 128 × 8 GPUs; fp16 so that gradients are 2 bytes as in the ZeRO paper.
Scenario gpt3(int tp, int pp, int zero, Precision prec = Precision::fp16) {
  Scenario sc;
  sc.workload.model = *catalog().find_model("gpt3-175b");
  sc.workload.global_batch = 1536;
  sc.workload.precision = prec;
  sc.cluster.gpu = *catalog().find_gpu("A100-SXM4-80GB");
  sc.cluster.gpus_per_node = 8;
  sc.cluster.nodes = 128;
  sc.parallelism.tp = tp;
  sc.parallelism.pp = pp;
  sc.parallelism.zero = zero;
  return sc;
}

// sbh for GPT-3 with micro-batch 1: 2048 · 1 · 12288 = 25,165,824.
constexpr double kSbh = 2048.0 * 12288.0;

TEST(Memory, StageParametersByHand) {
  // tp 8, pp 16: 6 layers × 1,812,099,072 / 8 = 1,359,074,304 plus the embedding 51200·12288/8 =
  // 78,643,200 on the first stage → 1,437,717,504 parameters per GPU.
  const Scenario sc = gpt3(8, 16, 0);
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 0), 1437717504.0);
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 15), 1437717504.0);  // output layer on the last
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 7), 1359074304.0);   // a middle stage
  // One GPU, tied embeddings: the whole model once.
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(gpt3(1, 1, 0), 0), parameters(sc.workload.model));
}

TEST(Memory, ModelStatesWithoutZeroAre16BytesPerParam) {
  // ZeRO §3.1, mixed-precision Adam: 2 (fp16 weights) + 2 (fp16 gradients) + 12 (fp32 master,
  // momentum, variance) = 16 bytes/param. 1,437,717,504 × 16 = 23.003480064 GB.
  const MemoryFootprint m = memory_per_gpu(gpt3(8, 16, 0));
  const double P = 1437717504.0;
  EXPECT_DOUBLE_EQ(m.params_per_gpu, P);
  EXPECT_DOUBLE_EQ(m.weights_GB, 2 * P / 1e9);
  EXPECT_DOUBLE_EQ(m.gradients_GB, 2 * P / 1e9);
  EXPECT_DOUBLE_EQ(m.optimizer_GB, 12 * P / 1e9);
  EXPECT_NEAR(m.weights_GB + m.gradients_GB + m.optimizer_GB, 23.003480064, 1e-9);
}

TEST(Memory, ZeroStagesShardByDataParallel) {
  // dp = 1024 / (8·16) = 8. ZeRO-1 shards the optimizer: 2 + 2 + 12/8 = 5.5 B/param.
  const double P = 1437717504.0;
  auto states = [](const MemoryFootprint& m) { return m.weights_GB + m.gradients_GB + m.optimizer_GB; };
  const MemoryFootprint z1 = memory_per_gpu(gpt3(8, 16, 1));
  EXPECT_DOUBLE_EQ(z1.optimizer_GB, 12 * P / 8 / 1e9);
  EXPECT_DOUBLE_EQ(z1.gradients_GB, 2 * P / 1e9);
  EXPECT_NEAR(states(z1), 5.5 * P / 1e9, 1e-9);
  // ZeRO-2 / ZeRO-3 as FSDP runs them, by FSDP unit (one layer). Stage 0 holds the root unit (the
  // embedding, 51200·12288/8 = 78,643,200) and 6 layers of (P − root)/6 = 226,512,384 parameters.
  const double root = 78643200.0, unit = 226512384.0;
  // SHARD_GRAD_OP: 16-bit weights kept whole, gradients sharded plus the two units being reduced,
  // optimizer sharded: 2P + 2(P/8 + 2·unit) + 12P/8.
  EXPECT_NEAR(states(memory_per_gpu(gpt3(8, 16, 2))), (2 * P + 2 * (P / 8 + 2 * unit) + 12 * P / 8) / 1e9,
              1e-9);
  // FULL_SHARD: only the root and two layer units are gathered: 2·(78,643,200 + 2·226,512,384) =
  // 1,063,335,936 B.
  const MemoryFootprint z3 = memory_per_gpu(gpt3(8, 16, 3));
  EXPECT_DOUBLE_EQ(z3.weights_GB, 2 * (root + 2 * unit) / 1e9);
  EXPECT_NEAR(z3.weights_GB, 1.063335936, 1e-9);
  EXPECT_NEAR(states(z3), (2 * (root + 2 * unit) + 2 * (P / 8 + 2 * unit) + 12 * P / 8) / 1e9, 1e-9);
  EXPECT_LT(states(z3), states(memory_per_gpu(gpt3(8, 16, 2))));
}

TEST(Memory, Bf16AccumulatesGradientsInFp32) {
  // Megatron keeps fp32 main gradients under bf16: 2 + 4 + 12 = 18 bytes/param without ZeRO.
  const MemoryFootprint m = memory_per_gpu(gpt3(8, 16, 0, Precision::bf16));
  EXPECT_DOUBLE_EQ(m.gradients_GB, 4 * 1437717504.0 / 1e9);
}

TEST(Memory, ActivationsKorthikantiTable2) {
  Scenario sc = gpt3(8, 16, 1);
  sc.parallelism.micro_batch = 1;
  sc.workload.dropout = 0.1;  // Table 2 counts the dropout masks (Megatron's default dropout)
  // Selective recompute + sequence parallel: sbh·34/t = 25,165,824 · 34 / 8 = 106,954,752 bytes.
  sc.workload.recompute = Recompute::selective;
  sc.parallelism.sequence_parallel = true;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(sc), 106954752.0);
  // Selective recompute, tensor parallel only: sbh(10 + 24/t) = 13·sbh = 327,155,712.
  sc.parallelism.sequence_parallel = false;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(sc), 13 * kSbh);
  // Tensor parallel, no recompute: sbh(10 + 24/t + 5as/(ht)); 5·96·2048/12288 = 80, /8 = 10
  // → 23·sbh = 578,813,952.
  sc.workload.recompute = Recompute::none;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(sc), 23 * kSbh);
  // Tensor + sequence parallel, no recompute: sbh/t·(34 + 80) = 14.25·sbh.
  sc.parallelism.sequence_parallel = true;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(sc), 114.0 / 8 * kSbh);
  // Full recompute keeps only the layer input: 2·sbh = 50,331,648.
  sc.parallelism.sequence_parallel = false;
  sc.workload.recompute = Recompute::full;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(sc), 50331648.0);
  // No parallelism, no recompute: sbh(34 + 5as/h) = 114·sbh = 2,868,903,936 bytes.
  Scenario one = gpt3(1, 1, 0);
  one.workload.dropout = 0.1;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(one), 2868903936.0);
  // A fused attention kernel never stores the s×s scores: the 5as/h term goes, 34·sbh remains, plus
  // its fp32 log-sum-exp per query and head, 4·s·b·a = 4·2048·96 = 786,432 bytes.
  one.workload.attention_kernel = AttentionKernel::fa2;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(one), 34 * kSbh + 786432.0);
  // Without dropout the two 1-byte masks go: 32·sbh.
  one.workload.dropout = 0;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(one), 32 * kSbh + 786432.0);
}

TEST(Memory, FirstStageHoldsPInFlightMicroBatches) {
  // 1F1B: stage i keeps p − i micro-batches of its layers; the first stage's 16 × 6 layers outweigh
  // the last stage's 1 × 6 layers plus its 32-bit logits: 106,954,752 · 6 · 16 = 10,267,656,192 bytes
  // (selective + SP, tp 8, pp 16, micro-batch 1, dropout masks counted).
  Scenario sc = gpt3(8, 16, 1);
  sc.workload.recompute = Recompute::selective;
  sc.workload.dropout = 0.1;
  sc.parallelism.sequence_parallel = true;
  const MemoryFootprint first = memory_per_gpu(sc);
  EXPECT_EQ(first.stage, 0);
  EXPECT_NEAR(first.activations_GB, 10.267656192, 1e-9);
  // The last stage: one micro-batch of 6 layers plus 4·s·b·V/t = 52,428,800 bytes of logits.
  EXPECT_NEAR(stage_memory(sc, 15).activations_GB, (106954752.0 * 6 + 52428800.0) / 1e9, 1e-9);
  // Interleaving with v chunks holds 1 + (p−1)/(p·v) times more (Korthikanti §4.2.3): v = 2 →
  // 1 + 15/32 on the first stage.
  sc.parallelism.virtual_stages = 2;
  EXPECT_NEAR(memory_per_gpu(sc).activations_GB, 10267656192.0 * (1 + 15.0 / 32) / 1e9, 1e-9);
}

TEST(Memory, UsableHbmIsTheMarketedGibLessTheDriverShare) {
  // "80 GB" = 80 GiB = 85.899 GB; the driver leaves 99 % (85.0e9 B reported on an H100 80GB).
  EXPECT_NEAR(usable_hbm_GB(*catalog().find_gpu("H100-SXM5-80GB")), 80 * 1.073741824 * 0.99, 1e-9);
  EXPECT_NEAR(usable_hbm_GB(*catalog().find_gpu("A100-SXM4-80GB")), 85.04, 0.01);
}

TEST(Memory, Gpt3DoesNotFitOnOneGpu) {
  // 174.6e9 params × 16 B = 2.79 TB of model states, far beyond 80 GB.
  const MemoryFootprint m = memory_per_gpu(gpt3(1, 1, 0));
  EXPECT_GT(m.total_GB(), 2790.0);
  EXPECT_FALSE(m.fits(*catalog().find_gpu("A100-SXM4-80GB")));
}

}  // namespace
}  // namespace trainsite::models
