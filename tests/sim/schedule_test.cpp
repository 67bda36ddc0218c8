// The op orders of sim/schedule.h replayed with fixed op times and only the pipeline's dependencies
// (no communication): the idle time they leave must be the published bubble of each schedule
// (models::pipeline_bubble_s), which is what the DES then runs with real times and flows.
#include "sim/schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "models/step/iteration.h"

using namespace trainsite;
using sim::OpKind;
using sim::PipeOp;

namespace {

// Times of one micro-batch on one stage (all its chunks): forward, whole backward, and the weight
// gradient part of that backward.
struct Times {
  double F = 0, B = 0, W = 0;
};

// Replays every stage's order until all ops ran; returns the step time. Each op starts when its stage is
// free and its input is there: a forward after the previous stage's (or, interleaved, the last stage's
// previous chunk's) forward of the same micro-batch; a backward after the next stage's backward. Chunks
// take 1/v of the stage's times. DualPipe's chunks are its directions, each a full stage.
double replay(models::Schedule s, int p, int m, int v, Times t) {
  const bool dual = s == models::Schedule::dualpipe;
  const double k = dual ? 1.0 : 1.0 / v;
  std::vector<std::vector<PipeOp>> ops(p);
  for (int r = 0; r < p; ++r) ops[r] = sim::schedule_ops(s, p, r, m, v);
  // Position of (rank, chunk) along its pipeline, and the rank holding position q of chunk c.
  auto pos = [&](int r, int c) { return dual ? (c == 0 ? r : p - 1 - r) : c * p + r; };
  const int positions = dual ? p : p * v;
  std::map<std::tuple<int, int, int, int>, double> done;  // (fwd?, position, direction, mb) -> finish
  std::vector<double> free(p, 0.0);
  std::vector<size_t> next(p, 0);
  auto ready = [&](bool fwd, int r, int c, int mb, double& when) {
    const int q = pos(r, c), dir = dual ? c : 0;
    const int from = fwd ? q - 1 : q + 1;
    if (fwd && from < 0) return true;
    auto it = done.find(fwd || from < positions ? std::tuple{fwd ? 1 : 0, from, dir, mb}
                                                : std::tuple{1, q, dir, mb});  // last position: own F
    if (it == done.end()) return false;
    when = std::max(when, it->second);
    return true;
  };
  for (bool progress = true; progress;) {
    progress = false;
    for (int r = 0; r < p; ++r)
      while (next[r] < ops[r].size()) {
        const PipeOp& op = ops[r][next[r]];
        double start = free[r], dur = 0;
        bool ok = true;
        if (op.kind == OpKind::forward || op.kind == OpKind::fwd_bwd) {
          ok = ready(true, r, op.chunk, op.micro_batch, start);
          dur += k * t.F;
        }
        if (ok && op.kind == OpKind::backward) {
          ok = ready(false, r, op.chunk, op.micro_batch, start);
          dur += k * (op.input_only ? t.B - t.W : t.B);
        }
        if (ok && op.kind == OpKind::fwd_bwd) {
          ok = ready(false, r, op.chunk2, op.micro_batch2, start);
          dur += k * (op.input_only ? t.B - t.W : t.B);
        }
        if (op.kind == OpKind::weight) dur = k * t.W;
        if (!ok) break;
        const double end = start + dur;
        if (op.kind == OpKind::forward || op.kind == OpKind::fwd_bwd)
          done[{1, pos(r, op.chunk), dual ? op.chunk : 0, op.micro_batch}] = end;
        if (op.kind == OpKind::backward)
          done[{0, pos(r, op.chunk), dual ? op.chunk : 0, op.micro_batch}] = end;
        if (op.kind == OpKind::fwd_bwd) done[{0, pos(r, op.chunk2), op.chunk2, op.micro_batch2}] = end;
        free[r] = end;
        ++next[r];
        progress = true;
      }
  }
  for (int r = 0; r < p; ++r) EXPECT_EQ(next[r], ops[r].size()) << "rank " << r << " deadlocked";
  return *std::max_element(free.begin(), free.end());
}

// Every (micro-batch, chunk) gets exactly one forward, one backward and, where split, one W.
void expect_complete(models::Schedule s, int p, int m, int v) {
  const int chunks = sim::schedule_chunks(s, v);
  const int per_chunk = s == models::Schedule::dualpipe ? m / 2 : m;
  for (int r = 0; r < p; ++r) {
    std::map<std::tuple<int, int, int>, int> seen;  // (kind, chunk, mb)
    int split = 0;
    for (const PipeOp& op : sim::schedule_ops(s, p, r, m, v)) {
      if (op.kind == OpKind::fwd_bwd) {
        ++seen[{0, op.chunk, op.micro_batch}];
        ++seen[{1, op.chunk2, op.micro_batch2}];
        split += op.input_only;
      } else {
        ++seen[{int(op.kind), op.chunk, op.micro_batch}];
        split += op.kind == OpKind::backward && op.input_only;
      }
    }
    for (int c = 0; c < chunks; ++c)
      for (int mb = 0; mb < per_chunk; ++mb) {
        EXPECT_EQ((seen[{0, c, mb}]), 1) << "F rank " << r << " chunk " << c << " mb " << mb;
        EXPECT_EQ((seen[{1, c, mb}]), 1) << "B rank " << r << " chunk " << c << " mb " << mb;
      }
    int w = 0;
    for (const auto& [key, n] : seen)
      if (std::get<0>(key) == int(OpKind::weight)) w += n;
    EXPECT_EQ(w, split) << "rank " << r;
  }
}

}  // namespace

TEST(Schedule, EveryOrderRunsEachMicroBatchOnce) {
  expect_complete(models::Schedule::one_f_one_b, 4, 8, 1);
  expect_complete(models::Schedule::interleaved, 4, 8, 2);
  expect_complete(models::Schedule::zero_bubble, 4, 8, 1);
  expect_complete(models::Schedule::zero_bubble, 8, 4, 1);  // fewer micro-batches than stages
  expect_complete(models::Schedule::dualpipe, 8, 20, 1);
  // Below 2p − 2 micro-batches DualPipe falls back to ZB-H1 in direction 0.
  EXPECT_EQ(sim::dualpipe_schedule(8, 3, 4).size(), sim::zero_bubble_schedule(8, 3, 4).size());
}

TEST(Schedule, ReplayedOrdersGiveThePublishedBubbles) {
  // F = 1, B = 2.2 (of which W = 0.9): per micro-batch 3.2 of work on every stage.
  const Times t{1.0, 2.2, 0.9};
  struct Case {
    models::Schedule s;
    int p, m, v;
  };
  for (const Case& c :
       {Case{models::Schedule::one_f_one_b, 8, 32, 1}, Case{models::Schedule::interleaved, 4, 16, 2},
        Case{models::Schedule::zero_bubble, 8, 32, 1}, Case{models::Schedule::zero_bubble, 16, 16, 1},
        Case{models::Schedule::dualpipe, 8, 20, 1}, Case{models::Schedule::dualpipe, 16, 64, 1}}) {
    const double bubble = replay(c.s, c.p, c.m, c.v, t) - c.m * (t.F + t.B);
    // By hand for p = 8: 1F1B 7·3.2 = 22.4; ZB-H1 7·(3.2 − 1.8) = 9.8; DualPipe 3·(3.2 + 2.2 − 2.7) = 8.1.
    const double expected = models::pipeline_bubble_s(c.s, c.p, c.v, t.F, t.B, t.W);
    EXPECT_NEAR(bubble, expected, 1e-9) << models::to_string(c.s) << " p=" << c.p << " m=" << c.m;
  }
  EXPECT_NEAR(models::pipeline_bubble_s(models::Schedule::zero_bubble, 8, 1, 1.0, 2.2, 0.9), 9.8, 1e-12);
  EXPECT_NEAR(models::pipeline_bubble_s(models::Schedule::dualpipe, 8, 1, 1.0, 2.2, 0.9), 8.1, 1e-12);
}
