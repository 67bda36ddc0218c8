#include "sim/platform.h"

#include <xbt/log.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <simgrid/kernel/routing/NetPoint.hpp>
#include <simgrid/kernel/routing/NetZoneImpl.hpp>
#include <simgrid/s4u.hpp>
#include <stdexcept>

namespace trainsite::sim {

namespace sg4 = simgrid::s4u;
namespace kr = simgrid::kernel::routing;

void configure_simgrid() {
  static bool done = false;
  if (done) return;
  done = true;
  xbt_log_control_set("root.thresh:error");
  // CM02 without the LV08 latency/bandwidth correction factors (which model TCP slow start),
  // no reverse-direction cross-traffic (+5% by default, a TCP ACK effect) and no TCP window cap
  // (gamma): an RDMA flow on an idle link then gets exactly the link's bandwidth and latency,
  // which tests/sim/platform_test.cpp checks. Many actors: no stack guard pages.
  sg4::Engine::set_config("network/model:CM02");
  sg4::Engine::set_config("network/crosstraffic:0");
  sg4::Engine::set_config("network/TCP-gamma:0");
  sg4::Engine::set_config("contexts/guard-size:0");
  // Experiments (bench/, docs/engine.md): extra SimGrid settings, `name:value` separated by ';'.
  if (const char* extra = std::getenv("TRAINSITE_SIMGRID_CFG")) {
    std::string all = extra;
    for (size_t at = 0; at <= all.size();) {
      const size_t end = std::min(all.find(';', at), all.size());
      if (end > at) sg4::Engine::set_config(all.substr(at, end - at));
      at = end + 1;
    }
  }
}

// Root zone whose routes are computed from the platform's topology on every request.
class FabricZone : public kr::NetZoneImpl {
 public:
  FabricZone(const std::string& name, const Platform* p) : kr::NetZoneImpl(name), platform_(p) {}
  void get_local_route(const kr::NetPoint* src, const kr::NetPoint* dst, kr::Route* into,
                       double* latency) override {
    thread_local std::vector<int> ids;
    double lat = 0;
    platform_->route(int(src->id()), int(dst->id()), ids, lat);
    for (int i : ids) into->link_list_.push_back(platform_->links()[i].impl);
    if (latency) *latency += lat;
  }

 private:
  const Platform* platform_;
};

namespace {

// splitmix64 (Steele et al. 2014): a deterministic stand-in for a switch's 5-tuple hash.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

int Platform::add_link(const std::string& name, LinkKind kind, double Bps, double latency_s) {
  sg4::Link* l = zone_->create_link(name, {Bps});
  l->set_latency(latency_s);
  l->seal();
  links_.push_back({name, kind, Bps, latency_s, 0.0, l->get_impl()});
  return int(links_.size()) - 1;
}

Platform::Platform(const models::Cluster& c, const FabricOptions& opt) : fabric_(c.fabric) {
  configure_simgrid();
  gpus_per_node_ = c.gpus_per_node;
  nodes_ = c.nodes;
  gpus_ = c.gpus();
  const auto& f = c.fabric;
  // With more NICs than GPUs, each GPU gets its share of the node's NICs as one wider link.
  nics_ = std::max(1, std::min(f.nics_per_node, gpus_per_node_));
  const double node_line_Bps = f.nics_per_node * f.nic_gbps / 8.0 * 1e9;
  // Achievable rates: NVLink's datasheet figure is bidirectional, a flow uses one direction at
  // the calibrated all-reduce efficiency; a NIC delivers the calibrated fraction of line rate.
  nvlink_Bps_ = c.gpu.nvlink_GBps / 2.0 * 1e9 * c.cal.nvlink_busbw_eff;
  nic_Bps_ = node_line_Bps / nics_ * c.cal.nic_eff;
  rail_optimized_ = f.topology != "fat-tree";
  adaptive_ = f.routing == "adaptive";
  const int radix = std::max(1, f.leaf_radix);
  int ports = radix;  // node-facing ports per leaf
  if (rail_optimized_) {
    leaves_per_rail_ = (nodes_ + radix - 1) / radix;
    leaves_ = leaves_per_rail_ * nics_;
  } else {
    nodes_per_leaf_ = std::max(1, radix / nics_);
    ports = nodes_per_leaf_ * nics_;
    leaves_ = (nodes_ + nodes_per_leaf_ - 1) / nodes_per_leaf_;
  }
  // Spine capacity per leaf = downlink capacity / oversubscription, over `uplinks_` equal links
  // (one per spine). Adaptive routing spreads packets over all of them: one aggregated link.
  const double uplink_total = ports * nic_Bps_ / std::max(1.0, f.oversubscription);
  uplinks_ = adaptive_ ? 1 : std::max(1, int(std::lround(ports / std::max(1.0, f.oversubscription))));
  const double hop = f.latency_us * 1e-6 / 2;  // NIC->switch and switch->NIC halves of one hop

  zone_ = new FabricZone("cluster", this);  // owned by the engine
  hosts_.reserve(gpus_ + nodes_);
  for (int g = 0; g < gpus_; ++g) {
    const double slow = g < int(opt.gpu_slowdown.size()) ? std::max(1.0, opt.gpu_slowdown[g]) : 1.0;
    hosts_.push_back(zone_->create_host("gpu" + std::to_string(g), {kHostSpeed / slow}));
  }
  for (int n = 0; n < nodes_; ++n)
    hosts_.push_back(zone_->create_host("storage" + std::to_string(n), {kHostSpeed}));
  for (int i = 0; i < int(hosts_.size()); ++i)
    if (int(hosts_[i]->get_netpoint()->id()) != i) throw std::logic_error("sim: unexpected netpoint ids");

  links_.reserve(2 * gpus_ + 2 * nodes_ * nics_ + 2 * leaves_ * uplinks_ + 2 * nodes_);
  nvl_up_ = int(links_.size());
  for (int g = 0; g < gpus_; ++g)
    add_link("nvl" + std::to_string(g) + "-up", LinkKind::nvlink, nvlink_Bps_, 0);
  nvl_down_ = int(links_.size());
  for (int g = 0; g < gpus_; ++g)
    add_link("nvl" + std::to_string(g) + "-down", LinkKind::nvlink, nvlink_Bps_, 0);
  nic_up_ = int(links_.size());
  for (int n = 0; n < nodes_; ++n)
    for (int k = 0; k < nics_; ++k)
      add_link("node" + std::to_string(n) + "-nic" + std::to_string(k) + "-up", LinkKind::nic, nic_Bps_, hop);
  nic_down_ = int(links_.size());
  for (int n = 0; n < nodes_; ++n)
    for (int k = 0; k < nics_; ++k)
      add_link("node" + std::to_string(n) + "-nic" + std::to_string(k) + "-down", LinkKind::nic, nic_Bps_,
               hop);
  leaf_up_ = int(links_.size());
  for (int l = 0; l < leaves_; ++l)
    for (int u = 0; u < uplinks_; ++u)
      add_link("leaf" + std::to_string(l) + "-spine" + std::to_string(u), LinkKind::leaf_spine,
               uplink_total / uplinks_, hop);
  leaf_down_ = int(links_.size());
  for (int l = 0; l < leaves_; ++l)
    for (int u = 0; u < uplinks_; ++u)
      add_link("spine" + std::to_string(u) + "-leaf" + std::to_string(l), LinkKind::leaf_spine,
               uplink_total / uplinks_, hop);
  stor_read_ = int(links_.size());
  for (int n = 0; n < nodes_; ++n)
    add_link("storage" + std::to_string(n) + "-read", LinkKind::storage, c.storage.read_GBps_per_node * 1e9,
             0);
  stor_write_ = int(links_.size());
  for (int n = 0; n < nodes_; ++n)
    add_link("storage" + std::to_string(n) + "-write", LinkKind::storage, c.storage.write_GBps_per_node * 1e9,
             0);

  nic_failed_.assign(size_t(nodes_) * nics_, false);
  for (int i = 0; i < opt.failed_nic_links; ++i) {
    const int n = i % nodes_, k = i / nodes_;
    if (k >= nics_) throw std::invalid_argument("sim: more failed NIC links than the cluster has");
    nic_failed_[size_t(n) * nics_ + k] = true;
  }
  for (int n = 0; n < nodes_; ++n)
    if (std::all_of(nic_failed_.begin() + size_t(n) * nics_, nic_failed_.begin() + size_t(n + 1) * nics_,
                    [](bool b) { return b; }))
      throw std::invalid_argument("sim: every NIC of node " + std::to_string(n) + " failed");
  zone_->seal();
}

int Platform::nic_of(int rank) const {
  const int n = node_of(rank), local = rank % gpus_per_node_;
  int k = local * nics_ / gpus_per_node_;
  for (int i = 0; i < nics_ && nic_failed_[size_t(n) * nics_ + k]; ++i) k = (k + 1) % nics_;
  return k;
}

int Platform::leaf_of(int node, int nic) const {
  return rail_optimized_ ? nic * leaves_per_rail_ + node / std::max(1, fabric_.leaf_radix)
                         : node / nodes_per_leaf_;
}

void Platform::route(int src, int dst, std::vector<int>& out, double& latency_s) const {
  out.clear();
  if (src == dst) return;
  if (src >= gpus_ || dst >= gpus_) {  // storage target <-> a GPU of its node
    const bool read = src >= gpus_;
    const int node = read ? src - gpus_ : dst - gpus_, gpu = read ? dst : src;
    if (gpu >= gpus_ || node_of(gpu) != node) throw std::logic_error("sim: storage serves its own node only");
    out.push_back(read ? stor_read_ + node : stor_write_ + node);
  } else if (node_of(src) == node_of(dst)) {  // NVSwitch: non-blocking, one port each way
    out.push_back(nvl_up_ + src);
    out.push_back(nvl_down_ + dst);
  } else {
    const int ns = node_of(src), nd = node_of(dst), ks = nic_of(src), kd = nic_of(dst);
    const int ls = leaf_of(ns, ks), ld = leaf_of(nd, kd);
    out.push_back(nic_up_ + ns * nics_ + ks);
    if (ls != ld) {
      // ECMP: the switch hashes the flow (here its end points, one RDMA queue pair per pair) to
      // one spine; every flow of a pair takes that path, so unlucky pairs collide.
      const int u = adaptive_ ? 0 : int(mix(std::uint64_t(src) * std::uint64_t(gpus_) + dst) % uplinks_);
      out.push_back(leaf_up_ + ls * uplinks_ + u);
      out.push_back(leaf_down_ + ld * uplinks_ + u);
    }
    out.push_back(nic_down_ + nd * nics_ + kd);
  }
  for (int i : out) latency_s += links_[i].latency_s;
}

double Platform::route_latency(int src, int dst) const {
  std::vector<int> ids;
  double lat = 0;
  route(src, dst, ids, lat);
  return lat;
}

sg4::CommPtr Platform::send(int src, int dst, double bytes) {
  thread_local std::vector<int> ids;
  double lat = 0;
  route(src, dst, ids, lat);
  for (int i : ids) links_[i].bytes += bytes;
  ++flows_;
  return sg4::Comm::sendto_async(hosts_[src], hosts_[dst], std::uint64_t(std::max(1.0, std::ceil(bytes))));
}

}  // namespace trainsite::sim
