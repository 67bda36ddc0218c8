// The discrete-event engine: one training iteration as SimGrid actors on the cluster's platform.
// One actor per pipeline stage (of a representative replica) runs the schedule's op order (1F1B,
// interleaved, zero-bubble or DualPipe: sim/schedule.h) on its own layers (uneven pipelines); compute
// durations come from models::stage_work (identical to the analytic engine), while tensor-,
// pipeline-, data- (including FSDP's per-unit gathers and reduce-scatters) and expert-parallel
// (node-limited, fabric + NVLink) traffic are flows on the platform, so contention, ECMP collisions,
// stragglers, failed links and the pipeline bubble emerge instead of being assumed.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"
#include "models/step/iteration.h"
#include "sim/platform.h"

namespace trainsite::sim {

struct DesOptions {
  double straggler_fraction = 0;  // of GPUs, chosen deterministically from reliability.seed
  double straggler_slowdown = 1;  // compute-time multiplier of a straggler (1.2 = 20% slower)
  int failed_links = 0;           // node NIC links down (see FabricOptions::failed_nic_links)
  bool step_level = false;        // one message per ring step instead of aggregated flows
  bool trace = false;             // record slices for a Chrome/Perfetto trace
  // Gradient buckets per stage for the overlapped reduce: Megatron's 40M-parameter buckets,
  // capped to bound simulation cost (the last bucket's reduce is exposed either way).
  double bucket_params = 40e6;
  int max_buckets = 8;
  long max_dp_flows = 32768;  // per bucket round over all stages, before NIC-pair merging
  // FSDP (ZeRO-2/3) per-unit collectives over the iteration, before NIC-pair merging: beyond it they run
  // on a sampled ring (docs/engine.md), as they always do where the rails are disjoint.
  long max_fsdp_flows = 200000;
};

struct TraceSlice {
  int track = 0;
  std::string name;
  std::string cat;  // compute | tp | pp | dp | ep | cp | wait | other | io
  double start_s = 0, dur_s = 0;
};

struct LinkLoad {
  std::string name;
  std::string kind;  // nic | leaf-spine
  double bytes = 0;
  double bandwidth_Bps = 0;
  double utilization = 0;  // mean over the step: bytes / (bandwidth · step time)
};

// Simulated time of one pipeline rank (replica 0), by kind; the parts sum to `end`.
struct RankTime {
  double compute = 0, tp = 0, cp = 0, ep = 0, pp = 0, bubble = 0, dp = 0, other = 0, end = 0;
};

struct DesResult {
  models::Iteration iteration;
  std::vector<RankTime> ranks;  // per pipeline rank, first stage first
  std::vector<std::string> tracks;
  std::vector<TraceSlice> slices;
  std::vector<LinkLoad> fabric_links;  // fabric links that carried traffic, most utilized first
  int fabric_link_count = 0;           // NIC and leaf-spine links in the platform
  int actors = 0;
  long flows = 0;
};

DesResult simulate(const models::Scenario& sc, const DesOptions& opt = {});
models::Iteration simulate_iteration(const models::Scenario& sc, const DesOptions& opt = {});

// GPU ranks slowed by the straggler option (sorted), as chosen for this scenario.
std::vector<int> straggler_ranks(const models::Scenario& sc, double fraction);

}  // namespace trainsite::sim
