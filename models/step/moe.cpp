#include "models/step/moe.h"

#include <algorithm>
#include <cmath>

#include "models/step/collectives.h"
#include "models/step/transformer.h"

namespace trainsite::models {

double distinct_nodes_per_token(int top_k, int nodes, int max_nodes) {
  if (nodes <= 1) return 1;
  const double n = nodes;
  const double d = n * (1.0 - std::pow(1.0 - 1.0 / n, top_k));
  return max_nodes > 0 ? std::min(d, double(max_nodes)) : d;
}

MoeTraffic moe_traffic(const Scenario& sc, bool dispatch) {
  const auto& p = sc.parallelism;
  const Shape s = shape_of(sc.workload.model);
  MoeTraffic t;
  if (!sc.workload.model.moe || p.ep <= 1) return t;
  const Moe& moe = *sc.workload.model.moe;
  t.tokens = p.micro_batch * s.s / p.cp / p.tp;  // TP ranks split the tokens they dispatch
  // Expert-parallel ranks sit tp·cp apart in the rank order, so a node holds gpus_per_node / (tp·cp)
  // of them.
  const int stride = p.tp * p.cp;
  const int local = std::max(1, std::min(p.ep, sc.cluster.gpus_per_node / std::max(1, stride)));
  t.ep_nodes = (p.ep + local - 1) / local;
  const double n = t.ep_nodes;
  const double off_node = (n - 1) / n;  // a destination is another node with this probability
  if (t.ep_nodes > 1) {
    t.fabric_copies =
        moe.max_nodes_per_token > 0
            ? distinct_nodes_per_token(moe.top_k, t.ep_nodes, moe.max_nodes_per_token) * off_node
            : moe.top_k * off_node;
  }
  // Every routed copy ends on some GPU of its node: delivered locally, or forwarded after the fabric.
  t.nvlink_copies = local > 1 ? moe.top_k * (local - 1.0) / local : 0.0;
  t.bytes_per_elem = dispatch && moe.dispatch_fp8 ? 1.0 : 2.0;
  const double per_copy = t.tokens * s.h * t.bytes_per_elem * moe.load_imbalance;
  t.fabric_bytes = t.fabric_copies * per_copy;
  t.nvlink_bytes = t.nvlink_copies * per_copy;
  return t;
}

double moe_alltoall_s(const Scenario& sc, const MoeTraffic& t) {
  if (t.fabric_bytes <= 0 && t.nvlink_bytes <= 0) return 0;
  const Calibration& cal = sc.cluster.cal;
  const Link nv = nvlink(sc.cluster, cal);
  // The node's NICs shared by its GPUs, each sending its own tokens.
  const Link fab = fabric_share(sc.cluster, cal, 1);
  const double fabric =
      t.fabric_bytes > 0 ? t.fabric_bytes / fab.busbw_Bps + (t.ep_nodes - 1) * fab.step_latency_s : 0;
  const double local = t.nvlink_bytes > 0 ? t.nvlink_bytes / nv.busbw_Bps + nv.step_latency_s : 0;
  return std::max(fabric, local);
}

}  // namespace trainsite::models
