// Analytic time of one training iteration: per-micro-batch stage times from the GEMM and
// collective models, assembled by the 1F1B (optionally interleaved) pipeline schedule.
#pragma once

#include "models/scenario.h"
#include "models/step/layer.h"

namespace trainsite::models {

// Work of one micro-batch on one pipeline stage (all its layers), split by kind.
struct StageWork {
  KernelTimes fwd_kernels, bwd_kernels;  // by kernel class; bwd includes recomputation
  double fwd_compute_s = 0;
  double bwd_compute_s = 0;  // includes recomputation
  double recompute_s = 0;    // the part of bwd_compute_s that repeats the forward
  double tp_comm_s = 0;      // fwd + bwd (+ recompute) tensor-parallel collectives, not overlapped
  double cp_comm_s = 0;      // exposed ring-attention KV exchange
  double ep_comm_s = 0;      // MoE all-to-all
  double total() const { return fwd_compute_s + bwd_compute_s + tp_comm_s + cp_comm_s + ep_comm_s; }
};

struct Iteration {
  int dp = 1;
  int micro_batches = 1;
  int virtual_stages = 1;
  StageWork first_stage;  // embedding stage
  StageWork last_stage;   // stage with the output layer and loss
  StageWork mean_stage;   // average over stages
  double p2p_per_microbatch_s = 0;  // activation + gradient send/recv on the critical path
  double dp_total_s = 0;            // DP/ZeRO collective time before overlap
  double bubble_fraction = 0;       // (p−1)/(v·m + p − 1) of the pipeline
  // The breakdown (sums to step_time_s).
  double compute_s = 0, tp_comm_s = 0, pp_bubble_s = 0, pp_comm_s = 0, dp_comm_s = 0, cp_comm_s = 0,
         ep_comm_s = 0, io_stall_s = 0, other_s = 0;
  double step_time_s = 0;
  double model_flops = 0;     // per iteration, no recompute
  double hardware_flops = 0;  // per iteration, with the recompute mode (Megatron convention)
};

int data_parallel_degree(const Scenario& sc);
int micro_batches(const Scenario& sc);

StageWork stage_work(const Scenario& sc, int stage);

// Iteration time with the scenario's virtual_stages (auto resolved by `best_virtual_stages`).
Iteration analytic_iteration(const Scenario& sc);
int best_virtual_stages(const Scenario& sc);

}  // namespace trainsite::models
