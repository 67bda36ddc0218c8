#include "models/site/power.h"

#include <gtest/gtest.h>

#include "campaign_fixture.h"
#include "models/step/iteration.h"

using namespace trainsite::models;
using trainsite::testing::kA800Sites;
using trainsite::testing::shipped;

TEST(NodePower, FullLoadMatchesTheCatalogServerFigure) {
  // Founding brief: 8×A800 server ≈ 6 kW, 8×H800 ≈ 11 kW at full load (every GPU at TDP).
  Scenario a = shipped(kA800Sites);
  EXPECT_NEAR(node_power(a).full_kw, 6.0, 1e-9);
  // Non-GPU part: 6.0 − 8 × 0.400 = 2.8 kW; compute phase: 2.8 + 8 × 0.9 × 0.4 = 5.68 kW.
  EXPECT_NEAR(node_power(a).non_gpu_kw, 2.8, 1e-9);
  EXPECT_NEAR(node_power(a).compute_kw, 5.68, 1e-9);
  Scenario h = shipped("gpt3-175b-h800-ulanqab-vs-shanghai");
  EXPECT_NEAR(node_power(h).full_kw, 11.0, 1e-9);
  // 11.0 − 8 × 0.700 = 5.4 kW outside the GPUs.
  EXPECT_NEAR(node_power(h).non_gpu_kw, 5.4, 1e-9);
}

TEST(NodePower, PhasesOrderComputeAboveCommAboveIdle) {
  const NodePower n = node_power(shipped(kA800Sites));
  EXPECT_GT(n.full_kw, n.compute_kw);
  EXPECT_GT(n.compute_kw, n.comm_kw);
  EXPECT_GT(n.comm_kw, n.idle_kw);
  // Idle: 2.8 + 8 × 60 W = 3.28 kW.
  EXPECT_NEAR(n.idle_kw, 3.28, 1e-9);
}

TEST(ClusterPower, NetworkAndStorageFromPortsAndBandwidth) {
  const Scenario sc = shipped(kA800Sites);
  // 128 nodes × 4 NICs × (1 + 2/1) ports × 25 W = 38.4 kW.
  EXPECT_NEAR(network_power_kw(sc), 38.4, 1e-9);
  // 128 × 5 GB/s = 640 GB/s → ceil(640/90) = 8 appliances × 2.5 kW = 20 kW.
  EXPECT_NEAR(storage_power_kw(sc), 20.0, 1e-9);
}

TEST(ItLoad, SwingIsTheGpuPowerDifferenceBetweenComputeAndComm) {
  const Scenario sc = shipped(kA800Sites);
  const ItLoad l = it_load(sc, analytic_iteration(sc));
  // 1024 GPUs × (0.90 − 0.55) × 400 W = 143.36 kW.
  EXPECT_NEAR(l.swing_kw, 143.36, 1e-6);
  EXPECT_GT(l.mean_kw, l.comm_kw);
  EXPECT_LT(l.mean_kw, l.compute_kw);
  double t = 0;
  for (const auto& s : l.profile) t += s.duration_s;
  EXPECT_NEAR(t, analytic_iteration(sc).step_time_s, 1e-6);
}
