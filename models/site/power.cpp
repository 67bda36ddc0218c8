#include "models/site/power.h"

#include <algorithm>
#include <cmath>

namespace trainsite::models {

double gpu_power_w(const Gpu& g, const Calibration& cal, Phase p) {
  switch (p) {
    case Phase::compute: return g.tdp_w * cal.gpu_power_compute_frac;
    case Phase::comm: return g.tdp_w * cal.gpu_power_comm_frac;
    case Phase::idle: return g.idle_w;
  }
  return 0;
}

NodePower node_power(const Scenario& sc) {
  const auto& c = sc.cluster;
  NodePower n;
  n.full_kw = c.node_power_kw.value_or(c.gpu.node_power_kw);
  n.non_gpu_kw = std::max(n.full_kw - c.gpus_per_node * c.gpu.tdp_w / 1000.0, 0.0);
  auto at = [&](Phase p) { return n.non_gpu_kw + c.gpus_per_node * gpu_power_w(c.gpu, c.cal, p) / 1000.0; };
  n.compute_kw = at(Phase::compute);
  n.comm_kw = at(Phase::comm);
  n.idle_kw = at(Phase::idle);
  return n;
}

double network_power_kw(const Scenario& sc) {
  const auto& f = sc.cluster.fabric;
  const double nics = double(sc.cluster.nodes) * f.nics_per_node;
  if (sc.cluster.nodes <= 1) return 0;  // a single server needs no back-end fabric
  const double ports_per_nic = 1.0 + 2.0 / std::max(f.oversubscription, 1.0);
  return nics * ports_per_nic * kSwitchWattsPerPort / 1000.0;
}

double storage_power_kw(const Scenario& sc) {
  const double gbps = sc.cluster.nodes * sc.cluster.storage.read_GBps_per_node;
  return std::ceil(gbps / kStorageApplianceGBps) * kStorageApplianceKw;
}

ItLoad it_load(const Scenario& sc, const Iteration& it) {
  const NodePower n = node_power(sc);
  const double nodes = sc.cluster.nodes;
  ItLoad l;
  l.gpus = sc.cluster.gpus();
  const double shared = network_power_kw(sc) + storage_power_kw(sc);
  l.fixed_kw = nodes * n.non_gpu_kw + shared;
  l.compute_kw = nodes * n.compute_kw + shared;
  l.comm_kw = nodes * n.comm_kw + shared;
  l.idle_kw = nodes * n.idle_kw + shared;
  l.swing_kw = l.compute_kw - l.comm_kw;
  l.gpu_compute_w = gpu_power_w(sc.cluster.gpu, sc.cluster.cal, Phase::compute);
  l.gpu_idle_w = gpu_power_w(sc.cluster.gpu, sc.cluster.cal, Phase::idle);
  auto add = [&](const char* phase, double s, double kw) {
    if (s > 0) l.profile.push_back({phase, s, kw});
  };
  add("compute", it.compute_s, l.compute_kw);
  add("comm", it.tp_comm_s + it.cp_comm_s + it.ep_comm_s, l.comm_kw);
  add("comm", it.pp_comm_s + it.pp_bubble_s, l.comm_kw);
  add("comm", it.dp_comm_s, l.comm_kw);
  add("comm", it.other_s, l.comm_kw);
  add("idle", it.io_stall_s, l.idle_kw);
  double t = 0, e = 0;
  for (const auto& s : l.profile) t += s.duration_s, e += s.duration_s * s.it_kw;
  l.mean_kw = t > 0 ? e / t : l.compute_kw;
  return l;
}

}  // namespace trainsite::models
