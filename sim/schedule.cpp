#include "sim/schedule.h"

#include <algorithm>
#include <deque>
#include <utility>

namespace trainsite::sim {

std::vector<PipeOp> pipeline_schedule(int p, int stage, int m, int v) {
  const int total = m * v;
  // Warm-up forwards before the first backward: p - stage - 1 for 1F1B; interleaving adds the
  // (v - 1)·p chunks in flight and doubles the per-stage lag (Megatron's num_warmup_microbatches).
  const int warmup = std::min(total, v == 1 ? p - stage - 1 : (p - stage - 1) * 2 + (v - 1) * p);
  // k-th forward (backward) of this stage: chunk and micro-batch, Megatron's get_model_chunk_id.
  auto op = [&](int k, bool fwd) {
    const int group = k % (p * v);
    const int chunk = fwd ? group / p : v - 1 - group / p;
    const int mb = v == 1 ? k : (k / (p * v)) * p + k % p;
    PipeOp o;
    o.kind = fwd ? OpKind::forward : OpKind::backward;
    o.micro_batch = mb;
    o.chunk = chunk;
    return o;
  };
  std::vector<PipeOp> ops;
  ops.reserve(2 * total);
  for (int k = 0; k < warmup; ++k) ops.push_back(op(k, true));
  const int steady = total - warmup;
  for (int i = 0; i < steady; ++i) {
    ops.push_back(op(warmup + i, true));
    ops.push_back(op(i, false));
  }
  for (int i = steady; i < total; ++i) ops.push_back(op(i, false));
  return ops;
}

namespace {

PipeOp make(OpKind k, int mb, int chunk, bool input_only = false) {
  PipeOp o;
  o.kind = k;
  o.micro_batch = mb;
  o.chunk = chunk;
  o.input_only = input_only;
  return o;
}

}  // namespace

std::vector<PipeOp> zero_bubble_schedule(int p, int stage, int m) {
  // ZB-H1 keeps 1F1B's warm-up and in-flight count; stage i defers i weight gradients, so the last
  // stage (which receives its gradients first) runs F B W ... while the earlier stages send their input
  // gradients upstream as early as 1F1B's critical path allows and fill the drain with the deferred W's.
  // Replaying this order with unit times gives the (p−1)(F + B − 2W) of ZB-H1 (schedule_test.cpp).
  const int warmup = std::min(m, p - stage - 1), defer = stage;
  std::vector<PipeOp> ops;
  ops.reserve(3 * size_t(m));
  auto backward = [&](int k) {
    ops.push_back(make(OpKind::backward, k, 0, true));
    if (k - defer >= 0) ops.push_back(make(OpKind::weight, k - defer, 0));
  };
  for (int k = 0; k < warmup; ++k) ops.push_back(make(OpKind::forward, k, 0));
  for (int k = 0; k < m - warmup; ++k) {
    ops.push_back(make(OpKind::forward, warmup + k, 0));
    backward(k);
  }
  for (int k = m - warmup; k < m; ++k) backward(k);
  for (int k = std::max(0, m - defer); k < m; ++k) ops.push_back(make(OpKind::weight, k, 0));
  return ops;
}

std::vector<PipeOp> dualpipe_schedule(int p, int rank, int m) {
  const int half = p / 2, hr = std::min(rank, p - 1 - rank), per_dir = m / 2;
  std::vector<PipeOp> ops;
  ops.reserve(3 * size_t(m));
  int fwd[2] = {0, 0}, bwd[2] = {0, 0};
  std::deque<std::pair<int, int>> pending_w;  // (micro-batch, direction) whose W is deferred
  // The reference implementation's "chunk 0" is the direction that enters the pipeline at this rank's
  // end of the pipeline: direction 0 for the first half of the ranks, direction 1 for the second.
  auto dir = [&](int c) { return rank >= half ? 1 - c : c; };
  auto F = [&](int c) { ops.push_back(make(OpKind::forward, fwd[dir(c)]++, dir(c))); };
  auto B = [&](int c, bool zb) {
    const int d = dir(c);
    if (zb) pending_w.emplace_back(bwd[d], d);
    ops.push_back(make(OpKind::backward, bwd[d]++, d, zb));
  };
  auto W = [&] {
    ops.push_back(make(OpKind::weight, pending_w.front().first, pending_w.front().second));
    pending_w.pop_front();
  };
  auto FB = [&](int cf, int cb) {
    PipeOp o = make(OpKind::fwd_bwd, fwd[dir(cf)]++, dir(cf));
    o.micro_batch2 = bwd[dir(cb)]++;
    o.chunk2 = dir(cb);
    ops.push_back(o);
  };
  if (per_dir < p - 1) {
    // Too few micro-batches for DualPipe's phases: all of them go one way (direction 0) in ZB-H1 order.
    ops = zero_bubble_schedule(p, rank, m);
    return ops;
  }
  // The eight phases of dualpipe.py (DualPipe.step), with half_rank = hr and num_half_ranks = half.
  for (int i = 0; i < (half - hr - 1) * 2; ++i) F(0);  // 1: nF0
  for (int i = 0; i < hr + 1; ++i) F(0), F(1);         // 2: nF0F1
  for (int i = 0; i < half - hr - 1; ++i) {            // 3: nB1W1F1, zero bubble
    B(1, true);
    W();
    F(1);
  }
  for (int i = 0; i < per_dir - p + hr + 1; ++i) {  // 4: nF0B1F1B0, the overlapped main phase
    FB(0, 1);
    FB(1, 0);
  }
  for (int i = 0; i < half - hr - 1; ++i) {  // 5: nB1F1B0
    B(1, false);
    FB(1, 0);
  }
  bool zb = false;  // 6: nB1B0, the second half with zero bubble
  for (int i = 0, n = hr + 1; i < n; ++i) {
    if (i == n / 2 && hr % 2 == 1) zb = true;
    B(1, zb);
    if (i == n / 2 && hr % 2 == 0) zb = true;
    B(0, zb);
  }
  for (int i = 0; i < half - hr - 1; ++i) {  // 7: nWB0, zero bubble
    W();
    B(0, true);
  }
  while (!pending_w.empty()) W();  // 8: nW
  return ops;
}

int schedule_chunks(models::Schedule s, int v) {
  return s == models::Schedule::dualpipe ? 2 : std::max(1, v);
}

std::vector<PipeOp> schedule_ops(models::Schedule s, int p, int stage, int m, int v) {
  switch (s) {
    case models::Schedule::zero_bubble: return zero_bubble_schedule(p, stage, m);
    case models::Schedule::dualpipe: return dualpipe_schedule(p, stage, m);
    default: return pipeline_schedule(p, stage, m, v);
  }
}

}  // namespace trainsite::sim
