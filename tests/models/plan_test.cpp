// The planner (models/plan.h). Tests assert relations that hold whatever the step model's numbers
// are: the search is at least as fast as the published/shipped layout under the same model, its
// bounds never cut a better layout, constraints hold, the Pareto front is non-dominated.
#include "models/plan.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "models/layout.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"
#include "scenarios/validation.h"

namespace {

using namespace trainsite;
using namespace trainsite::models;

const std::filesystem::path& data_dir() {
  static const auto d = scenarios::default_data_dir();
  return d;
}
const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(data_dir());
  return c;
}
Scenario library(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name, catalog(),
                                  {data_dir(), overrides, false});
}
const Scenario& small() {
  static const Scenario sc = library("small-16gpu.yaml");
  return sc;
}
const Scenario& a800() {
  static const Scenario sc = library("gpt3-175b-a800-ulanqab-vs-shanghai.yaml");
  return sc;
}

constexpr double kSame = 1e-9;  // relative: "no worse" with floating-point slack only

TEST(PlanSearch, EverySc21RecordIsMatchedOrBeatenUnderTheSameModel) {
  const auto records = scenarios::load_validation(
      std::string(TRAINSITE_SOURCE_DIR) + "/data/validation/public.yaml", catalog(), {data_dir(), {}, true});
  ASSERT_EQ(records.size(), 10u);
  for (const auto& r : records) {
    ASSERT_TRUE(r.scenario) << r.id << ": " << r.unsupported_reason;
    const double published = analytic_iteration(*r.scenario).step_time_s;
    const LayoutSearch s = search_layouts(*r.scenario, {.keep = 4, .jobs = 2});
    ASSERT_FALSE(s.best.empty()) << r.id;
    EXPECT_LE(s.best.front().iteration.step_time_s, published * (1 + kSame)) << r.id;
    EXPECT_GT(s.counts.evaluated, 0) << r.id;
    // Restricted to the 2021 stack's software (no distributed optimizer, full recompute, 1F1B or
    // interleaved 1F1B), the layout alone still matches or beats the published one.
    const LayoutSearch same = search_layouts(*r.scenario, {.keep = 1,
                                                           .jobs = 2,
                                                           .zeros = {0},
                                                           .recomputes = {Recompute::full},
                                                           .schedules = {Schedule::automatic}});
    ASSERT_FALSE(same.best.empty()) << r.id;
    EXPECT_EQ(same.best.front().layout.zero, 0);
    EXPECT_EQ(same.best.front().layout.recompute, Recompute::full);
    EXPECT_NE(same.best.front().layout.schedule, Schedule::zero_bubble);
    EXPECT_LE(same.best.front().iteration.step_time_s, published * (1 + kSame)) << r.id;
    EXPECT_GE(same.best.front().iteration.step_time_s, s.best.front().iteration.step_time_s) << r.id;
  }
}

TEST(PlanSearch, ShippedScenariosAreMatchedOrBeaten) {
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library")) {
    if (e.path().extension() != ".yaml") continue;
    const Scenario sc = library(e.path().filename().string());
    const LayoutSearch s = search_layouts(sc, {.keep = 4, .jobs = 2});
    ASSERT_FALSE(s.best.empty()) << e.path();
    EXPECT_LE(s.best.front().iteration.step_time_s, analytic_iteration(sc).step_time_s * (1 + kSame))
        << e.path();
  }
}

TEST(PlanSearch, EveryResultIsAValidLayoutInsideTheNvlinkDomain) {
  const LayoutSearch s = search_layouts(a800(), {.keep = 20, .jobs = 2});
  ASSERT_EQ(s.best.size(), 20u);
  for (const auto& c : s.best) {
    Scenario sc = a800();
    apply_layout(sc, c.layout);
    EXPECT_TRUE(layout_problems(sc).empty()) << describe(c.layout);
    EXPECT_LE(c.layout.tp, sc.cluster.gpus_per_node);
    EXPECT_EQ(c.layout.tp * c.layout.pp * c.layout.cp * c.layout.dp, sc.cluster.gpus());
    EXPECT_LE(c.memory_GB, usable_hbm_GB(sc.cluster.gpu));
    // The reported iteration is the engine's for that layout.
    EXPECT_DOUBLE_EQ(analytic_iteration(sc).step_time_s, c.iteration.step_time_s);
  }
  for (size_t i = 1; i < s.best.size(); ++i)
    EXPECT_LE(s.best[i - 1].iteration.step_time_s, s.best[i].iteration.step_time_s);
}

TEST(PlanSearch, TheScheduleIsSearchedAndCarriedByTheLayout) {
  const LayoutSearch all = search_layouts(a800(), {.keep = 40, .jobs = 2});
  const LayoutSearch one_f_one_b =
      search_layouts(a800(), {.keep = 40, .jobs = 2, .schedules = {Schedule::automatic}});
  const LayoutSearch zb =
      search_layouts(a800(), {.keep = 40, .jobs = 2, .schedules = {Schedule::zero_bubble}});
  ASSERT_FALSE(all.best.empty());
  ASSERT_FALSE(one_f_one_b.best.empty());
  ASSERT_FALSE(zb.best.empty());
  // More schedules: more candidates, and a best layout at least as fast as either restriction's.
  EXPECT_GT(all.counts.searched, one_f_one_b.counts.searched);
  EXPECT_LE(all.best.front().iteration.step_time_s,
            one_f_one_b.best.front().iteration.step_time_s * (1 + kSame));
  EXPECT_LE(all.best.front().iteration.step_time_s, zb.best.front().iteration.step_time_s * (1 + kSame));
  for (const auto& c : one_f_one_b.best) {
    // Resolved: 1F1B, or interleaved when the engine chose v > 1.
    EXPECT_EQ(c.layout.schedule, c.layout.virtual_stages > 1 ? Schedule::interleaved : Schedule::one_f_one_b)
        << describe(c.layout);
  }
  for (const auto& c : zb.best) {
    if (c.layout.pp == 1) continue;  // no pipeline, no schedule to choose
    EXPECT_EQ(c.layout.schedule, Schedule::zero_bubble) << describe(c.layout);
    EXPECT_EQ(c.layout.virtual_stages, 1);
  }
  // GPT-3 is dense: DualPipe is not searched for it.
  for (const auto& c : all.best) EXPECT_NE(c.layout.schedule, Schedule::dualpipe) << describe(c.layout);
  // The layout round-trips through the scenario: apply_layout then layout_of gives it back, and the
  // engine's step for it is the one the search reported.
  for (const auto& c : all.best) {
    Scenario sc = a800();
    apply_layout(sc, c.layout);
    const Iteration it = analytic_iteration(sc);
    EXPECT_EQ(layout_of(sc, it), c.layout) << describe(c.layout);
    EXPECT_DOUBLE_EQ(it.step_time_s, c.iteration.step_time_s);
  }
}

TEST(PlanSearch, DualPipeOnlyForMoeWithAnEvenPipelineThatFills) {
  // Mixtral 8x7B on 2 × 8 H100 (the small scenario's cluster, read without its layout checks). Every
  // DualPipe candidate has an even pp >= 2, at least pp micro-batches (an even number of them) and one
  // chunk per stage.
  const Scenario sc = scenarios::load_scenario(
      std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/small-16gpu.yaml", catalog(),
      {data_dir(),
       {"workload.model=mixtral-8x7b", "cluster.gpu=H100-SXM5-80GB", "workload.global_batch=64"},
       false,
       true});
  ASSERT_TRUE(sc.workload.model.moe);
  const LayoutSearch s =
      search_layouts(sc, {.keep = 1000000, .jobs = 2, .zeros = {1}, .recomputes = {Recompute::full}});
  ASSERT_FALSE(s.best.empty());
  int dualpipe = 0;
  for (const auto& c : s.best) {
    if (c.layout.schedule != Schedule::dualpipe) continue;
    ++dualpipe;
    SCOPED_TRACE(describe(c.layout));
    EXPECT_EQ(c.layout.pp % 2, 0);
    EXPECT_GE(c.layout.pp, 2);
    EXPECT_GE(c.iteration.micro_batches, c.layout.pp);
    EXPECT_EQ(c.iteration.micro_batches % 2, 0);
    EXPECT_EQ(c.layout.virtual_stages, 1);
    Scenario t = sc;
    apply_layout(t, c.layout);
    EXPECT_TRUE(layout_problems(t).empty());
  }
  EXPECT_GT(dualpipe, 0);
}

TEST(PlanSearch, StepLowerBoundNeverExceedsTheEngine) {
  // keep everything: nothing is pruned by the step bound, so every valid layout is evaluated.
  const LayoutSearch s = search_layouts(small(), {.keep = 1000000, .jobs = 2});
  EXPECT_EQ(s.counts.step_bound, 0);
  ASSERT_GT(s.best.size(), 100u);
  for (const auto& c : s.best) EXPECT_LE(c.lower_bound_s, c.iteration.step_time_s) << describe(c.layout);
  // The cluster-wide FLOP bound is below every layout too (guards hold MFU <= peak).
  for (const auto& c : s.best) EXPECT_LE(flop_lower_bound_s(small()), c.iteration.step_time_s);
}

TEST(PlanSearch, PruningKeepsTheSameBestLayouts) {
  const LayoutSearch all = search_layouts(a800(), {.keep = 1000000, .jobs = 2});
  const LayoutSearch pruned = search_layouts(a800(), {.keep = 5, .jobs = 2});
  ASSERT_EQ(pruned.best.size(), 5u);
  EXPECT_GT(pruned.counts.step_bound, 0);
  EXPECT_LT(pruned.counts.evaluated, all.counts.evaluated);
  EXPECT_EQ(pruned.counts.searched, all.counts.searched);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(pruned.best[i].layout, all.best[i].layout) << i;
    EXPECT_EQ(pruned.best[i].iteration.step_time_s, all.best[i].iteration.step_time_s) << i;
  }
}

TEST(PlanSearch, CountsAddUpAndDoNotDependOnThreads) {
  const LayoutSearch one = search_layouts(a800(), {.keep = 8, .jobs = 1});
  const LayoutSearch two = search_layouts(a800(), {.keep = 8, .jobs = 2});
  const auto& c = one.counts;
  EXPECT_EQ(c.searched, c.layout_rules + c.memory + c.step_bound + c.evaluated);
  EXPECT_EQ(c.evaluated, two.counts.evaluated);
  EXPECT_EQ(c.step_bound, two.counts.step_bound);
  ASSERT_EQ(one.best.size(), two.best.size());
  for (size_t i = 0; i < one.best.size(); ++i) EXPECT_EQ(one.best[i].layout, two.best[i].layout);
}

TEST(PlanSearch, MemoryBoundPrunesWholeGroups) {
  // 175B on one 8-GPU server: ZeRO-3 shards the 16 bytes/parameter of model states over at most 8 GPUs,
  // 175e9 × 16 B / 8 = 350 GB per GPU > 80 GB, so every candidate is rejected by memory.
  Scenario sc = a800();
  sc.cluster.nodes = 1;
  sc.parallelism.dp = 0;
  const LayoutSearch s = search_layouts(sc);
  EXPECT_TRUE(s.best.empty());
  EXPECT_EQ(s.counts.evaluated, 0);
  EXPECT_GT(s.counts.memory, 0);
}

TEST(Plan, DefaultNodeCountsArePowersOfTwoAndThreeTimesThem) {
  EXPECT_EQ(default_node_counts(8, 100), (std::vector<int>{1, 2, 3, 4, 6, 8, 12}));
  EXPECT_EQ(default_node_counts(8, 16384).back(), 2048);
}

TEST(Plan, BestPerSiteIsNoSlowerThanTheShippedLayout) {
  const PlanResult r = plan(a800(), {}, {});
  ASSERT_EQ(r.plans.size(), 2u);
  for (const auto& sp : r.plans) {
    ASSERT_TRUE(sp.best) << sp.site << ": " << sp.none_reason;
    ASSERT_TRUE(sp.baseline);
    EXPECT_LE(sp.best->iteration.step_time_s, sp.baseline->iteration.step_time_s * (1 + kSame));
    EXPECT_LE(sp.best->site.wall_clock_days, sp.baseline->site.wall_clock_days * (1 + kSame));
    EXPECT_EQ(sp.best->nodes, a800().cluster.nodes);  // no --nodes: the scenario's cluster
    EXPECT_FALSE(sp.bounds.empty());
    for (const auto& ru : sp.runner_ups) EXPECT_FALSE(ru.why.empty());
  }
  EXPECT_EQ(r.counts.clusters, 1);
  EXPECT_FALSE(r.pareto.empty());
}

TEST(Plan, ConstraintsHoldForEveryChosenPlan) {
  PlanOptions o;
  o.objective = Objective::cost;
  o.deadline_days = 30;
  o.budget = 5e5;
  o.max_gpus = 4096;
  o.nodes = default_node_counts(8, 16384);
  o.search.jobs = 2;
  const PlanResult r = plan(a800(), {}, o);
  EXPECT_GT(r.counts.clusters_max_gpus, 0);  // sizes above 4,096 GPUs are not searched
  EXPECT_GT(r.counts.clusters_deadline, 0);  // small clusters cannot make 30 days even at peak
  for (const auto& sp : r.plans) {
    if (!sp.best) continue;
    EXPECT_LE(sp.best->site.wall_clock_days, 30);
    EXPECT_LE(sp.best->site.cost.total, 5e5);
    EXPECT_LE(sp.best->gpus(), 4096);
    for (const auto& ru : sp.runner_ups) {
      if (ru.lost_by == "objective") {
        EXPECT_GE(ru.point.objective, sp.best->objective);
      }
    }
    for (const auto& row : sp.sizes) {
      if (row.best && row.best->feasible()) {
        EXPECT_GE(row.best->objective, sp.best->objective);
      }
    }
  }
}

TEST(Plan, ParetoFrontIsNonDominatedAndSortedByDays) {
  PlanOptions o;
  o.nodes = {32, 64, 128, 256};
  o.search.jobs = 2;
  const PlanResult r = plan(a800(), {}, o);
  ASSERT_GE(r.pareto.size(), 2u);  // more GPUs: faster but dearer
  for (size_t i = 1; i < r.pareto.size(); ++i) {
    EXPECT_LT(r.pareto[i - 1].site.wall_clock_days, r.pareto[i].site.wall_clock_days);
    EXPECT_GT(r.pareto[i - 1].site.cost.total, r.pareto[i].site.cost.total);
  }
  // No chosen or runner-up point dominates a front point.
  for (const auto& sp : r.plans) {
    std::vector<PlanPoint> others;
    if (sp.best) others.push_back(*sp.best);
    for (const auto& ru : sp.runner_ups)
      if (ru.point.feasible()) others.push_back(ru.point);
    for (const auto& row : sp.sizes)
      if (row.best && row.best->feasible()) others.push_back(*row.best);
    for (const auto& f : r.pareto)
      for (const auto& p : others) {
        const bool dominates =
            p.site.wall_clock_days <= f.site.wall_clock_days && p.site.cost.total <= f.site.cost.total &&
            (p.site.wall_clock_days < f.site.wall_clock_days || p.site.cost.total < f.site.cost.total);
        EXPECT_FALSE(dominates) << p.nodes << " dominates " << f.nodes;
      }
  }
}

TEST(Plan, PowerCapLimitsTheClusterAtTheSiteThatHasIt) {
  // Shanghai with an 8 MW block (the example) next to Ulanqab's 150 MW: the fastest plan at
  // Shanghai must stay under 8 MW, and a bigger cluster is reported as ruled out by the cap.
  const Scenario sc = library("gpt3-175b-a800-ulanqab-vs-shanghai.yaml",
                              {"sites=[ulanqab, {id: shanghai, power_capacity_mw: 8}]"});
  PlanOptions o;
  o.nodes = {256, 512, 1024, 2048};  // 1.5 to 12 MW of servers at 6 kW each
  o.search.jobs = 2;
  const PlanResult r = plan(sc, {}, o);
  ASSERT_EQ(r.plans.size(), 2u);
  const SitePlan& ulanqab = r.plans[0];
  const SitePlan& shanghai = r.plans[1];
  ASSERT_TRUE(ulanqab.best && shanghai.best);
  EXPECT_GT(ulanqab.best->nodes, shanghai.best->nodes);
  EXPECT_LE(shanghai.best->site.facility_power_peak_mw, 8 * (1 + 1e-9));
  EXPECT_EQ(shanghai.best->site.derated_hours, 0);
  bool cap_named = false;
  for (const auto& b : shanghai.bounds) cap_named |= b.bound == "power_cap";
  EXPECT_TRUE(cap_named);
  bool cap_runner_up = false;
  for (const auto& ru : shanghai.runner_ups) cap_runner_up |= ru.lost_by == "power_cap";
  EXPECT_TRUE(cap_runner_up);
}

TEST(Plan, RecheckRunsOnTheBestFewAndAttachesTheirTimes) {
  PlanOptions o;
  int calls = 0;
  o.recheck = [&](const Scenario& sc) {
    ++calls;
    Iteration it = analytic_iteration(sc);
    it.step_time_s *= 1.1;  // a stand-in for the DES: any engine works
    return it;
  };
  o.recheck_top = 2;
  const PlanResult r = plan(small(), {}, o);
  EXPECT_EQ(r.counts.des_rechecks, calls);
  EXPECT_LE(calls, 3);  // the baseline + the best two distinct configurations
  for (const auto& sp : r.plans) {
    ASSERT_TRUE(sp.best && sp.best->des_step_time_s);
    EXPECT_NEAR(*sp.best->des_step_time_s, sp.best->iteration.step_time_s * 1.1, 1e-9);
    ASSERT_TRUE(sp.baseline->des_step_time_s);
  }
}

TEST(Plan, NothingFeasibleSaysWhy) {
  PlanOptions o;
  o.deadline_days = 0.01;  // 15 minutes for 20B tokens on 16 GPUs
  const PlanResult r = plan(small(), {}, o);
  for (const auto& sp : r.plans) {
    EXPECT_FALSE(sp.best);
    EXPECT_NE(sp.none_reason.find("deadline"), std::string::npos) << sp.none_reason;
  }
}

}  // namespace

namespace {

TEST(Plan, AutoSizesStopAtMaxGpus) {
  trainsite::models::PlanOptions o;
  o.auto_nodes = true;
  o.max_gpus = 64;
  const auto r = trainsite::models::plan(small(), {}, o);
  ASSERT_FALSE(r.plans.empty());
  std::vector<int> nodes;
  for (const auto& row : r.plans.front().sizes) nodes.push_back(row.nodes);
  EXPECT_EQ(nodes, (std::vector<int>{1, 2, 3, 4, 6, 8}));  // 8 GPUs per A100 server, 64 GPUs at most
  EXPECT_EQ(r.counts.clusters, 6);
}

}  // namespace

namespace {

TEST(Plan, AScenarioWithoutAValidLayoutStillGetsAPlan) {
  trainsite::models::Scenario sc = a800();
  sc.parallelism.tp = 1;  // 175B with tp 1 · pp 16 does not fit: the loader would refuse it
  const auto r = trainsite::models::plan(sc, {}, {});
  EXPECT_NE(r.baseline_problem.find("does not fit"), std::string::npos) << r.baseline_problem;
  for (const auto& sp : r.plans) {
    EXPECT_FALSE(sp.baseline);
    ASSERT_TRUE(sp.best);
    EXPECT_TRUE(sp.best->feasible());
  }
}

}  // namespace
