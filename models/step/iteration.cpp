#include "models/step/iteration.h"

#include <algorithm>
#include <cmath>

#include "models/step/collectives.h"
#include "models/step/gemm.h"
#include "models/step/layer.h"
#include "models/step/memory.h"
#include "models/step/transformer.h"

namespace trainsite::models {

int data_parallel_degree(const Scenario& sc) {
  const auto& p = sc.parallelism;
  return p.dp > 0 ? p.dp : std::max(1, sc.cluster.gpus() / (p.tp * p.pp * p.cp));
}

int micro_batches(const Scenario& sc) {
  return std::max(1, sc.workload.global_batch / (data_parallel_degree(sc) * sc.parallelism.micro_batch));
}

namespace {

constexpr double kAct = 2.0;  // bytes per activation element (16-bit, also under FP8 training)

}  // namespace

StageWork stage_work(const Scenario& sc, int stage) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  StageWork st;
  // Layers of this stage; MoE layers follow the dense ones (dense_layers first).
  const int per_stage = w.model.layers / p.pp, first = stage * per_stage;
  const int dense_layers = w.model.moe ? w.model.moe->dense_layers : w.model.layers;
  const int dense_here = std::clamp(dense_layers - first, 0, per_stage);
  const int moe_here = per_stage - dense_here;
  const LayerCost dense = layer_cost(sc, false);
  const LayerCost moe = moe_here > 0 ? layer_cost(sc, true) : LayerCost{};
  auto add = [&](const LayerCost& c, int n) {
    KernelTimes recompute;
    double tp_recompute = 0, ep_recompute = 0;
    if (w.recompute == Recompute::full) {  // the whole layer forward runs again before its backward
      recompute = c.fwd;
      tp_recompute = c.tp_fwd;
      ep_recompute = c.ep_fwd;
    } else if (w.recompute == Recompute::selective && w.attention_kernel == AttentionKernel::unfused) {
      recompute.attention = c.attn_core_fwd;  // fused kernels recompute the scores themselves
    }
    st.fwd_kernels += c.fwd * n;
    st.bwd_kernels += c.bwd * n;
    st.bwd_kernels += recompute * n;
    st.recompute_s += n * recompute.total();
    st.tp_comm_s += n * (2 * c.tp_fwd + tp_recompute);
    st.cp_comm_s += n * (c.cp_fwd + c.cp_bwd);
    st.ep_comm_s += n * (2 * c.ep_fwd + ep_recompute);
  };
  add(dense, dense_here);
  add(moe, moe_here);

  const Device lin = device_for(sc.cluster.gpu, w.precision, cal);
  const Device d16 = device_for(sc.cluster.gpu, Precision::bf16, cal);
  const double T = p.micro_batch * s.s / p.cp;
  if (stage == p.pp - 1) {
    // Output layer (vocabulary split by TP) and the cross-entropy over 32-bit logits; the
    // logits stay in 16 bit for FP8 runs (Transformer Engine keeps the output layer in BF16).
    const Device& out = w.precision == Precision::fp8 ? d16 : lin;
    st.fwd_kernels.gemm += gemm_time_s(out, T, s.V / p.tp, s.h);
    st.bwd_kernels.gemm += gemm_time_s(out, T, s.h, s.V / p.tp) + gemm_time_s(out, s.h, s.V / p.tp, T);
    const double logits = T * s.V / p.tp;
    st.fwd_kernels.memory += memory_bound_s(d16, 3 * 4.0 * logits);  // softmax: read, write, max pass
    st.bwd_kernels.memory += memory_bound_s(d16, 2 * 4.0 * logits);
  }
  st.fwd_compute_s = st.fwd_kernels.total();
  st.bwd_compute_s = st.bwd_kernels.total();
  return st;
}

namespace {

Iteration assemble(const Scenario& sc, int v) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  Iteration it;
  it.dp = data_parallel_degree(sc);
  it.micro_batches = micro_batches(sc);
  it.virtual_stages = v;
  it.first_stage = stage_work(sc, 0);
  it.last_stage = stage_work(sc, p.pp - 1);
  // Mean over stages: the middle stages equal the first without its embedding lookup, which is
  // negligible, so the mean is the stage-count weighted blend of first and last.
  StageWork mean = it.first_stage;
  if (p.pp > 1) {
    auto blend = [&](double a, double b) { return ((p.pp - 1) * a + b) / p.pp; };
    mean.fwd_compute_s = blend(it.first_stage.fwd_compute_s, it.last_stage.fwd_compute_s);
    mean.bwd_compute_s = blend(it.first_stage.bwd_compute_s, it.last_stage.bwd_compute_s);
    mean.recompute_s = blend(it.first_stage.recompute_s, it.last_stage.recompute_s);
    mean.tp_comm_s = blend(it.first_stage.tp_comm_s, it.last_stage.tp_comm_s);
    mean.cp_comm_s = blend(it.first_stage.cp_comm_s, it.last_stage.cp_comm_s);
    mean.ep_comm_s = blend(it.first_stage.ep_comm_s, it.last_stage.ep_comm_s);
  }
  it.mean_stage = mean;
  const StageWork& slow = it.last_stage.total() > it.first_stage.total() ? it.last_stage : it.first_stage;
  const double m = it.micro_batches;

  // Pipeline send/recv: activations forward, gradients backward, once per virtual chunk
  // boundary; with sequence/tensor parallelism each TP rank sends its 1/t slice over its own
  // rail (Megatron's scatter-gather optimization, SC21 §4.1).
  if (p.pp > 1) {
    const Link pp = group_link(sc.cluster, cal, 2, p.tp * p.cp * it.dp);
    const double bytes = p.micro_batch * s.s / p.cp * s.h * kAct / p.tp;
    it.p2p_per_microbatch_s = 2.0 * v * p2p_s(pp, bytes);
  }

  // 1F1B: m micro-batches through the slowest stage, plus (p−1)/v stage-times of fill and drain
  // (Narayanan et al. SC21 §2.2: bubble = (p−1)/m of ideal, divided by v when interleaved).
  it.compute_s = m * (slow.fwd_compute_s + slow.bwd_compute_s);
  it.tp_comm_s = m * slow.tp_comm_s;
  it.cp_comm_s = m * slow.cp_comm_s;
  it.ep_comm_s = m * slow.ep_comm_s;
  it.pp_comm_s = m * it.p2p_per_microbatch_s;
  const double per_mb_mean = mean.total() + it.p2p_per_microbatch_s;
  it.pp_bubble_s = (p.pp - 1.0) / v * per_mb_mean;
  it.bubble_fraction = (p.pp - 1.0) / (v * m + p.pp - 1.0);

  // Data parallel: gradients reduced once per iteration, after the last micro-batch's backward;
  // with overlap, bucketed reduction hides behind that backward (and the distributed
  // optimizer's parameter all-gather behind the next forward).
  const double P = std::max(stage_parameters_per_gpu(sc, 0), stage_parameters_per_gpu(sc, p.pp - 1));
  const double grad_bytes = w.precision == Precision::bf16 ? 4.0 : 2.0;  // fp32 accumulation for bf16
  const Link dpl = group_link(sc.cluster, cal, it.dp, p.tp * p.cp);
  double reduce = 0, gather = 0;
  if (p.zero == 0) {
    reduce = allreduce_s(dpl, P * grad_bytes, it.dp);
  } else {
    reduce = reduce_scatter_s(dpl, P * grad_bytes, it.dp);
    gather = allgather_s(dpl, P * kAct, it.dp);
  }
  double zero3 = 0;
  if (p.zero >= 3) {  // parameters gathered before each forward and backward of every micro-batch
    const double ag = allgather_s(dpl, P * kAct, it.dp);
    zero3 = m * (std::max(0.0, ag - slow.fwd_compute_s) + std::max(0.0, ag - slow.bwd_compute_s));
  }
  // Tied embeddings: first and last stage all-reduce the embedding gradient.
  double embedding = 0;
  if (p.pp > 1 && w.model.tied_embeddings) {
    const Link pp = group_link(sc.cluster, cal, 2, p.tp * p.cp * it.dp);
    embedding = allreduce_s(pp, s.V * s.h / p.tp * grad_bytes, 2);
  }
  it.dp_total_s = reduce + gather + zero3 + embedding;
  if (p.overlap_grad_reduce) {
    it.dp_comm_s = std::max(0.0, reduce - slow.bwd_compute_s) + std::max(0.0, gather - slow.fwd_compute_s) +
                   zero3 + embedding;
  } else {
    it.dp_comm_s = it.dp_total_s;
  }

  // Optimizer step (HBM-bound): Adam on this rank's shard reads grad, master, m, v (16 B) and
  // writes master, m, v, 16-bit weight (14 B); gradient-norm and zeroing read/write 8 B/param.
  const Device d16 = device_for(sc.cluster.gpu, Precision::bf16, cal);
  const double shard = P / (p.zero >= 1 ? it.dp : 1);
  it.other_s = memory_bound_s(d16, 30.0 * shard) + memory_bound_s(d16, 8.0 * P);

  // Data loading: token ids (4 B) for every sequence, prefetched during the step; only reads that
  // outlast the step stall it.
  const double read_bytes = double(w.global_batch) * s.s * 4.0 * p.pp;
  const double read_s = read_bytes / (sc.cluster.nodes * sc.cluster.storage.read_GBps_per_node * 1e9);
  const double busy = it.compute_s + it.tp_comm_s + it.cp_comm_s + it.ep_comm_s + it.pp_comm_s +
                      it.pp_bubble_s + it.dp_comm_s + it.other_s;
  it.io_stall_s = std::max(0.0, read_s - busy);
  it.step_time_s = busy + it.io_stall_s;
  it.model_flops = model_flops_per_iteration(w);
  it.hardware_flops = hardware_flops_per_iteration(w);
  return it;
}

bool fits(const Scenario& sc) {
  return memory_per_gpu(sc).total_GB() <= sc.cluster.gpu.hbm_GB;
}

}  // namespace

int best_virtual_stages(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const int per_stage = sc.workload.model.layers / p.pp;
  int best = 1;
  double best_t = 0;
  for (int v = 1; v <= per_stage; ++v) {
    if (per_stage % v != 0) continue;
    if (v > 1 && (p.pp < 2 || micro_batches(sc) % p.pp != 0)) continue;  // Megatron's constraint
    Scenario trial = sc;
    trial.parallelism.virtual_stages = v;
    if (v > 1 && !fits(trial)) continue;
    const double t = assemble(trial, v).step_time_s;
    if (best_t == 0 || t < best_t) {
      best_t = t;
      best = v;
    }
  }
  return best;
}

Iteration analytic_iteration(const Scenario& sc) {
  const int v = sc.parallelism.virtual_stages > 0 ? sc.parallelism.virtual_stages : best_virtual_stages(sc);
  return assemble(sc, v);
}

}  // namespace trainsite::models
