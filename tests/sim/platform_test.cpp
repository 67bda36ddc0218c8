#include "sim/platform.h"

#include <gtest/gtest.h>

#include <simgrid/s4u.hpp>

#include "sim/collectives.h"
#include "sim/schedule.h"

namespace sg4 = simgrid::s4u;
using namespace trainsite;

namespace {

models::Cluster two_nodes() {
  models::Cluster c;
  c.gpu.id = "test";
  c.gpu.nvlink_GBps = 600;  // A100 datasheet, bidirectional
  c.gpus_per_node = 8;
  c.nodes = 2;
  c.fabric.nic_gbps = 200;
  c.fabric.nics_per_node = 8;
  c.fabric.latency_us = 2.0;
  return c;  // default calibration: nic_eff 0.94, nvlink_busbw_eff 0.78
}

// Simulated seconds one flow of `bytes` takes from `src` to `dst` on an idle platform.
double one_flow(const models::Cluster& c, int src, int dst, double bytes) {
  sg4::Engine e("platform-test");
  sim::Platform plat(c);
  double start = 0, end = 0;
  sg4::Actor::create("probe", plat.gpu(src), [&] {
    start = sg4::Engine::get_clock();
    plat.send(src, dst, bytes)->wait();
    end = sg4::Engine::get_clock();
  });
  e.run();
  return end - start;
}

}  // namespace

TEST(Platform, SingleFlowOnIdleLinkGetsExactlyLinkBandwidthAndLatency) {
  // GPU 0 (node 0) -> GPU 8 (node 1), same leaf: NIC up + NIC down. One 200 Gb/s NIC per GPU at
  // 94% efficiency = 23.5e9 B/s; 1 GB takes 1e9/23.5e9 = 0.0425532 s, plus one switch hop of 2 µs.
  const double t = one_flow(two_nodes(), 0, 8, 1e9);
  EXPECT_NEAR(t, 1e9 / 23.5e9 + 2e-6, 1e-9);
}

TEST(Platform, IntraNodeFlowUsesNvlink) {
  // NVLink 600 GB/s bidirectional -> 300 GB/s one way × 0.78 = 234e9 B/s; no fabric latency.
  const double t = one_flow(two_nodes(), 0, 1, 1e9);
  EXPECT_NEAR(t, 1e9 / 234e9, 1e-9);
}

TEST(Platform, CrossLeafRouteClimbsToTheSpine) {
  models::Cluster c = two_nodes();
  c.fabric.leaf_radix = 1;  // every node on its own leaf
  sg4::Engine e("platform-test-route");
  sim::Platform plat(c);
  std::vector<int> links;
  double lat = 0;
  plat.route(0, 8, links, lat);
  ASSERT_EQ(links.size(), 4u);    // NIC up, leaf->spine, spine->leaf, NIC down
  EXPECT_NEAR(lat, 4e-6, 1e-12);  // two switch hops of 2 µs
  e.run();
}

TEST(Schedule, OneFOneBWarmsUpWithRemainingStages) {
  // Stage 0 of 4 with 8 micro-batches: 3 warm-up forwards, then F/B pairs, then 3 backwards.
  const auto ops = sim::pipeline_schedule(4, 0, 8, 1);
  ASSERT_EQ(ops.size(), 16u);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(ops[i].forward());
  EXPECT_TRUE(ops[3].forward());
  EXPECT_FALSE(ops[4].forward());
  EXPECT_EQ(ops[4].micro_batch, 0);
  for (int i = 13; i < 16; ++i) EXPECT_FALSE(ops[i].forward());
  const auto last = sim::pipeline_schedule(4, 3, 8, 1);
  EXPECT_FALSE(last[1].forward());  // the last stage alternates from the start
}

TEST(Schedule, InterleavedVisitsEveryChunkOfEveryMicroBatchOnce) {
  const int p = 4, m = 8, v = 2;
  for (int s = 0; s < p; ++s) {
    const auto ops = sim::pipeline_schedule(p, s, m, v);
    std::vector<int> seen(2 * m * v, 0);
    for (const auto& op : ops) ++seen[(op.forward() ? 0 : m * v) + op.micro_batch * v + op.chunk];
    for (int n : seen) EXPECT_EQ(n, 1);
  }
  // Megatron: stage 0 warms up with (p-1)·2 + (v-1)·p = 10 forwards.
  const auto ops = sim::pipeline_schedule(p, 0, m, v);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(ops[i].forward());
  EXPECT_FALSE(ops[11].forward());
}

TEST(RingEdges, MultiNodeGroupsUseOneChannelPerLocalRank) {
  // 4 ranks per node on 2 nodes: 4 channels, each crossing nodes on its own rank's rail.
  const auto edges = sim::ring_edges({0, 2, 4, 6, 8, 10, 12, 14}, 8);
  int inter = 0;
  double inter_share = 0;
  for (const auto& e : edges)
    if (e.src / 8 != e.dst / 8) {
      ++inter;
      inter_share += e.share;
      EXPECT_EQ(e.src % 8, e.dst % 8);  // same rail
    }
  EXPECT_EQ(inter, 8);                                   // 4 channels × 2 node boundaries
  EXPECT_NEAR(inter_share, 2.0, 1e-12);                  // each boundary carries the full per-rank bytes once
  EXPECT_EQ(sim::ring_edges({0, 8, 16}, 8).size(), 3u);  // one rank per node: a plain ring
}
