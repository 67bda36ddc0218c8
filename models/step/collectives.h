// Collective communication cost (ring algorithms, as NCCL uses at large sizes).
// Ring all-reduce moves 2(n−1)/n·S bytes per rank; all-gather and reduce-scatter (n−1)/n·S
// (Patarasuk & Yuan 2009; NCCL's busbw convention, nccl-tests PERFORMANCE.md).
#pragma once

#include "models/calibration.h"
#include "models/scenario.h"

namespace trainsite::models {

struct Link {
  double busbw_Bps = 0;  // achievable bus bandwidth per rank
  double step_latency_s = 0;
};

double ring_allreduce_bytes_per_rank(double S, int n);
double ring_allgather_bytes_per_rank(double S, int n);

double allreduce_s(const Link& l, double S, int n);
double allgather_s(const Link& l, double S, int n);       // S = gathered (full) size
double reduce_scatter_s(const Link& l, double S, int n);  // S = input (full) size
double alltoall_s(const Link& l, double S, int n);        // S = bytes each rank holds
double p2p_s(const Link& l, double S);

// Links a group of ranks sees, from the cluster: inside one node (NVLink/NVSwitch) or across
// nodes, where `local` ranks of the group share a node and so share its NICs.
Link nvlink(const Cluster& c, const Calibration& cal);
Link fabric_share(const Cluster& c, const Calibration& cal, int local_ranks_per_node);
// The link for a group of `n` ranks laid out with stride `stride` in the rank order.
Link group_link(const Cluster& c, const Calibration& cal, int n, int stride);

}  // namespace trainsite::models
