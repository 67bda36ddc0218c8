#include "models/step/iteration.h"

#include <algorithm>
#include <cmath>

#include "models/step/collectives.h"
#include "models/step/data_parallel.h"
#include "models/step/gemm.h"
#include "models/step/layer.h"
#include "models/step/memory.h"
#include "models/step/pipeline.h"
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

// The two kinds of layer, costed once per scenario and shared by every stage.
struct LayerCosts {
  LayerCost dense, moe;
};

LayerCosts layer_costs(const Scenario& sc) {
  LayerCosts c;
  c.dense = layer_cost(sc, false);
  if (sc.workload.model.moe) c.moe = layer_cost(sc, true);
  return c;
}

StageWork stage_from(const Scenario& sc, const LayerCosts& lc, const std::vector<int>& layers, int stage) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  StageWork st;
  // Layers of this stage; MoE layers follow the dense ones (dense_layers first).
  int first = 0;
  for (int i = 0; i < stage; ++i) first += layers[i];
  st.layers = layers[stage];
  const int dense_layers = w.model.moe ? w.model.moe->dense_layers : w.model.layers;
  const int dense_here = std::clamp(dense_layers - first, 0, st.layers);
  const int moe_here = st.layers - dense_here;
  auto add = [&](const LayerCost& c, int n) {
    if (n == 0) return;
    KernelTimes recompute;
    double tp_recompute = 0, ep_recompute = 0;
    if (w.recompute == Recompute::full) {  // the whole layer forward runs again before its backward
      recompute = c.fwd;
      tp_recompute = c.tp_fwd;
      ep_recompute = c.ep_fwd;
    } else if (w.recompute == Recompute::selective) {
      recompute = c.selective;  // fused attention kernels recompute the scores themselves
    }
    st.fwd_kernels += c.fwd * n;
    st.bwd_kernels += c.bwd * n;
    st.bwd_kernels += recompute * n;
    st.wgrad_s += n * c.bwd_wgrad;
    st.recompute_s += n * recompute.total();
    st.tp_comm_s += n * (2 * c.tp_fwd + tp_recompute);
    st.cp_comm_s += n * (c.cp_fwd + c.cp_bwd);
    st.ep_comm_s += n * (2 * c.ep_fwd + ep_recompute);
  };
  add(lc.dense, dense_here);
  add(lc.moe, moe_here);

  const Device lin = training_device(sc.cluster.gpu, w.precision, cal);
  const Device d16 = training_device(sc.cluster.gpu, Precision::bf16, cal);
  const double T = p.micro_batch * s.s / p.cp;
  if (stage == 0) {
    // Embedding lookup: gather T rows of h (read + write 16 bit); its backward scatters them back.
    st.fwd_kernels.memory += memory_bound_s(d16, 2 * kAct * T * s.h);
    st.bwd_kernels.memory += memory_bound_s(d16, 2 * kAct * T * s.h);
  }
  if (stage == p.pp - 1) {
    // Output layer (vocabulary split by TP) and the cross-entropy over 32-bit logits; the
    // logits stay in 16 bit for FP8 runs (Transformer Engine keeps the output layer in BF16).
    const Device& out = w.precision == Precision::fp8 ? d16 : lin;
    auto add_head = [&] {
      st.fwd_kernels.gemm += gemm_time_s(out, T, s.V / p.tp, s.h);
      const double wgrad = gemm_time_s(out, s.h, s.V / p.tp, T);
      st.bwd_kernels.gemm += gemm_time_s(out, T, s.h, s.V / p.tp) + wgrad;
      st.wgrad_s += wgrad;
      const double logits = T * s.V / p.tp;
      st.fwd_kernels.memory += memory_bound_s(d16, 3 * 4.0 * logits);  // softmax: read, write, max pass
      st.bwd_kernels.memory += memory_bound_s(d16, 2 * 4.0 * logits);
    };
    add_head();
    // Multi-token prediction (DeepSeek-V3 §2.2), placed with the output layer: per depth a projection
    // of [h; embedding] (2h → h), one more transformer layer and the shared output head with its loss.
    for (int d = 0; d < w.model.mtp_depth; ++d) {
      add(w.model.moe ? lc.moe : lc.dense, 1);
      st.fwd_kernels.gemm += gemm_time_s(lin, T, s.h / p.tp, 2 * s.h);
      st.bwd_kernels.gemm +=
          gemm_time_s(lin, T, 2 * s.h, s.h / p.tp) + gemm_time_s(lin, 2 * s.h, s.h / p.tp, T);
      add_head();
    }
  }
  st.fwd_compute_s = st.fwd_kernels.total();
  st.bwd_compute_s = st.bwd_kernels.total();
  return st;
}

bool fits(const Scenario& sc) {
  return memory_per_gpu(sc).fits(sc.cluster.gpu);
}

}  // namespace

StageWork stage_work(const Scenario& sc, int stage) {
  return stage_from(sc, layer_costs(sc), stage_layers(sc), stage);
}

std::vector<StageWork> all_stage_work(const Scenario& sc) {
  const LayerCosts lc = layer_costs(sc);
  const std::vector<int> layers = stage_layers(sc);
  std::vector<StageWork> out;
  out.reserve(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) out.push_back(stage_from(sc, lc, layers, int(i)));
  return out;
}

Schedule resolved_schedule(const Scenario& sc, int virtual_stages) {
  const Schedule s = sc.parallelism.schedule;
  if (s == Schedule::automatic) return virtual_stages > 1 ? Schedule::interleaved : Schedule::one_f_one_b;
  return s;
}

std::string to_string(Schedule s) {
  switch (s) {
    case Schedule::automatic: return "auto";
    case Schedule::one_f_one_b: return "1f1b";
    case Schedule::interleaved: return "interleaved";
    case Schedule::zero_bubble: return "zero-bubble";
    case Schedule::dualpipe: return "dualpipe";
  }
  return "?";
}

double pipeline_bubble_s(Schedule sched, int p, int v, double F, double B, double W) {
  if (p <= 1) return 0;
  switch (sched) {
    case Schedule::automatic:
    case Schedule::one_f_one_b: return (p - 1) * (F + B);
    case Schedule::interleaved: return (p - 1) * (F + B) / std::max(1, v);
    case Schedule::zero_bubble: return (p - 1) * std::max(0.0, F + B - 2 * W);
    case Schedule::dualpipe: return std::max(0.0, p / 2.0 - 1) * std::max(0.0, (F + B) + B - 3 * W);
  }
  return 0;
}

namespace {

Iteration assemble(const Scenario& sc, int v, const std::vector<StageWork>& stages) {
  const auto& w = sc.workload;
  const auto& p = sc.parallelism;
  const Calibration& cal = sc.cluster.cal;
  const Shape s = shape_of(w.model);
  Iteration it;
  it.dp = data_parallel_degree(sc);
  it.micro_batches = micro_batches(sc);
  it.virtual_stages = v;
  it.schedule = resolved_schedule(sc, v);
  it.stages = stages;
  for (size_t i = 1; i < stages.size(); ++i)
    if (stages[i].total() > stages[size_t(it.slowest_stage)].total()) it.slowest_stage = int(i);
  const StageWork& slow = it.slowest();
  const double m = it.micro_batches;
  const bool dualpipe = it.schedule == Schedule::dualpipe;

  // Pipeline send/recv: activations forward, gradients backward, once per virtual chunk
  // boundary; with sequence/tensor parallelism each TP rank sends its 1/t slice over its own
  // rail (Megatron's scatter-gather optimization, SC21 §4.1).
  if (p.pp > 1) {
    const Link pp = group_link(sc.cluster, cal, 2, p.tp * p.cp * it.dp);
    const double bytes = p.micro_batch * s.s / p.cp * s.h * kAct / p.tp;
    it.p2p_per_microbatch_s = 2.0 * v * p2p_s(pp, bytes);
  }

  // m micro-batches through the slowest stage set the pace. DualPipe runs the forward chunk of one
  // micro-batch beside the backward chunk of another, so their MoE all-to-all and pipeline traffic
  // hide behind the other chunk's computation (DeepSeek-V3 report §3.2.1); other schedules wait for it.
  it.compute_s = m * slow.compute();
  it.compute_by_kernel = (slow.fwd_kernels + slow.bwd_kernels) * m;
  it.tp_comm_s = m * slow.tp_comm_s;
  it.cp_comm_s = m * slow.cp_comm_s;
  if (dualpipe) {
    it.ep_comm_s = m * std::max(0.0, slow.ep_comm_s + it.p2p_per_microbatch_s - slow.compute());
    it.pp_comm_s = 0;
  } else {
    it.ep_comm_s = m * slow.ep_comm_s;
    it.pp_comm_s = m * it.p2p_per_microbatch_s;
  }

  // Bubble: the schedule's formula on the per-micro-batch times, scaled from the slowest stage to the
  // stages that fill and drain (an uneven split makes the first and last stages lighter).
  if (p.pp > 1) {
    const double per_mb_slow = slow.total() + it.p2p_per_microbatch_s;
    double others = 0;  // the other stages' per-micro-batch times: what 1F1B's fill and drain cost
    for (size_t i = 0; i < stages.size(); ++i)
      if (int(i) != it.slowest_stage) others += stages[i].total() + it.p2p_per_microbatch_s;
    const double fwd_share = slow.compute() > 0 ? slow.fwd_compute_s / slow.compute() : 0.5;
    const double F = fwd_share * per_mb_slow, B = per_mb_slow - F, W = slow.wgrad_s;
    const double ideal = pipeline_bubble_s(Schedule::one_f_one_b, p.pp, 1, F, B, W);
    const double sched = pipeline_bubble_s(it.schedule, p.pp, v, F, B, W);
    it.pp_bubble_s = ideal > 0 ? others * sched / ideal : 0;
    // The schedule's idle share for equal stages: (p−1)/(v·m + p−1) for (interleaved) 1F1B.
    it.bubble_fraction = sched / (sched + m * per_mb_slow);
  }

  // Data parallel (models/step/data_parallel.h): once per iteration, or per FSDP unit and micro-batch.
  const DataParallelCost dpc = data_parallel_cost(sc, it.slowest_stage, slow, it.micro_batches, it.dp);
  // Tied embeddings: first and last stage all-reduce the embedding gradient.
  double embedding = 0;
  if (p.pp > 1 && w.model.tied_embeddings) {
    const Link pp = group_link(sc.cluster, cal, 2, p.tp * p.cp * it.dp);
    embedding = allreduce_s(pp, s.V * s.h / p.tp * gradient_bytes(sc), 2);
  }
  it.dp_total_s = dpc.total_s + embedding;
  it.dp_comm_s = dpc.exposed_s + embedding;

  // Optimizer step (HBM-bound): Adam on this rank's shard reads grad, master, m, v (16 B) and
  // writes master, m, v, 16-bit weight (14 B); the gradient-norm pass and zeroing read/write 8 B per
  // local gradient. DualPipe holds two copies of its stage's parameters.
  const Device d16 = training_device(sc.cluster.gpu, Precision::bf16, cal);
  const double P = stage_parameters_per_gpu(sc, it.slowest_stage) * (dualpipe ? 2.0 : 1.0);
  const double shard = P / (p.zero >= 1 ? it.dp : 1);
  const double local_grads = P / (p.zero >= 2 ? it.dp : 1);
  it.other_s = memory_bound_s(d16, 30.0 * shard) + memory_bound_s(d16, 8.0 * local_grads);

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

}  // namespace

int best_virtual_stages(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const std::vector<int> layers = stage_layers(sc);
  const int most = *std::max_element(layers.begin(), layers.end());
  const std::vector<StageWork> base = all_stage_work(sc);
  int best = 1;
  double best_t = 0;
  for (int v = 1; v <= most; ++v) {
    if (!splits_into_chunks(sc, v)) continue;
    if (v > 1 && (p.pp < 2 || micro_batches(sc) % p.pp != 0)) continue;  // Megatron's constraint
    if (v > 1 && p.schedule != Schedule::automatic && p.schedule != Schedule::interleaved) break;
    Scenario trial = sc;
    trial.parallelism.virtual_stages = v;
    if (v > 1 && !fits(trial)) continue;
    const double t = assemble(trial, v, base).step_time_s;  // stage work does not depend on v
    if (best_t == 0 || t < best_t) {
      best_t = t;
      best = v;
    }
  }
  return best;
}

Iteration analytic_iteration(const Scenario& sc) {
  const int v = sc.parallelism.virtual_stages > 0 ? sc.parallelism.virtual_stages : best_virtual_stages(sc);
  return assemble(sc, v, all_stage_work(sc));
}

}  // namespace trainsite::models
