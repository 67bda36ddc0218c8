// The pipeline schedule each stage runs: Megatron-LM's 1F1B and interleaved 1F1B order of
// forward and backward micro-batch chunks (Narayanan et al., SC21 §2.2; megatron/core/pipeline_parallel/
// schedules.py: warm-up, steady 1F1B, cool-down).
#pragma once

#include <vector>

namespace trainsite::sim {

struct PipeOp {
  bool forward = true;
  int micro_batch = 0;
  int chunk = 0;  // model chunk (virtual stage) on this stage, 0..v-1
};

// Order of operations on pipeline stage `stage` of `p`, for `m` micro-batches and `v` model chunks
// per stage (v > 1 needs m % p == 0, as in Megatron).
std::vector<PipeOp> pipeline_schedule(int p, int stage, int m, int v);

}  // namespace trainsite::sim
