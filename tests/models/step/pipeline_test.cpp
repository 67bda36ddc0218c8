// Pipeline stages (models/step/pipeline.h): Megatron-LM's uneven split when the layers do not divide by
// pp, the explicit per-stage list, and what an uneven split does to the iteration (the slowest stage sets
// the pace) and to memory (each stage holds its own layers, the first and last the embedding and the
// output layer).
#include "models/step/pipeline.h"

#include <gtest/gtest.h>

#include <numeric>

#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/step/transformer.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

Scenario model_on_pp(const std::string& model, int pp) {
  Scenario sc;
  sc.workload.model = *catalog().find_model(model);
  sc.parallelism.pp = pp;
  return sc;
}

std::vector<int> repeat(int first, int middle, int count, int last) {
  std::vector<int> v{first};
  v.insert(v.end(), count, middle);
  v.push_back(last);
  return v;
}

TEST(Pipeline, EvenSplitWhenTheLayersDivide) {
  // GPT-3: 96 layers on 16 stages = 6 each.
  EXPECT_EQ(stage_layers(model_on_pp("gpt3-175b", 16)), std::vector<int>(16, 6));
  EXPECT_EQ(stage_layers(model_on_pp("gpt3-175b", 1)), std::vector<int>{96});
}

TEST(Pipeline, MegatronUnevenSplitForLlama3AndBloom) {
  // Megatron-LM counts the embedding and the output layer as one layer each: L + 2 slots spread evenly,
  // then the first and last stages give theirs to the embedding and the output layer.
  // Llama 3 405B: (126 + 2) / 16 = 8 slots per stage → 7, 8 × 14, 7 (Llama 3 report §3.3.2).
  const Scenario llama = model_on_pp("llama3-405b", 16);
  EXPECT_EQ(stage_layers(llama), repeat(7, 8, 14, 7));
  EXPECT_EQ(pipeline_layers_problem(llama), "");
  // BLOOM-176B: (70 + 2) / 12 = 6 → 5, 6 × 10, 5.
  EXPECT_EQ(stage_layers(model_on_pp("bloom-176b", 12)), repeat(5, 6, 10, 5));
  // DeepSeek-V3 on 16 stages: 63 slots = 16 · 3 + 15, so 15 stages take 4 slots and one takes 3; the
  // larger ones fill from the centre outwards (7, 8, 6, 9, ..., 0), leaving the last stage with 3 slots:
  // 4 − 1, 4 × 14, 3 − 1 = 3, 4 × 14, 2 (61 layers).
  const std::vector<int> ds = stage_layers(model_on_pp("deepseek-v3", 16));
  EXPECT_EQ(ds, repeat(3, 4, 14, 2));
  EXPECT_EQ(std::accumulate(ds.begin(), ds.end(), 0), 61);
  // Layers on a stage and where it starts.
  EXPECT_EQ(layers_on_stage(llama, 0), 7);
  EXPECT_EQ(layers_on_stage(llama, 1), 8);
  EXPECT_EQ(first_layer_of_stage(llama, 0), 0);
  EXPECT_EQ(first_layer_of_stage(llama, 2), 15);
  EXPECT_EQ(first_layer_of_stage(llama, 15), 119);  // 7 + 14 · 8
}

TEST(Pipeline, ExplicitListOverridesTheSplit) {
  Scenario sc = model_on_pp("llama3-405b", 16);
  sc.parallelism.pipeline_layers = repeat(6, 8, 14, 8);  // 6 + 112 + 8 = 126
  EXPECT_EQ(stage_layers(sc), sc.parallelism.pipeline_layers);
  EXPECT_EQ(pipeline_layers_problem(sc), "");
  EXPECT_EQ(layers_on_stage(sc, 15), 8);
}

TEST(Pipeline, InconsistentListsAndTooFewLayersAreProblems) {
  Scenario sc = model_on_pp("llama3-405b", 16);
  sc.parallelism.pipeline_layers = {63, 63};
  EXPECT_EQ(pipeline_layers_problem(sc), "lists 2 stages but pp = 16");
  sc.parallelism.pipeline_layers = std::vector<int>(16, 8);  // 128
  EXPECT_EQ(pipeline_layers_problem(sc), "the stages hold 128 layers but the model has 126");
  sc.parallelism.pipeline_layers = repeat(0, 8, 14, 14);  // 0 + 112 + 14 = 126
  EXPECT_EQ(pipeline_layers_problem(sc), "stage 0 holds no layer");
  // 3 layers on 4 stages: 5 slots = 1 per stage + 1 for the centre stage 1 → 1, 2, 1, 1; the first and
  // last stages give one each to the embedding and the output layer → 0, 2, 1, 0: nothing left for them.
  Scenario tiny = model_on_pp("gpt3-175b", 4);
  tiny.workload.model.layers = 3;
  EXPECT_EQ(stage_layers(tiny), std::vector<int>({0, 2, 1, 0}));
  EXPECT_EQ(pipeline_layers_problem(tiny),
            "3 layers cannot fill pp = 4 stages (each stage needs at least one layer)");
}

// Llama 3 405B on 1,024 H800 (tp 8 · pp 16 · dp 8), full recompute so that it fits, no interleaving:
// 512 sequences / 8 = 64 micro-batches.
Scenario llama405(const std::vector<std::string>& extra = {}) {
  std::vector<std::string> o = {"workload.model=llama3-405b", "parallelism.pp=16",
                                "parallelism.virtual_stages=1", "workload.recompute=full"};
  o.insert(o.end(), extra.begin(), extra.end());
  return scenarios::load_scenario(
      std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/llama3-70b-h800-1024.yaml", catalog(),
      {scenarios::default_data_dir(), o, false});
}

TEST(Pipeline, TheSlowestStageSetsThePace) {
  const Scenario sc = llama405();
  ASSERT_EQ(stage_layers(sc), repeat(7, 8, 14, 7));
  const Iteration it = analytic_iteration(sc);
  ASSERT_EQ(it.stages.size(), 16u);
  ASSERT_EQ(it.micro_batches, 64);
  // The first and last stages (7 layers + the embedding, 7 layers + the output layer and loss) are
  // lighter than a middle stage of 8 layers; the first middle stage is the slowest.
  EXPECT_EQ(it.stages[0].layers, 7);
  EXPECT_EQ(it.stages[15].layers, 7);
  EXPECT_EQ(it.slowest_stage, 1);
  EXPECT_EQ(it.slowest().layers, 8);
  EXPECT_LT(it.stages[0].total(), it.slowest().total());
  EXPECT_LT(it.stages[15].total(), it.slowest().total());
  // m micro-batches through the slowest stage: compute = 64 × its forward + backward.
  EXPECT_DOUBLE_EQ(it.compute_s, 64 * it.slowest().compute());
  // An explicit list that puts 8 layers next to the output layer makes the last stage the slowest,
  // and the whole step slower.
  std::string list = "parallelism.pipeline_layers=[6";
  for (int i = 0; i < 15; ++i) list += ", 8";
  const Iteration heavy_last = analytic_iteration(llama405({list + "]"}));
  EXPECT_EQ(heavy_last.slowest_stage, 15);
  EXPECT_EQ(heavy_last.slowest().layers, 8);
  EXPECT_GT(heavy_last.slowest().total(), it.slowest().total());
  EXPECT_GT(heavy_last.step_time_s, it.step_time_s);
}

TEST(Pipeline, MemoryFollowsEachStagesContent) {
  // Per layer (tp 8): attention 2·h·a·d + h·kv·2d + 4h = 570,490,880, SwiGLU MLP 3·h·53248 + biases =
  // 2,617,315,328, norms 4h = 65,536 → 3,187,871,744; untied embedding and output layer 128256·16384 =
  // 2,101,346,304 each. Per GPU (÷ 8): first and last stage (7·layer + V·h)/8 = 3,052,056,064; a middle
  // stage 8·layer/8 = 3,187,871,744.
  const Scenario sc = llama405();
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 0), 3052056064.0);
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 15), 3052056064.0);
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 1), 3187871744.0);
  EXPECT_DOUBLE_EQ(stage_parameters_per_gpu(sc, 8), 3187871744.0);
  // Activations under full recompute: each layer keeps its input, 2 B · 8192 · 16384 / 8 (sequence
  // parallel) = 33,554,432 B per micro-batch. Under 1F1B stage i holds p − i micro-batches: stage 0
  // 16 × 7 layers = 112, stage 1 15 × 8 = 120, the last 1 × 7 plus its 32-bit logits 4·8192·128256/8 =
  // 525,336,576 B. Every stage also holds the one layer being recomputed (the same on each).
  const double per_layer = 33554432.0;
  ASSERT_DOUBLE_EQ(activation_bytes_per_layer(sc), per_layer);
  const MemoryFootprint s0 = stage_memory(sc, 0), s1 = stage_memory(sc, 1), s15 = stage_memory(sc, 15);
  EXPECT_NEAR((s1.activations_GB - s0.activations_GB) * 1e9, (120 - 112) * per_layer, 1e-3);
  EXPECT_NEAR((s0.activations_GB - s15.activations_GB) * 1e9, (112 - 7) * per_layer - 525336576.0, 1e-3);
  // So the busiest stage is the second one: more parameters than the first and more in flight than
  // any later stage.
  EXPECT_GT(s1.total_GB(), s0.total_GB());
  EXPECT_GT(s0.total_GB(), s15.total_GB());
  EXPECT_EQ(memory_per_gpu(sc).stage, 1);
}

}  // namespace
}  // namespace trainsite::models
