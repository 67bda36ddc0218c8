// SimGrid platform of one cluster, built in code: one host per GPU, an NVSwitch port per GPU, one
// NIC per rail, a leaf/spine fabric (rail-optimized or plain fat-tree) with oversubscription and
// ECMP-hash or adaptive routing, and a storage target per node. Routes are generated on demand by a
// custom zone (O(links) memory, no all-pairs table), so 16k GPUs build in milliseconds.
#pragma once

#include <simgrid/forward.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/scenario.h"

namespace trainsite::sim {

// Sets SimGrid's network model for RDMA fabrics. Must run before the first platform is created
// in the process (SimGrid fixes its models then); later calls are no-ops.
void configure_simgrid();

enum class LinkKind { nvlink, nic, leaf_spine, storage };

struct LinkInfo {
  std::string name;
  LinkKind kind = LinkKind::nic;
  double bandwidth_Bps = 0;
  double latency_s = 0;
  double bytes = 0;  // carried so far (accounted by Platform::send)
  simgrid::kernel::resource::StandardLinkImpl* impl = nullptr;
};

struct FabricOptions {
  // Node NIC links taken down: rail 0 of nodes 0, 1, ..., then rail 1, ...; their GPUs' traffic
  // fails over to the next healthy NIC of the same node (NCCL's behaviour on a dead port).
  int failed_nic_links = 0;
  // Compute slowdown per GPU rank (empty = none): a straggler's host runs at 1/slowdown speed.
  std::vector<double> gpu_slowdown;
};

class FabricZone;

// Must be constructed inside a live simgrid::s4u::Engine, before Engine::run().
class Platform {
 public:
  Platform(const models::Cluster& cluster, const FabricOptions& opt = {});

  int gpus() const { return gpus_; }
  int nodes() const { return nodes_; }
  simgrid::s4u::Host* gpu(int rank) const { return hosts_[rank]; }
  simgrid::s4u::Host* storage(int node) const { return hosts_[gpus_ + node]; }
  // Nominal host speed (work units per second): an execution of d·kHostSpeed runs d seconds on a
  // healthy GPU; durations come from the analytic per-kernel model.
  static constexpr double kHostSpeed = 1e12;
  int node_of(int rank) const { return rank / gpus_per_node_; }
  // The NIC a GPU's inter-node traffic leaves through (after failover), as node·nics + nic.
  int nic_key(int rank) const { return node_of(rank) * nics_ + nic_of(rank); }

  // Starts a flow of `bytes` between two points (GPU ranks, or gpus()+node for storage) and
  // accounts its bytes on every link of its route.
  simgrid::s4u::CommPtr send(int src, int dst, double bytes);
  // Route of a flow: link indices into links() and the summed latency.
  void route(int src, int dst, std::vector<int>& links, double& latency_s) const;
  double route_latency(int src, int dst) const;

  const std::vector<LinkInfo>& links() const { return links_; }
  long flows() const { return flows_; }
  double nvlink_Bps() const { return nvlink_Bps_; }
  double nic_Bps() const { return nic_Bps_; }
  int leaves() const { return leaves_; }
  bool rail_optimized() const { return rail_optimized_; }
  int uplinks_per_leaf() const { return uplinks_; }

 private:
  int add_link(const std::string& name, LinkKind kind, double Bps, double latency_s);
  int nic_of(int rank) const;  // after failover
  int leaf_of(int node, int nic) const;

  models::Fabric fabric_;
  int gpus_per_node_ = 8, nodes_ = 1, gpus_ = 8, nics_ = 1;
  int leaves_ = 1, uplinks_ = 1, nodes_per_leaf_ = 1, leaves_per_rail_ = 1;
  bool rail_optimized_ = true, adaptive_ = false;
  double nvlink_Bps_ = 0, nic_Bps_ = 0;
  std::vector<simgrid::s4u::Host*> hosts_;
  std::vector<LinkInfo> links_;
  std::vector<bool> nic_failed_;  // node * nics + nic
  int nvl_up_ = 0, nvl_down_ = 0, nic_up_ = 0, nic_down_ = 0, leaf_up_ = 0, leaf_down_ = 0, stor_read_ = 0,
      stor_write_ = 0;  // first index of each link family in links_
  FabricZone* zone_ = nullptr;
  long flows_ = 0;
};

}  // namespace trainsite::sim
