#include "models/step/data_parallel.h"

#include <algorithm>

#include "models/step/collectives.h"
#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/step/pipeline.h"
#include "models/step/transformer.h"

namespace trainsite::models {

namespace {
constexpr double kParam = 2.0;  // bytes per 16-bit parameter as gathered
}  // namespace

double gradient_bytes(const Scenario& sc) {
  return sc.workload.precision == Precision::bf16 ? 4.0 : 2.0;
}

DataParallelCost data_parallel_cost(const Scenario& sc, int stage, const StageWork& slow, int m, int dp) {
  const auto& p = sc.parallelism;
  const auto& w = sc.workload;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  DataParallelCost c;
  if (dp <= 1) return c;
  const Link link = group_link(sc.cluster, cal, dp, p.tp * p.cp);
  const double P = stage_parameters_per_gpu(sc, stage);
  const double g = gradient_bytes(sc);

  if (p.zero <= 1) {
    // Once per iteration, after the last micro-batch's backward. With overlap, Megatron's bucketed
    // reduction hides behind that backward and the distributed optimizer's parameter all-gather behind
    // the next forward; without it, both wait.
    const double reduce = p.zero == 0 ? allreduce_s(link, P * g, dp) : reduce_scatter_s(link, P * g, dp);
    const double gather = p.zero == 0 ? 0.0 : allgather_s(link, P * kParam, dp);
    c.total_s = reduce + gather;
    c.exposed_s = p.overlap_grad_reduce ? std::max(0.0, reduce - slow.bwd_compute_s) +
                                              std::max(0.0, gather - slow.fwd_compute_s)
                                        : c.total_s;
    return c;
  }

  // FSDP units: one per transformer layer of the stage, plus the root (embedding / output layer).
  const int units = std::max(1, layers_on_stage(sc, stage));
  const bool has_embedding = stage == 0 || stage == p.pp - 1;
  const double root = has_embedding ? std::min(P, s.V * s.h / p.tp) : 0.0;
  const double unit = (P - root) / units;
  const double ag = allgather_s(link, unit * kParam, dp), rs = reduce_scatter_s(link, unit * g, dp);
  const double ag_root = allgather_s(link, root * kParam, dp), rs_root = reduce_scatter_s(link, root * g, dp);
  const double cf = slow.fwd_compute_s / units, cb = slow.bwd_compute_s / units;
  const bool full = p.zero >= 3;
  // Forward: the root and the first unit's gather wait; each later gather hides behind the previous
  // unit's forward. Backward (FULL_SHARD): the last unit's gather waits; each unit's backward hides the
  // next gather and the previous reduce-scatter; the final reduce-scatters (last unit, root) wait.
  // SHARD_GRAD_OP keeps the gathered parameters from the forward, so its backward only reduces.
  const double bwd_comm = (full ? ag : 0.0) + rs;
  const double fwd_exposed = ag_root + ag + (units - 1) * std::max(0.0, ag - cf);
  const double bwd_exposed = (full ? ag : 0.0) + (units - 1) * std::max(0.0, bwd_comm - cb) + rs + rs_root;
  c.per_microbatch_s = ag_root + units * ag + units * bwd_comm + rs_root;
  c.total_s = m * c.per_microbatch_s;
  c.exposed_s = m * (fwd_exposed + bwd_exposed);
  return c;
}

}  // namespace trainsite::models
