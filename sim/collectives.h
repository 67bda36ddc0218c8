// Collectives on the simulated fabric as aggregated flows: one flow per ring edge carrying the
// whole collective's bytes (2(n-1)/n·S for all-reduce), plus the ring's per-step latencies, instead
// of one message per step. A step-level mode (one message per ring step) checks the aggregation.
#pragma once

#include <vector>

#include "sim/platform.h"

namespace trainsite::sim {

struct RingEdge {
  int src = 0, dst = 0;
  double share = 1;  // fraction of the per-rank ring bytes this edge carries
};

// Edges of a ring over `ranks` (in ring order). When the group has several ranks per node and spans
// nodes, the traffic is split over one channel per local rank, each leaving the node through that
// rank's NIC, as NCCL's multi-channel rings do (so a group uses all its NICs); the intra-node
// hops of every channel share the NVLink cycle of the node's ranks.
std::vector<RingEdge> ring_edges(const std::vector<int>& ranks, int gpus_per_node);

struct RingCollective {
  std::vector<std::vector<RingEdge>> rings;  // concurrent rings (e.g. one per TP rank)
  double bytes_per_rank = 0;                 // e.g. 2(n-1)/n·S for an all-reduce
  int steps = 1;                             // ring steps: 2(n-1) all-reduce, n-1 gather/scatter
  double step_latency_s = 0;                 // software latency per step (NCCL protocol hop)
};

// Runs the collective from the calling actor and returns when every rank is done.
void run_ring(Platform& plat, const RingCollective& c, bool step_level);

}  // namespace trainsite::sim
