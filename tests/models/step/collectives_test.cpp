// Ring collectives (Patarasuk & Yuan 2009; nccl-tests PERFORMANCE.md busbw) with hand numbers.
#include "models/step/collectives.h"

#include <gtest/gtest.h>

namespace trainsite::models {
namespace {

TEST(Collectives, RingAllReduceBytes) {
  // 2(n−1)/n·S: 1 GB over 8 ranks = 1.75 GB per rank; over 2 ranks = 1 GB; 1 rank moves nothing.
  EXPECT_DOUBLE_EQ(ring_allreduce_bytes_per_rank(1e9, 8), 1.75e9);
  EXPECT_DOUBLE_EQ(ring_allreduce_bytes_per_rank(1e9, 2), 1e9);
  EXPECT_DOUBLE_EQ(ring_allreduce_bytes_per_rank(1e9, 1), 0);
  // Large n tends to 2·S: 1024 ranks → 2·1023/1024 GB = 1.998046875 GB.
  EXPECT_DOUBLE_EQ(ring_allreduce_bytes_per_rank(1e9, 1024), 1.998046875e9);
}

TEST(Collectives, RingAllGatherBytes) {
  // (n−1)/n·S: 1 GB over 8 ranks = 0.875 GB; over 4 = 0.75 GB.
  EXPECT_DOUBLE_EQ(ring_allgather_bytes_per_rank(1e9, 8), 0.875e9);
  EXPECT_DOUBLE_EQ(ring_allgather_bytes_per_rank(1e9, 4), 0.75e9);
  EXPECT_DOUBLE_EQ(ring_allgather_bytes_per_rank(1e9, 1), 0);
}

TEST(Collectives, AllReduceTimeByHand) {
  // busbw 100 GB/s, 5 µs per ring step. 1 GB on 8 ranks: 1.75e9/1e11 = 17.5 ms plus
  // 2·7 steps · 5 µs = 70 µs → 17.57 ms.
  const Link l{100e9, 5e-6};
  EXPECT_NEAR(allreduce_s(l, 1e9, 8), 0.01757, 1e-12);
  // All-gather and reduce-scatter: 0.875e9/1e11 = 8.75 ms + 7·5 µs = 8.785 ms.
  EXPECT_NEAR(allgather_s(l, 1e9, 8), 0.008785, 1e-12);
  EXPECT_NEAR(reduce_scatter_s(l, 1e9, 8), 0.008785, 1e-12);
  // Reduce-scatter + all-gather is the same traffic as one all-reduce (and the same 14 steps).
  EXPECT_NEAR(reduce_scatter_s(l, 1e9, 8) + allgather_s(l, 1e9, 8), allreduce_s(l, 1e9, 8), 1e-12);
  // Small message: latency-bound. 1 KB on 8 ranks: 1750/1e11 = 17.5 ns + 70 µs.
  EXPECT_NEAR(allreduce_s(l, 1e3, 8), 70e-6 + 17.5e-9, 1e-15);
  EXPECT_EQ(allreduce_s(l, 1e9, 1), 0);
  EXPECT_EQ(allreduce_s(l, 0, 8), 0);
  // Point to point: 10 MB / 100 GB/s = 100 µs + one step.
  EXPECT_NEAR(p2p_s(l, 1e7), 105e-6, 1e-15);
}

TEST(Collectives, LinksFromTheCluster) {
  Cluster c;
  c.gpu.nvlink_GBps = 600;  // A100: 600 GB/s bidirectional total
  c.gpus_per_node = 8;
  c.nodes = 16;
  c.fabric.nic_gbps = 200;
  c.fabric.nics_per_node = 8;
  c.fabric.latency_us = 2.0;
  const Calibration cal;  // nvlink_busbw_eff 0.78, nic_eff 0.94, 5 µs per step
  // NVLink: one direction of 600 GB/s = 300 GB/s × 0.78 = 234 GB/s.
  const Link nv = nvlink(c, cal);
  EXPECT_NEAR(nv.busbw_Bps, 234e9, 1);
  EXPECT_DOUBLE_EQ(nv.step_latency_s, 5e-6);
  // A group of 8 consecutive ranks sits in one node: NVLink.
  EXPECT_NEAR(group_link(c, cal, 8, 1).busbw_Bps, 234e9, 1);
  // A group of 8 with stride 8 (one rank per node, e.g. data parallel after tp = 8): each node's
  // 8 × 200 Gb/s = 200 GB/s × 0.94 = 188 GB/s is shared by its 8 parallel groups → 23.5 GB/s,
  // and each step adds one switch hop of 2 µs.
  const Link dp = group_link(c, cal, 8, 8);
  EXPECT_NEAR(dp.busbw_Bps, 23.5e9, 1);
  EXPECT_NEAR(dp.step_latency_s, 7e-6, 1e-15);
  // Two ranks per node in the group (stride 4) get two NICs' worth: 47 GB/s.
  EXPECT_NEAR(group_link(c, cal, 8, 4).busbw_Bps, 47e9, 1);
}

}  // namespace
}  // namespace trainsite::models
