#include "models/layout.h"

#include <cstdio>

#include "models/step/iteration.h"
#include "models/step/memory.h"
#include "models/step/pipeline.h"

namespace trainsite::models {

namespace {
// printf-style message (models/ stays free of formatting libraries, as campaign.cpp).
template <typename... A>
std::string msg(const char* f, A... a) {
  char buf[512];
  std::snprintf(buf, sizeof buf, f, a...);
  return buf;
}
}  // namespace

std::vector<LayoutProblem> layout_problems(const Scenario& sc) {
  std::vector<LayoutProblem> out;
  const auto& p = sc.parallelism;
  const auto& m = sc.workload.model;
  const int gpus = sc.cluster.gpus();
  auto add = [&](const std::string& field, std::string text, LayoutRule rule = LayoutRule::divisibility) {
    out.push_back({field, std::move(text), rule});
  };
  // In double first: three degrees up to 2^31 overflow even a long.
  const bool too_big = double(p.tp) * p.pp * p.cp > gpus;
  const long model_par = too_big ? long(gpus) + 1 : long(p.tp) * p.pp * p.cp;
  if (too_big || gpus % model_par != 0) {
    add("parallelism", msg("tp·pp·cp = %d·%d·%d = %.0f does not divide the %d GPUs", p.tp, p.pp, p.cp,
                           double(p.tp) * p.pp * p.cp, gpus));
    return out;
  }
  const int dp = data_parallel_degree(sc);
  if (model_par * dp != gpus) {
    add("parallelism.dp",
        msg("tp·pp·cp·dp = %d·%d·%d·%d = %ld but the cluster has %d GPUs (%d nodes × %d)", p.tp, p.pp, p.cp,
            dp, model_par * dp, gpus, sc.cluster.nodes, sc.cluster.gpus_per_node));
    return out;
  }
  if (m.heads % p.tp != 0) add("parallelism.tp", msg("%d heads are not divisible by tp=%d", m.heads, p.tp));
  // Layers that do not divide by pp are placed as Megatron-LM does (models/step/pipeline.h); an explicit
  // list must match the model and the pipeline.
  if (const std::string why = pipeline_layers_problem(sc); !why.empty())
    add(p.pipeline_layers.empty() ? "parallelism.pp" : "parallelism.pipeline_layers", why);
  else if (!splits_into_chunks(sc, p.virtual_stages))
    for (const int n : stage_layers(sc))
      if (n % p.virtual_stages != 0) {
        add("parallelism.virtual_stages",
            msg("a stage of %d layers is not divisible by virtual_stages=%d", n, p.virtual_stages));
        break;
      }
  if (p.virtual_stages > 1 && p.pp < 2) add("parallelism.virtual_stages", "interleaving needs pp >= 2");
  if (p.comm_sms >= sc.cluster.gpu.sms)
    add("parallelism.comm_sms", msg("%d SMs kept for communication leave none of the %s's %d for computation",
                                    p.comm_sms, sc.cluster.gpu.id.c_str(), sc.cluster.gpu.sms));
  if (p.schedule == Schedule::dualpipe && micro_batches(sc) % 2 != 0)
    add("parallelism.schedule", msg("DualPipe feeds micro-batches from both ends and needs an even number of "
                                    "them, got %d",
                                    micro_batches(sc)));
  if (m.seq_len % p.cp != 0)
    add("parallelism.cp", msg("seq_len %d is not divisible by cp=%d", m.seq_len, p.cp));
  if (sc.workload.global_batch % (long(dp) * p.micro_batch) != 0)
    add("workload.global_batch", msg("global batch %d is not divisible by dp·micro_batch = %d·%d = %ld",
                                     sc.workload.global_batch, dp, p.micro_batch, long(dp) * p.micro_batch));
  if (p.ep > 1) {
    if (!m.moe) {
      add("parallelism.ep", "expert parallelism needs a MoE model");
    } else {
      if (m.moe->experts % p.ep != 0)
        add("parallelism.ep", msg("%d experts are not divisible by ep=%d", m.moe->experts, p.ep));
      if ((long(dp) * p.cp) % p.ep != 0)
        add("parallelism.ep", msg("ep=%d must divide dp·cp = %ld", p.ep, long(dp) * p.cp));
    }
  }
  if (!sc.cluster.gpu.peak(sc.workload.precision))
    add("workload.precision",
        msg("%s has no %s tensor cores", sc.cluster.gpu.id.c_str(), to_string(sc.workload.precision).c_str()),
        LayoutRule::hardware);
  if (!out.empty()) return out;  // the memory model assumes a layout that divides evenly
  const MemoryFootprint mem = memory_per_gpu(sc);
  if (!mem.fits(sc.cluster.gpu))
    add("parallelism",
        msg("the model does not fit: %.1f GB per GPU needed on pipeline stage %d (weights %.1f, gradients "
            "%.1f, "
            "optimizer %.1f, activations %.1f, buffers %.1f) but %s leaves %.1f GB to a training process; "
            "raise "
            "tp/pp, use ZeRO or recompute, or lower micro_batch",
            mem.total_GB(), mem.stage, mem.weights_GB, mem.gradients_GB, mem.optimizer_GB, mem.activations_GB,
            mem.buffers_GB, sc.cluster.gpu.id.c_str(), usable_hbm_GB(sc.cluster.gpu)),
        LayoutRule::memory);
  return out;
}

}  // namespace trainsite::models
