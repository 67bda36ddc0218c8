#include "sim/schedule.h"

#include <algorithm>

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
    return PipeOp{fwd, mb, chunk};
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

}  // namespace trainsite::sim
