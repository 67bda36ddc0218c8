#include "models/step/collectives.h"

#include <algorithm>

namespace trainsite::models {

double ring_allreduce_bytes_per_rank(double S, int n) {
  return n <= 1 ? 0 : 2.0 * (n - 1) / n * S;
}
double ring_allgather_bytes_per_rank(double S, int n) {
  return n <= 1 ? 0 : double(n - 1) / n * S;
}

double allreduce_s(const Link& l, double S, int n) {
  if (n <= 1 || S <= 0) return 0;
  return ring_allreduce_bytes_per_rank(S, n) / l.busbw_Bps + 2.0 * (n - 1) * l.step_latency_s;
}

double allgather_s(const Link& l, double S, int n) {
  if (n <= 1 || S <= 0) return 0;
  return ring_allgather_bytes_per_rank(S, n) / l.busbw_Bps + (n - 1) * l.step_latency_s;
}

double reduce_scatter_s(const Link& l, double S, int n) {
  return allgather_s(l, S, n);
}

double alltoall_s(const Link& l, double S, int n) {
  if (n <= 1 || S <= 0) return 0;
  // Each rank keeps 1/n of its data and sends the rest, one message per peer.
  return double(n - 1) / n * S / l.busbw_Bps + (n - 1) * l.step_latency_s;
}

double p2p_s(const Link& l, double S) {
  return S <= 0 ? 0 : S / l.busbw_Bps + l.step_latency_s;
}

Link nvlink(const Cluster& c, const Calibration& cal) {
  // Datasheet NVLink figures are bidirectional totals; a ring uses one direction per edge.
  return {c.gpu.nvlink_GBps / 2 * 1e9 * cal.nvlink_busbw_eff, cal.collective_step_latency_s};
}

Link fabric_share(const Cluster& c, const Calibration& cal, int local_ranks_per_node) {
  const double node_Bps = c.fabric.nics_per_node * c.fabric.nic_gbps / 8 * 1e9 * cal.nic_eff;
  // All gpus_per_node ranks run the same collective in parallel groups; this group's ranks on a
  // node get their share of the node's NICs. Beyond one leaf, traffic crosses the spine, whose
  // capacity is divided by the oversubscription ratio.
  double Bps = node_Bps * local_ranks_per_node / c.gpus_per_node;
  if (c.nodes > c.fabric.leaf_radix) Bps /= std::max(1.0, c.fabric.oversubscription);
  const double hop_latency = c.fabric.latency_us * 1e-6;
  return {std::min(Bps, nvlink(c, cal).busbw_Bps), cal.collective_step_latency_s + hop_latency};
}

Link group_link(const Cluster& c, const Calibration& cal, int n, int stride) {
  const int g = c.gpus_per_node;
  if (long(n) * stride <= g) return nvlink(c, cal);  // the whole group sits in one node
  const int local = std::max(1, std::min(n, g / std::max(stride, 1)));
  return fabric_share(c, cal, local);
}

}  // namespace trainsite::models
