// The MoE token all-to-all of one layer: each token's hidden state goes to its top-k experts
// (dispatch) and their outputs come back (combine), across the expert-parallel group.
//
// Plain all-to-all (Megatron-LM, DeepSpeed-MoE): every routed copy travels on its own, so a token
// sends k·(n−1)/n copies off its node when the EP group spans n nodes. Node-limited routing (DeepSeek-AI,
// "DeepSeek-V3 Technical Report", arXiv 2412.19437, Dec 2024, §3.2.2): a token's experts lie on at most
// M nodes and it crosses the fabric once per destination node, then fans out over NVLink, so the fabric
// carries min(D, M)·(n−1)/n copies per token, with D = n·(1 − (1 − 1/n)^k) the distinct nodes k uniformly
// routed experts touch. DeepSeek-V3 dispatches in FP8 and combines in BF16 (same report, §3.3).
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

struct MoeTraffic {
  double tokens = 0;          // tokens of one micro-batch on this GPU entering the layer
  int ep_nodes = 1;           // nodes the expert-parallel group spans
  double fabric_copies = 0;   // hidden-state copies per token crossing the fabric (IB/RoCE)
  double nvlink_copies = 0;   // copies per token moved inside a node (NVLink/NVSwitch)
  double bytes_per_elem = 2;  // 1 for an FP8 dispatch
  double fabric_bytes = 0;    // per GPU, busiest rank (load imbalance included)
  double nvlink_bytes = 0;
};

// Traffic of the dispatch (`dispatch` = true) or the combine of one MoE layer, per GPU.
MoeTraffic moe_traffic(const Scenario& sc, bool dispatch);

// Expected distinct nodes the top-k experts of one token touch on an n-node group, capped by
// `max_nodes` (0 = no cap).
double distinct_nodes_per_token(int top_k, int nodes, int max_nodes);

// Time of one all-to-all: the slower of its fabric part (the GPU's share of the node's NICs) and its
// NVLink part, plus one step latency per peer node.
double moe_alltoall_s(const Scenario& sc, const MoeTraffic& t);

}  // namespace trainsite::models
