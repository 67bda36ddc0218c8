// Data-parallel traffic of one iteration, by sharding scheme:
//   zero 0  plain data parallelism: one all-reduce of the gradients per iteration (DDP, Megatron).
//   zero 1  distributed optimizer (Megatron --use-distributed-optimizer, DeepSpeed ZeRO-1): gradients
//           reduce-scattered and updated parameters all-gathered once per iteration.
//   zero 2  sharded gradients as PyTorch FSDP SHARD_GRAD_OP runs them: each FSDP unit (one transformer
//           layer) is all-gathered before its forward and kept until its backward, whose gradients are
//           reduce-scattered unit by unit.
//   zero 3  fully sharded (FSDP FULL_SHARD, ZeRO-3): each unit is all-gathered before its forward,
//           freed, all-gathered again before its backward, and its gradients reduce-scattered.
// FSDP prefetches the next unit's all-gather while the current unit computes (forward: the CPU queues
// it ahead of the GPU; backward: BACKWARD_PRE), so per unit only what the collective cannot hide behind
// the unit's compute is exposed, plus the first gather and the last reduce-scatter of each pass
// (Zhao et al., "PyTorch FSDP: Experiences on Scaling Fully Sharded Data Parallel", VLDB 2023, §3-4).
// The embedding and output layer form FSDP's root unit: gathered before the first layer, reduced last.
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

struct StageWork;

struct DataParallelCost {
  double total_s = 0;           // every DP collective of the iteration, before overlap
  double exposed_s = 0;         // what the step waits for
  double per_microbatch_s = 0;  // FSDP (zero 2/3): collective time per micro-batch, before overlap
};

// `slow` is the per-micro-batch work of the slowest pipeline stage `stage`, `m` the micro-batches,
// `dp` the data-parallel degree.
DataParallelCost data_parallel_cost(const Scenario& sc, int stage, const StageWork& slow, int m, int dp);

// Bytes per gradient element in the data-parallel reduction: fp32 main gradients under BF16 mixed
// precision (Megatron's default --accumulate-allreduce-grads-in-fp32), 16 bit otherwise.
double gradient_bytes(const Scenario& sc);

}  // namespace trainsite::models
