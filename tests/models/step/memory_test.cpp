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
  // dp = 1024 / (8·16) = 8. ZeRO-1 shards the optimizer: 2 + 2 + 12/8 = 5.5 B/param;
  // ZeRO-2 also gradients: 2 + 2/8 + 12/8 = 3.75; ZeRO-3 everything: 16/8 = 2 B/param.
  const double P = 1437717504.0;
  auto states = [](const MemoryFootprint& m) { return m.weights_GB + m.gradients_GB + m.optimizer_GB; };
  const MemoryFootprint z1 = memory_per_gpu(gpt3(8, 16, 1));
  EXPECT_DOUBLE_EQ(z1.optimizer_GB, 12 * P / 8 / 1e9);
  EXPECT_DOUBLE_EQ(z1.gradients_GB, 2 * P / 1e9);
  EXPECT_NEAR(states(z1), 5.5 * P / 1e9, 1e-9);
  EXPECT_NEAR(states(memory_per_gpu(gpt3(8, 16, 2))), 3.75 * P / 1e9, 1e-9);
  const MemoryFootprint z3 = memory_per_gpu(gpt3(8, 16, 3));
  EXPECT_DOUBLE_EQ(z3.weights_GB, 2 * P / 8 / 1e9);
  EXPECT_NEAR(states(z3), 2.0 * P / 1e9, 1e-9);
}

TEST(Memory, Bf16AccumulatesGradientsInFp32) {
  // Megatron keeps fp32 main gradients under bf16: 2 + 4 + 12 = 18 bytes/param without ZeRO.
  const MemoryFootprint m = memory_per_gpu(gpt3(8, 16, 0, Precision::bf16));
  EXPECT_DOUBLE_EQ(m.gradients_GB, 4 * 1437717504.0 / 1e9);
}

TEST(Memory, ActivationsKorthikantiTable2) {
  Scenario sc = gpt3(8, 16, 1);
  sc.parallelism.micro_batch = 1;
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
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(one), 2868903936.0);
  // FlashAttention never stores the s×s scores: the 5as/h term goes, 34·sbh remains.
  one.workload.flash_attention = true;
  EXPECT_DOUBLE_EQ(activation_bytes_per_layer(one), 34 * kSbh);
}

TEST(Memory, FirstStageHoldsPInFlightMicroBatches) {
  // 1F1B: the first stage keeps p micro-batches of its L/p layers = L layers' worth:
  // 106,954,752 · 6 layers · 16 = 10,267,656,192 bytes, plus the last stage's 32-bit logits
  // 4·s·b·V/t = 52,428,800 → 10.320084992 GB (selective + SP, tp 8, pp 16, micro-batch 1).
  Scenario sc = gpt3(8, 16, 1);
  sc.workload.recompute = Recompute::selective;
  sc.parallelism.sequence_parallel = true;
  EXPECT_NEAR(memory_per_gpu(sc).activations_GB, 10.320084992, 1e-9);
  // Interleaving with v chunks holds 1 + (p−1)/(p·v) times more (Korthikanti §4.2.3): v = 2 →
  // 1 + 15/32 on the layer part.
  sc.parallelism.virtual_stages = 2;
  EXPECT_NEAR(memory_per_gpu(sc).activations_GB, (10267656192.0 * (1 + 15.0 / 32) + 52428800.0) / 1e9, 1e-9);
}

TEST(Memory, Gpt3DoesNotFitOnOneGpu) {
  // 174.6e9 params × 16 B = 2.79 TB of model states, far beyond 80 GB.
  const MemoryFootprint m = memory_per_gpu(gpt3(1, 1, 0));
  EXPECT_GT(m.total_GB(), 2790.0);
  EXPECT_GT(m.total_GB(), catalog().find_gpu("A100-SXM4-80GB")->hbm_GB);
}

}  // namespace
}  // namespace trainsite::models
