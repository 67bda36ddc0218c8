// The analytic iteration: pipeline bubble, breakdown bookkeeping and physical orderings.
#include "models/step/iteration.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "models/estimate.h"
#include "models/step/memory.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

Scenario library(const std::string& name, const std::vector<std::string>& overrides = {}) {
  const std::string path = std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name + ".yaml";
  return scenarios::load_scenario(path, catalog(), {scenarios::default_data_dir(), overrides, false});
}

const std::string kA800 = "gpt3-175b-a800-ulanqab-vs-shanghai";

double breakdown_sum(const Iteration& it) {
  return it.compute_s + it.tp_comm_s + it.pp_bubble_s + it.pp_comm_s + it.dp_comm_s + it.cp_comm_s +
         it.ep_comm_s + it.io_stall_s + it.other_s;
}

TEST(Iteration, BubbleFractionFormula) {
  // GPT-3 on 1024 A800: tp 8, pp 16 → dp 8; 1536 sequences / (8 · 1) = 192 micro-batches.
  // (p−1)/(v·m + p−1): v = 1 → 15/207 = 0.072464; v = 2 → 15/399 = 0.037594; v = 3 → 15/591.
  for (int v : {1, 2, 3}) {
    const Iteration it =
        analytic_iteration(library(kA800, {"parallelism.virtual_stages=" + std::to_string(v)}));
    EXPECT_EQ(it.micro_batches, 192);
    EXPECT_EQ(it.virtual_stages, v);
    EXPECT_DOUBLE_EQ(it.bubble_fraction, 15.0 / (v * 192.0 + 15.0));
  }
  EXPECT_NEAR(15.0 / 207.0, 0.072464, 1e-6);
}

TEST(Iteration, InterleavingHalvesTheBubble) {
  // 6 layers per stage split into v = 2 chunks; 192 micro-batches divisible by pp = 16 (Megatron's
  // condition), so the loader accepts it. The fill and drain cost the other p − 1 stages' micro-batch
  // times (compute plus one send/recv per chunk hop), divided by v: the compute part halves exactly,
  // the p2p part does not shrink (v chunks send v times as often).
  const Iteration v1 = analytic_iteration(library(kA800, {"parallelism.virtual_stages=1"}));
  const Iteration v2 = analytic_iteration(library(kA800, {"parallelism.virtual_stages=2"}));
  auto others = [](const Iteration& it) {
    double sum = 0;
    for (size_t i = 0; i < it.stages.size(); ++i)
      if (int(i) != it.slowest_stage) sum += it.stages[i].total() + it.p2p_per_microbatch_s;
    return sum;
  };
  ASSERT_EQ(v1.stages.size(), 16u);
  EXPECT_DOUBLE_EQ(v2.stages[3].total(), v1.stages[3].total());  // stage work does not depend on v
  EXPECT_NEAR(v1.pp_bubble_s, others(v1), 1e-9);
  EXPECT_NEAR(v2.pp_bubble_s, others(v2) / 2, 1e-9);
  EXPECT_NEAR(v2.pp_bubble_s - 15.0 / 2 * v2.p2p_per_microbatch_s,
              0.5 * (v1.pp_bubble_s - 15.0 * v1.p2p_per_microbatch_s), 1e-9);
  EXPECT_NEAR(v2.pp_bubble_s / v1.pp_bubble_s, 0.5, 0.03);
  EXPECT_LT(v2.pp_bubble_s, v1.pp_bubble_s);
}

TEST(Iteration, MoreMicroBatchesShrinkTheBubble) {
  // Doubling the global batch doubles m: the bubble's share of the step falls.
  const Iteration m192 = analytic_iteration(library(kA800, {"parallelism.virtual_stages=1"}));
  const Iteration m384 =
      analytic_iteration(library(kA800, {"parallelism.virtual_stages=1", "workload.global_batch=3072"}));
  EXPECT_EQ(m384.micro_batches, 384);
  EXPECT_DOUBLE_EQ(m384.bubble_fraction, 15.0 / (384.0 + 15.0));
  EXPECT_LT(m384.bubble_fraction, m192.bubble_fraction);
  EXPECT_LT(m384.pp_bubble_s / m384.step_time_s, m192.pp_bubble_s / m192.step_time_s);
  // Same batch in smaller micro-batches: more of them, each shorter, so the bubble time falls.
  const Iteration mb2 = analytic_iteration(
      library("small-16gpu", {"parallelism.virtual_stages=1", "parallelism.micro_batch=2"}));
  const Iteration mb1 = analytic_iteration(
      library("small-16gpu", {"parallelism.virtual_stages=1", "parallelism.micro_batch=1"}));
  EXPECT_EQ(mb1.micro_batches, 2 * mb2.micro_batches);
  EXPECT_LT(mb1.pp_bubble_s, mb2.pp_bubble_s);
  EXPECT_LT(mb1.bubble_fraction, mb2.bubble_fraction);
}

TEST(Iteration, BreakdownSumsToStepTime) {
  const std::filesystem::path dir = std::filesystem::path(TRAINSITE_SOURCE_DIR) / "scenarios" / "library";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario sc =
        scenarios::load_scenario(e.path().string(), catalog(), {scenarios::default_data_dir(), {}, false});
    const Iteration it = analytic_iteration(sc);
    SCOPED_TRACE(e.path().filename().string());
    EXPECT_GT(it.step_time_s, 0);
    EXPECT_NEAR(breakdown_sum(it), it.step_time_s, 1e-9 * it.step_time_s);
    EXPECT_GT(it.compute_s, 0);
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(Iteration, NoTensorParallelNoTpComm) {
  const Iteration tp1 =
      analytic_iteration(library("small-16gpu", {"parallelism.tp=1", "parallelism.sequence_parallel=false"}));
  EXPECT_EQ(tp1.tp_comm_s, 0.0);
  EXPECT_EQ(tp1.stages.front().tp_comm_s, 0.0);
  const Iteration tp2 = analytic_iteration(library("small-16gpu"));
  EXPECT_GT(tp2.tp_comm_s, 0.0);
}

TEST(Iteration, OverlapGradReduceHidesDpComm) {
  const Iteration overlap = analytic_iteration(library(kA800, {"parallelism.overlap_grad_reduce=true"}));
  const Iteration exposed = analytic_iteration(library(kA800, {"parallelism.overlap_grad_reduce=false"}));
  EXPECT_DOUBLE_EQ(overlap.dp_total_s, exposed.dp_total_s);
  EXPECT_DOUBLE_EQ(exposed.dp_comm_s, exposed.dp_total_s);
  EXPECT_LT(overlap.dp_comm_s, exposed.dp_comm_s);
  EXPECT_LT(overlap.step_time_s, exposed.step_time_s);
}

TEST(Iteration, H100FasterThanA100) {
  // Same 16-GPU scenario: 989 vs 312 dense BF16 TFLOP/s and more HBM/NVLink bandwidth.
  const Iteration a100 = analytic_iteration(library("small-16gpu"));
  const Iteration h100 = analytic_iteration(library("small-16gpu", {"cluster.gpu=H100-SXM5-80GB"}));
  EXPECT_LT(h100.step_time_s, a100.step_time_s);
  EXPECT_LT(h100.compute_s, a100.compute_s);
  EXPECT_LT(h100.tp_comm_s, a100.tp_comm_s);
}

TEST(Iteration, A800NvlinkCutRaisesTpComm) {
  // A800 is an A100 with NVLink cut from 600 to 400 GB/s: the bandwidth part of every TP
  // collective grows by 600/400 = 1.5; the per-step latency part is unchanged, so the ratio is
  // a bit below 1.5. Compute is identical.
  const Iteration a800 = analytic_iteration(library(kA800, {"parallelism.virtual_stages=1"}));
  const Iteration a100 =
      analytic_iteration(library(kA800, {"parallelism.virtual_stages=1", "cluster.gpu=A100-SXM4-80GB"}));
  EXPECT_GT(a800.tp_comm_s, a100.tp_comm_s);
  EXPECT_GT(a800.tp_comm_s / a100.tp_comm_s, 1.3);
  EXPECT_LE(a800.tp_comm_s / a100.tp_comm_s, 1.5 + 1e-9);
  EXPECT_DOUBLE_EQ(a800.compute_s, a100.compute_s);
}

TEST(Iteration, AutoVirtualStagesIsNoWorseThanNone) {
  const Iteration autov = analytic_iteration(library(kA800));
  const Iteration v1 = analytic_iteration(library(kA800, {"parallelism.virtual_stages=1"}));
  EXPECT_GE(autov.virtual_stages, 1);
  EXPECT_LE(autov.step_time_s, v1.step_time_s);
  EXPECT_EQ(best_virtual_stages(library(kA800)), autov.virtual_stages);
}

TEST(Iteration, EstimateReportsMemoryOfTheResolvedInterleaving) {
  // virtual_stages: auto picks v > 1 here; interleaving holds 1 + (p−1)/(p·v) times the
  // activations (Korthikanti §4.2.3), so the reported footprint must be that of the chosen v.
  const Scenario sc = library(kA800);
  ASSERT_EQ(sc.parallelism.virtual_stages, 0);
  const Result r = estimate(sc);
  ASSERT_GT(r.iteration.virtual_stages, 1);
  Scenario resolved = sc;
  resolved.parallelism.virtual_stages = r.iteration.virtual_stages;
  EXPECT_DOUBLE_EQ(r.memory.activations_GB, memory_per_gpu(resolved).activations_GB);
  EXPECT_GT(r.memory.activations_GB,
            memory_per_gpu(library(kA800, {"parallelism.virtual_stages=1"})).activations_GB);
}

TEST(Iteration, ScheduleBubblesAreThePublishedFormulas) {
  // p = 16 stages, F = 1, B = 2 (full backward), W = 0.8 (its weight-gradient part), v = 2 chunks:
  //   1F1B (Narayanan et al., SC21 §2.2)       (p − 1)(F + B)          = 15 · 3            = 45
  //   interleaved (SC21 §2.2.1)                (p − 1)(F + B)/v        = 45 / 2            = 22.5
  //   ZB-H1 (Qi et al., ICLR 2024)             (p − 1)(F + B − 2W)     = 15 · 1.4          = 21
  //   DualPipe (DeepSeek-V3 §3.2.1, Table 2)   (p/2 − 1)(F&B + B − 3W) = 7 · (3 + 2 − 2.4) = 18.2
  // B is the full backward, as in DeepSeek-V3's Table 2 (Qi et al. write ZB-H1 as (p − 1)(F + B' − W) with
  // B' = B − W the input-gradient part alone: the same number). F&B, a forward and a backward chunk run
  // together, is taken as F + B (the overlap hides communication, not computation).
  const double F = 1, B = 2, W = 0.8;
  EXPECT_DOUBLE_EQ(pipeline_bubble_s(Schedule::one_f_one_b, 16, 1, F, B, W), 45.0);
  EXPECT_DOUBLE_EQ(pipeline_bubble_s(Schedule::automatic, 16, 1, F, B, W), 45.0);
  EXPECT_DOUBLE_EQ(pipeline_bubble_s(Schedule::interleaved, 16, 2, F, B, W), 22.5);
  EXPECT_NEAR(pipeline_bubble_s(Schedule::zero_bubble, 16, 1, F, B, W), 21.0, 1e-12);
  EXPECT_NEAR(pipeline_bubble_s(Schedule::dualpipe, 16, 1, F, B, W), 18.2, 1e-12);
  // One stage has no bubble; DualPipe on 2 stages (p/2 − 1 = 0) has none either.
  for (Schedule s : {Schedule::one_f_one_b, Schedule::interleaved, Schedule::zero_bubble, Schedule::dualpipe})
    EXPECT_EQ(pipeline_bubble_s(s, 1, 1, F, B, W), 0.0);
  EXPECT_EQ(pipeline_bubble_s(Schedule::dualpipe, 2, 1, F, B, W), 0.0);
  // A weight-gradient part over half of F + B would make ZB-H1's formula negative: no bubble is left.
  EXPECT_EQ(pipeline_bubble_s(Schedule::zero_bubble, 16, 1, 1, 2, 1.6), 0.0);
  EXPECT_EQ(to_string(Schedule::zero_bubble), "zero-bubble");
  EXPECT_EQ(to_string(Schedule::dualpipe), "dualpipe");
}

TEST(Iteration, EachScheduleScalesTheFillAndDrainByItsFormula) {
  // The iteration applies the formula to the slowest stage's per-micro-batch times (F + B = its total
  // plus one send/recv, W = its weight-gradient GEMMs) and scales 1F1B's fill and drain (the other
  // stages' times) by sched / 1F1B, so each schedule's bubble over 1F1B's is exactly its formula's
  // ratio. GPT-3 on 1,024 A800: p = 16, 192 micro-batches (even, as DualPipe needs).
  const Iteration one = analytic_iteration(library(kA800, {"parallelism.virtual_stages=1"}));
  ASSERT_EQ(one.schedule, Schedule::one_f_one_b);
  const StageWork& slow = one.slowest();
  const double per_mb = slow.total() + one.p2p_per_microbatch_s;
  const double F = per_mb * slow.fwd_compute_s / slow.compute(), B = per_mb - F, W = slow.wgrad_s;
  ASSERT_GT(W, 0);
  ASSERT_LT(2 * W, F + B);
  // ZB-H1 runs the same stages: its bubble is (F + B − 2W)/(F + B) of 1F1B's.
  const Iteration zb = analytic_iteration(
      library(kA800, {"parallelism.virtual_stages=1", "parallelism.schedule=zero-bubble"}));
  EXPECT_EQ(zb.schedule, Schedule::zero_bubble);
  ASSERT_EQ(zb.slowest_stage, one.slowest_stage);
  EXPECT_DOUBLE_EQ(zb.stages[3].total(), one.stages[3].total());  // the schedule does not change the work
  EXPECT_NEAR(zb.pp_bubble_s / one.pp_bubble_s, (F + B - 2 * W) / (F + B), 1e-9);
  const double zb_s = pipeline_bubble_s(Schedule::zero_bubble, 16, 1, F, B, W);
  EXPECT_NEAR(zb.bubble_fraction, zb_s / (zb_s + 192 * per_mb), 1e-12);  // sched / (sched + m·(F + B))
  // DualPipe: rank r holds stage r and its mirror 15 − r, so F, B and W are the means of the slowest
  // pair, and the bubble is (p/2 − 1)(F&B + B − 3W) with F&B = F + B.
  const Iteration dp =
      analytic_iteration(library(kA800, {"parallelism.virtual_stages=1", "parallelism.schedule=dualpipe"}));
  EXPECT_EQ(dp.schedule, Schedule::dualpipe);
  const StageWork& a = dp.stages[size_t(dp.slowest_stage)];
  const StageWork& b = dp.stages[size_t(15 - dp.slowest_stage)];
  const double pair_mb = (a.total() + b.total()) / 2 + dp.p2p_per_microbatch_s;
  const double pf = pair_mb * (a.fwd_compute_s + b.fwd_compute_s) / (a.compute() + b.compute());
  const double pb = pair_mb - pf, pw = (a.wgrad_s + b.wgrad_s) / 2;
  const double dp_s = 7 * (pf + 2 * pb - 3 * pw);
  EXPECT_NEAR(dp_s, pipeline_bubble_s(Schedule::dualpipe, 16, 1, pf, pb, pw), 1e-12);
  EXPECT_NEAR(dp.bubble_fraction, dp_s / (dp_s + 192 * pair_mb), 1e-12);
  EXPECT_NEAR(dp.compute_s, 192 * (a.compute() + b.compute()) / 2, 1e-9 * dp.compute_s);
  EXPECT_LT(dp.pp_bubble_s, zb.pp_bubble_s);
  EXPECT_LT(zb.pp_bubble_s, one.pp_bubble_s);
  // DualPipe hides the pipeline send/recv behind the other direction's computation.
  EXPECT_GT(one.pp_comm_s, 0);
  EXPECT_EQ(dp.pp_comm_s, 0);
}

}  // namespace
}  // namespace trainsite::models
