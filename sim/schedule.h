// The pipeline schedule each stage runs, as an ordered list of operations:
//   1F1B and interleaved 1F1B  Megatron-LM's order of forward and backward micro-batch chunks
//                              (Narayanan et al., SC21 §2.2; megatron/core/pipeline_parallel/schedules.py:
//                              warm-up, steady 1F1B, cool-down).
//   zero-bubble (ZB-H1)        the backward split into B (input gradient, on the critical path) and W
//                              (weight gradient, deferred into the bubble); stage i keeps i W's pending
//                              (Qi et al., "Zero Bubble Pipeline Parallelism", ICLR 2024, arXiv:2401.10241,
//                              §3.1, ZB-H1: same warm-up as 1F1B).
//   DualPipe                   micro-batches fed from both ends: rank r holds stage r of direction 0 and
//                              stage p−1−r of direction 1; the steady phase runs a forward chunk of one
//                              direction together with a backward chunk of the other (DeepSeek-AI,
//                              "DeepSeek-V3 Technical Report", arXiv:2412.19437, §3.2.1, Figure 5; the
//                              eight phases of the reference implementation github.com/deepseek-ai/DualPipe).
// With dependencies only between neighbouring stages and no communication, these orders give exactly
// the bubbles of models::pipeline_bubble_s: (p−1)(F+B), (p−1)(F+B)/v, (p−1)(F+B−2W) and
// (p/2−1)(F&B+B−3W) (tests/sim/schedule_test.cpp replays them).
#pragma once

#include <vector>

#include "models/scenario.h"

namespace trainsite::sim {

enum class OpKind {
  forward,   // F of (micro_batch, chunk)
  backward,  // B of (micro_batch, chunk): the whole backward, or only the input gradient (input_only)
  weight,    // W of (micro_batch, chunk): the weight gradient deferred by a zero-bubble schedule
  fwd_bwd,   // DualPipe's overlapped pair: F of (micro_batch, chunk) with B of (micro_batch2, chunk2)
};

struct PipeOp {
  OpKind kind = OpKind::forward;
  int micro_batch = 0;
  int chunk = 0;  // model chunk (virtual stage, or DualPipe direction) on this stage, 0..chunks-1
  int micro_batch2 = 0, chunk2 = 0;  // the backward half of fwd_bwd
  bool input_only = false;           // backward (or fwd_bwd's backward) leaves W for a later op
  bool forward() const { return kind == OpKind::forward; }
};

// Order of operations on pipeline stage `stage` of `p`, for `m` micro-batches and `v` model chunks
// per stage (v > 1 needs m % p == 0, as in Megatron). 1F1B / interleaved 1F1B.
std::vector<PipeOp> pipeline_schedule(int p, int stage, int m, int v);

// ZB-H1 order of stage `stage`: 1F1B's warm-up, backward split into B (input_only) and W, the W of
// micro-batch k run after the B of micro-batch k + stage, the last ones at the end.
std::vector<PipeOp> zero_bubble_schedule(int p, int stage, int m);

// DualPipe order of rank `rank` (p even, m even): `chunk` is the direction, 0 running rank 0 → p−1 and 1
// running rank p−1 → 0, each with m/2 micro-batches numbered 0..m/2−1. The reference implementation
// asks m >= 2p; below m = 2p − 2 its phases do not fit, and the order falls back to ZB-H1 with every
// micro-batch in direction 0 (the bubble of zero_bubble_schedule, larger than DualPipe's).
std::vector<PipeOp> dualpipe_schedule(int p, int rank, int m);
// Pipeline position (model stage) that direction `dir` runs on rank `rank`.
inline int dualpipe_stage(int p, int rank, int dir) {
  return dir == 0 ? rank : p - 1 - rank;
}

// The schedule's order for stage `stage`; DualPipe's chunks are its two directions (2 chunks).
std::vector<PipeOp> schedule_ops(models::Schedule s, int p, int stage, int m, int v);
int schedule_chunks(models::Schedule s, int v);

}  // namespace trainsite::sim
