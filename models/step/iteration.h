// Analytic time of one training iteration: per-micro-batch stage times from the kernel model
// (models/step/layer.h) and the collectives, assembled by the pipeline schedule (1F1B, interleaved
// 1F1B, zero-bubble or DualPipe) with the data-parallel traffic of models/step/data_parallel.h.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"
#include "models/step/layer.h"

namespace trainsite::models {

// Work of one micro-batch on one pipeline stage (all its layers), split by kind.
struct StageWork {
  int layers = 0;                        // transformer layers on the stage
  KernelTimes fwd_kernels, bwd_kernels;  // by kernel class; bwd includes recomputation
  double fwd_compute_s = 0;
  double bwd_compute_s = 0;  // includes recomputation
  double wgrad_s = 0;        // the weight-gradient GEMMs inside bwd_compute_s ("W" of zero-bubble schedules)
  double recompute_s = 0;    // the part of bwd_compute_s that repeats the forward
  double tp_comm_s = 0;      // fwd + bwd (+ recompute) tensor-parallel collectives, not overlapped
  double cp_comm_s = 0;      // exposed ring-attention KV exchange
  double ep_comm_s = 0;      // MoE all-to-all (fwd + bwd + recompute), before any schedule overlap
  double compute() const { return fwd_compute_s + bwd_compute_s; }
  double total() const { return compute() + tp_comm_s + cp_comm_s + ep_comm_s; }
};

struct Iteration {
  int dp = 1;
  int micro_batches = 1;
  int virtual_stages = 1;
  Schedule schedule = Schedule::one_f_one_b;  // resolved (never automatic)
  std::vector<StageWork> stages;              // per pipeline stage, first stage first
  // The stage that sets the pipeline's pace; under DualPipe, the rank that holds it and its mirror.
  int slowest_stage = 0;
  double p2p_per_microbatch_s = 0;  // activation + gradient send/recv on the critical path
  double dp_total_s = 0;            // DP/ZeRO collective time before overlap
  double bubble_fraction = 0;       // idle share of the pipeline: bubble / (busy + bubble)
  // The breakdown (sums to step_time_s).
  double compute_s = 0, tp_comm_s = 0, pp_bubble_s = 0, pp_comm_s = 0, dp_comm_s = 0, cp_comm_s = 0,
         ep_comm_s = 0, io_stall_s = 0, other_s = 0;
  KernelTimes compute_by_kernel;  // compute_s split by kernel class (GEMM, attention, memory-bound)
  double step_time_s = 0;
  double model_flops = 0;     // per iteration, no recompute
  double hardware_flops = 0;  // per iteration, with the recompute mode (Megatron convention)
  const StageWork& slowest() const { return stages.at(slowest_stage); }
};

int data_parallel_degree(const Scenario& sc);
int micro_batches(const Scenario& sc);

StageWork stage_work(const Scenario& sc, int stage);
std::vector<StageWork> all_stage_work(const Scenario& sc);

// Pipeline bubble of each schedule, for `p` stages, `m` micro-batches and `v` model chunks per stage,
// with per-micro-batch forward F, full backward B and weight-gradient part W of B (seconds):
//   1F1B            (p − 1)·(F + B)                      Narayanan et al., SC21 §2.2
//   interleaved     (p − 1)·(F + B) / v                  Narayanan et al., SC21 §2.2.1
//   zero-bubble     (p − 1)·(F + B − 2W)                 Qi et al., "Zero Bubble Pipeline Parallelism"
//                                                        (ICLR 2024), ZB-H1; DeepSeek-V3 report Table 2
//   DualPipe        (p/2 − 1)·(F&B + B − 3W)             DeepSeek-AI, "DeepSeek-V3 Technical Report"
//                                                        (arXiv 2412.19437, Dec 2024), §3.2.1, Table 2
// F&B, a forward and a backward chunk run overlapped, is taken as F + B: the overlap hides
// communication, not computation.
double pipeline_bubble_s(Schedule sched, int p, int v, double F, double B, double W);

std::string to_string(Schedule s);

// Iteration time with the scenario's virtual_stages (auto resolved by `best_virtual_stages`).
Iteration analytic_iteration(const Scenario& sc);
int best_virtual_stages(const Scenario& sc);
// The schedule a scenario runs: its own, or 1F1B / interleaved from the virtual stages.
Schedule resolved_schedule(const Scenario& sc, int virtual_stages);

}  // namespace trainsite::models
