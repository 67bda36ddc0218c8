// The MoE all-to-all (models/step/moe.h): node-limited routing, FP8 dispatch and load imbalance, with
// hand numbers for DeepSeek-V3 on 8-GPU servers (DeepSeek-AI, "DeepSeek-V3 Technical Report",
// arXiv 2412.19437, Dec 2024: §3.2.2 node-limited routing, §3.3 FP8 dispatch and BF16 combine).
#include "models/step/moe.h"

#include <gtest/gtest.h>

#include <cmath>

#include "models/step/layer.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::models {
namespace {

const Catalog& catalog() {
  static const Catalog c = scenarios::load_catalog(scenarios::default_data_dir());
  return c;
}

// DeepSeek-V3 (top-8 of 256 routed experts, h = 7168, s = 4096) on H800 servers of 8 GPUs, no TP/CP,
// micro-batch 1, expert parallelism `ep`, routing limited to `max_nodes` nodes (0 = plain all-to-all).
Scenario deepseek(int ep, int max_nodes, bool fp8_dispatch = true, double imbalance = 1.0) {
  Scenario sc;
  sc.workload.model = *catalog().find_model("deepseek-v3");
  sc.workload.model.moe->max_nodes_per_token = max_nodes;
  sc.workload.model.moe->dispatch_fp8 = fp8_dispatch;
  sc.workload.model.moe->load_imbalance = imbalance;
  sc.workload.precision = Precision::fp8;
  sc.cluster.gpu = *catalog().find_gpu("H800-SXM5-80GB");
  sc.cluster.gpus_per_node = 8;
  sc.cluster.nodes = 256;
  sc.cluster.fabric = Fabric{"infiniband", 400, 8};
  sc.cluster.cal = scenarios::load_calibration(scenarios::default_data_dir(), "default", sc.cluster.gpu);
  sc.parallelism.pp = 16;
  sc.parallelism.ep = ep;
  return sc;
}

// One token's hidden state: 4096 tokens × 7168 elements = 29,360,128 elements per micro-batch.
constexpr double kTokenElems = 4096.0 * 7168.0;

TEST(Moe, DistinctNodesOfTopKExpertsByHand) {
  // k experts drawn uniformly over n nodes touch n·(1 − (1 − 1/n)^k) distinct nodes on average.
  // top-8 over 8 nodes: (7/8)^8 = 0.343608915..., 8 · 0.656391085 = 5.25112868.
  EXPECT_NEAR(distinct_nodes_per_token(8, 8, 0), 8 * (1 - std::pow(7.0 / 8, 8)), 1e-12);
  EXPECT_NEAR(distinct_nodes_per_token(8, 8, 0), 5.25112868, 1e-8);
  // DeepSeek-V3's cap: at most 4 nodes per token.
  EXPECT_DOUBLE_EQ(distinct_nodes_per_token(8, 8, 4), 4.0);
  // A cap above what uniform routing reaches does not bind.
  EXPECT_NEAR(distinct_nodes_per_token(8, 8, 8), 5.25112868, 1e-8);
  // top-2 over 2 nodes: 2·(1 − 1/4) = 1.5; one node is always 1.
  EXPECT_DOUBLE_EQ(distinct_nodes_per_token(2, 2, 0), 1.5);
  EXPECT_DOUBLE_EQ(distinct_nodes_per_token(8, 1, 0), 1.0);
}

TEST(Moe, NodeLimitedRoutingHalvesTheFabricCopies) {
  // ep 64 with tp = cp = 1: 8 expert ranks per server, so the group spans 64 / 8 = 8 nodes and a
  // destination is off-node with probability 7/8.
  // Plain all-to-all (max_nodes_per_token 0): every one of the 8 routed copies travels on its own,
  //   8 · 7/8 = 7 copies per token over the fabric.
  // Node-limited to 4 nodes: one copy per destination node, min(5.2511, 4) · 7/8 = 3.5 copies.
  // FP8 dispatch: 1 byte per element, 29,360,128 B per copy → 3.5 · 29,360,128 = 102,760,448 B vs
  // 7 · 29,360,128 = 205,520,896 B per GPU and micro-batch.
  const MoeTraffic limited = moe_traffic(deepseek(64, 4), true);
  const MoeTraffic plain = moe_traffic(deepseek(64, 0), true);
  EXPECT_DOUBLE_EQ(limited.tokens, 4096.0);
  EXPECT_EQ(limited.ep_nodes, 8);
  EXPECT_DOUBLE_EQ(limited.fabric_copies, 3.5);
  EXPECT_DOUBLE_EQ(plain.fabric_copies, 7.0);
  EXPECT_DOUBLE_EQ(limited.fabric_bytes, 102760448.0);
  EXPECT_DOUBLE_EQ(plain.fabric_bytes, 205520896.0);
  // Inside the node every routed copy lands on one of the 8 GPUs: 8 · 7/8 = 7 copies over NVLink,
  // whatever the node limit (the limit moves traffic off the fabric, not off NVLink).
  EXPECT_DOUBLE_EQ(limited.nvlink_copies, 7.0);
  EXPECT_DOUBLE_EQ(plain.nvlink_copies, 7.0);
  EXPECT_DOUBLE_EQ(limited.nvlink_bytes, 7 * kTokenElems);
  // Less fabric traffic, a shorter all-to-all.
  EXPECT_LT(moe_alltoall_s(deepseek(64, 4), limited), moe_alltoall_s(deepseek(64, 0), plain));
}

TEST(Moe, Fp8DispatchIsHalfTheBf16Combine) {
  // Dispatch in FP8 (1 B), combine in BF16 (2 B): the combine carries twice the dispatch's bytes,
  // 3.5 · 29,360,128 · 2 = 205,520,896 B over the fabric.
  const Scenario sc = deepseek(64, 4);
  const MoeTraffic dispatch = moe_traffic(sc, true), combine = moe_traffic(sc, false);
  EXPECT_DOUBLE_EQ(dispatch.bytes_per_elem, 1.0);
  EXPECT_DOUBLE_EQ(combine.bytes_per_elem, 2.0);
  EXPECT_DOUBLE_EQ(combine.fabric_bytes, 205520896.0);
  EXPECT_DOUBLE_EQ(combine.fabric_bytes, 2 * dispatch.fabric_bytes);
  EXPECT_DOUBLE_EQ(combine.nvlink_bytes, 2 * dispatch.nvlink_bytes);
  // dispatch_precision: bf16 sends both ways in 16 bit.
  const MoeTraffic bf16 = moe_traffic(deepseek(64, 4, false), true);
  EXPECT_DOUBLE_EQ(bf16.fabric_bytes, combine.fabric_bytes);
}

TEST(Moe, LoadImbalanceScalesTheBusiestRanksBytes) {
  // The busiest rank receives load_imbalance × the mean: 1.3 · 102,760,448 = 133,588,582.4 B.
  const MoeTraffic even = moe_traffic(deepseek(64, 4), true);
  const MoeTraffic skewed = moe_traffic(deepseek(64, 4, true, 1.3), true);
  EXPECT_DOUBLE_EQ(skewed.fabric_copies, even.fabric_copies);
  EXPECT_NEAR(skewed.fabric_bytes, 133588582.4, 1e-3);
  EXPECT_NEAR(skewed.nvlink_bytes, 1.3 * even.nvlink_bytes, 1e-3);
  EXPECT_GT(moe_alltoall_s(deepseek(64, 4, true, 1.3), skewed), moe_alltoall_s(deepseek(64, 4), even));
}

TEST(Moe, ExpertsInsideOneServerNeverTouchTheFabric) {
  // ep 8 on 8-GPU servers: the whole group is one node; no fabric copies, 7 NVLink copies.
  const MoeTraffic t = moe_traffic(deepseek(8, 4), true);
  EXPECT_EQ(t.ep_nodes, 1);
  EXPECT_DOUBLE_EQ(t.fabric_copies, 0.0);
  EXPECT_DOUBLE_EQ(t.fabric_bytes, 0.0);
  EXPECT_DOUBLE_EQ(t.nvlink_copies, 7.0);
  // With tp 2 the expert ranks sit 2 apart: 4 per server, ep 64 spans 16 nodes; the tokens a rank
  // dispatches halve (TP ranks split them): 4096 / 2 = 2048.
  Scenario tp2 = deepseek(64, 4);
  tp2.parallelism.tp = 2;
  const MoeTraffic u = moe_traffic(tp2, true);
  EXPECT_EQ(u.ep_nodes, 16);
  EXPECT_DOUBLE_EQ(u.tokens, 2048.0);
  EXPECT_DOUBLE_EQ(u.fabric_copies, 4.0 * 15 / 16);  // min(16·(1 − (15/16)^8) = 6.45, 4) · 15/16
  // No expert parallelism: no all-to-all at all.
  EXPECT_DOUBLE_EQ(moe_traffic(deepseek(1, 4), true).fabric_bytes, 0.0);
  EXPECT_DOUBLE_EQ(moe_alltoall_s(deepseek(1, 4), moe_traffic(deepseek(1, 4), true)), 0.0);
}

TEST(Moe, TheMoeLayerChargesDispatchPlusCombine) {
  // layer_cost's forward all-to-all is one dispatch and one combine; node-limited routing shortens it.
  const Scenario limited = deepseek(64, 4), plain = deepseek(64, 0);
  const LayerCost l = layer_cost(limited, true);
  EXPECT_DOUBLE_EQ(l.ep_fwd, moe_alltoall_s(limited, moe_traffic(limited, true)) +
                                 moe_alltoall_s(limited, moe_traffic(limited, false)));
  EXPECT_LT(l.ep_fwd, layer_cost(plain, true).ep_fwd);
  EXPECT_DOUBLE_EQ(layer_cost(limited, false).ep_fwd, 0.0);  // a dense layer has none
}

}  // namespace
}  // namespace trainsite::models
