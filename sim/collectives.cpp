#include "sim/collectives.h"

#include <algorithm>
#include <map>
#include <simgrid/s4u.hpp>

namespace trainsite::sim {

namespace sg4 = simgrid::s4u;

std::vector<RingEdge> ring_edges(const std::vector<int>& ranks, int gpus_per_node) {
  std::vector<RingEdge> edges;
  const int n = int(ranks.size());
  if (n <= 1) return edges;
  std::map<int, std::vector<int>> by_node;  // node -> its ranks, in ring order
  std::vector<int> node_order;
  for (int r : ranks) {
    const int node = r / gpus_per_node;
    if (!by_node.count(node)) node_order.push_back(node);
    by_node[node].push_back(r);
  }
  const int nodes = int(node_order.size());
  const int local = int(by_node[node_order[0]].size());
  const bool uniform = std::all_of(node_order.begin(), node_order.end(),
                                   [&](int nd) { return int(by_node[nd].size()) == local; });
  if (nodes == 1 || local == 1 || !uniform) {  // one plain ring
    for (int i = 0; i < n; ++i) edges.push_back({ranks[i], ranks[(i + 1) % n], 1.0});
    return edges;
  }
  for (int j = 0; j < nodes; ++j) {
    const auto& here = by_node[node_order[j]];
    const auto& next = by_node[node_order[(j + 1) % nodes]];
    for (int c = 0; c < local; ++c) edges.push_back({here[c], next[c], 1.0 / local});  // channel c's rail
    for (int i = 0; i < local; ++i) edges.push_back({here[i], here[(i + 1) % local], 1.0});
  }
  return edges;
}

void run_ring(Platform& plat, const RingCollective& c, bool step_level) {
  if (c.steps <= 0 || c.bytes_per_rank <= 0) return;
  double route_lat = 0;
  for (const auto& ring : c.rings)
    for (const auto& e : ring) route_lat = std::max(route_lat, plat.route_latency(e.src, e.dst));
  std::vector<sg4::CommPtr> comms;
  if (step_level) {
    for (int s = 0; s < c.steps; ++s) {
      comms.clear();
      for (const auto& ring : c.rings)
        for (const auto& e : ring)
          comms.push_back(plat.send(e.src, e.dst, c.bytes_per_rank / c.steps * e.share));
      sg4::Comm::wait_all(comms);
      sg4::this_actor::sleep_for(c.step_latency_s);
    }
    return;
  }
  // Edges whose traffic crosses the same NIC pair are one flow: same links, summed bytes.
  struct Flow {
    long key_src, key_dst;
    int src, dst;
    double bytes;
  };
  std::vector<Flow> flows;
  std::map<std::pair<long, long>, size_t> index;
  for (const auto& ring : c.rings)
    for (const auto& e : ring) {
      const bool local = plat.node_of(e.src) == plat.node_of(e.dst);
      const std::pair<long, long> key =
          local ? std::pair<long, long>{e.src, e.dst}
                : std::pair<long, long>{-1L - plat.nic_key(e.src), -1L - plat.nic_key(e.dst)};
      auto [it, fresh] = index.emplace(key, flows.size());
      if (fresh) flows.push_back({key.first, key.second, e.src, e.dst, 0.0});
      flows[it->second].bytes += c.bytes_per_rank * e.share;
    }
  for (const Flow& f : flows) comms.push_back(plat.send(f.src, f.dst, f.bytes));
  sg4::Comm::wait_all(comms);
  // The aggregated flow paid the route latency once; a ring pays it (and the protocol's
  // per-step latency) at every step.
  sg4::this_actor::sleep_for(c.steps * c.step_latency_s + (c.steps - 1) * route_lat);
}

}  // namespace trainsite::sim
