#include "sim/iteration_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "models/step/iteration.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"
#include "scenarios/validation.h"
#include "sim/trace.h"

using namespace trainsite;

namespace {

const std::filesystem::path kSource = TRAINSITE_SOURCE_DIR;

const models::Catalog& catalog() {
  static const models::Catalog cat = scenarios::load_catalog(kSource / "data");
  return cat;
}

models::Scenario load(const std::string& name, std::vector<std::string> overrides = {}) {
  return scenarios::load_scenario((kSource / "scenarios/library" / name).string(), catalog(),
                                  {kSource / "data", std::move(overrides), false});
}

// A data-parallel-heavy layout: the 1.7B model on 4 nodes of 8×A100 with tp=2, pp=1 (dp=16), the
// gradient all-reduce exposed (no overlap) and every node on its own leaf of a fat-tree, so all
// gradient traffic crosses the spine.
models::Scenario dp_heavy(double oversubscription, const std::string& routing, const std::string& kind) {
  return load("small-16gpu.yaml",
              {"cluster.nodes=4", "parallelism.pp=1", "parallelism.overlap_grad_reduce=false",
               "cluster.fabric.topology=fat-tree", "cluster.fabric.leaf_radix=8",
               "cluster.fabric.oversubscription=" + std::to_string(oversubscription),
               "cluster.fabric.routing=" + routing, "cluster.fabric.kind=" + kind});
}

double step(const models::Scenario& sc, const sim::DesOptions& o = {}) {
  return sim::simulate_iteration(sc, o).step_time_s;
}

}  // namespace

TEST(CrossCheck, DesAgreesWithAnalyticWithin5PercentOnShippedScenarios) {
  for (const auto& f : std::filesystem::directory_iterator(kSource / "scenarios/library")) {
    if (f.path().extension() != ".yaml") continue;
    const auto sc = load(f.path().filename().string(),
                         {"cluster.fabric.oversubscription=1", "cluster.fabric.routing=adaptive"});
    const double a = models::analytic_iteration(sc).step_time_s, d = step(sc);
    EXPECT_NEAR(d / a, 1.0, 0.05) << f.path().filename() << ": analytic " << a << " s, DES " << d << " s";
  }
}

TEST(CrossCheck, DesAgreesWithAnalyticWithin5PercentOnValidationRecords) {
  const auto records = scenarios::load_validation((kSource / "data/validation/public.yaml").string(),
                                                  catalog(), {kSource / "data", {}, true});
  int checked = 0;
  for (const auto& r : records) {
    if (!r.scenario) continue;
    auto sc = *r.scenario;
    sc.cluster.fabric.oversubscription = 1;
    sc.cluster.fabric.routing = "adaptive";
    const double a = models::analytic_iteration(sc).step_time_s, d = step(sc);
    EXPECT_NEAR(d / a, 1.0, 0.05) << r.id << ": analytic " << a << " s, DES " << d << " s";
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(WhatIf, StragglersSlowTheStep) {
  const auto sc = load("small-16gpu.yaml");
  sim::DesOptions slow;
  slow.straggler_fraction = 0.1;  // 2 of 16 GPUs
  slow.straggler_slowdown = 1.5;
  // A 1.5× slower GPU paces its whole pipeline stage: the step grows by well over 10%.
  EXPECT_GT(step(sc, slow), 1.1 * step(sc));
  EXPECT_EQ(sim::straggler_ranks(sc, 0.1).size(), 2u);
}

TEST(WhatIf, FailedNicLinkSlowsTheStep) {
  const auto sc = dp_heavy(1, "adaptive", "infiniband");
  sim::DesOptions failed;
  failed.failed_links = 1;  // node 0 loses NIC 0: its two ring channels share NIC 1
  EXPECT_GT(step(sc, failed), step(sc) * 1.01);
}

TEST(WhatIf, OversubscriptionSlowsDataParallelTraffic) {
  const double t1 = step(dp_heavy(1, "adaptive", "infiniband"));
  const double t2 = step(dp_heavy(2, "adaptive", "infiniband"));
  const double t4 = step(dp_heavy(4, "adaptive", "infiniband"));
  EXPECT_LT(t1, t2);
  EXPECT_LT(t2, t4);
}

TEST(WhatIf, EcmpHashingIsSlowerThanAdaptiveRoutingOnOversubscribedRoce) {
  const auto ecmp = sim::simulate_iteration(dp_heavy(2, "ecmp-hash", "roce"));
  const auto adaptive = sim::simulate_iteration(dp_heavy(2, "adaptive", "roce"));
  // Hash collisions put several flows on one spine link while others idle.
  EXPECT_GT(ecmp.dp_comm_s, 1.05 * adaptive.dp_comm_s);
  EXPECT_GT(ecmp.step_time_s, adaptive.step_time_s);
}

TEST(WhatIf, A800NvlinkMakesTensorParallelSlowerThanA100) {
  // Same layout, NVLink 400 GB/s (A800) vs 600 GB/s (A100): TP traffic takes longer on A800.
  const auto a100 = sim::simulate_iteration(load("small-16gpu.yaml"));
  const auto a800 = sim::simulate_iteration(load("small-16gpu.yaml", {"cluster.gpu=A800-SXM4-80GB"}));
  const auto h100 = sim::simulate_iteration(load("small-16gpu.yaml", {"cluster.gpu=H100-SXM5-80GB"}));
  EXPECT_GT(a800.tp_comm_s, 1.2 * a100.tp_comm_s);
  EXPECT_GT(a800.tp_comm_s, 1.5 * h100.tp_comm_s);
}

TEST(Aggregation, StepLevelRingsAgreeWithAggregatedFlows) {
  const auto sc = dp_heavy(1, "adaptive", "infiniband");
  sim::DesOptions steps;
  steps.step_level = true;
  const auto agg = sim::simulate_iteration(sc), lvl = sim::simulate_iteration(sc, steps);
  EXPECT_NEAR(lvl.dp_comm_s / agg.dp_comm_s, 1.0, 0.01);
  EXPECT_NEAR(lvl.step_time_s / agg.step_time_s, 1.0, 0.01);
}

TEST(Determinism, SameScenarioSameResult) {
  const auto sc = load("small-16gpu.yaml");
  sim::DesOptions o;
  o.straggler_fraction = 0.2;
  o.straggler_slowdown = 1.3;
  EXPECT_EQ(step(sc, o), step(sc, o));
}

TEST(Trace, IsValidTraceEventJsonWithComputeAndCommSlices) {
  sim::DesOptions o;
  o.trace = true;
  const auto r = sim::simulate(load("small-16gpu.yaml"), o);
  const auto doc = nlohmann::json::parse(sim::trace_json(r, "small"));
  ASSERT_TRUE(doc["traceEvents"].is_array());
  int compute = 0, comm = 0, names = 0;
  for (const auto& e : doc["traceEvents"]) {
    if (e["ph"] == "M") ++names;
    if (e["ph"] != "X") continue;
    EXPECT_GE(e["dur"].get<double>(), 0);
    EXPECT_LT(e["tid"].get<int>(), int(r.tracks.size()));
    if (e["cat"] == "compute") ++compute;
    if (e["cat"] == "tp" || e["cat"] == "pp" || e["cat"] == "dp") ++comm;
  }
  EXPECT_GT(compute, 0);
  EXPECT_GT(comm, 0);
  EXPECT_EQ(names, 1 + 2 * int(r.tracks.size()));
}
