// Memory footprint per GPU, stage by stage: model states (Rajbhandari et al., "ZeRO", SC20 §3.1:
// 2 + 2 + 12 bytes per parameter for mixed-precision Adam, sharded by the ZeRO stage or FSDP), and
// activations counted tensor by tensor as the backward pass keeps them (Korthikanti et al., "Reducing
// Activation Recomputation in Large Transformer Models", MLSys 2023, Table 2 and §4.2.3; fused attention
// keeps Q, K, V, O and the row statistics instead of the s×s scores), times the micro-batches each
// pipeline schedule keeps in flight. The verdict compares the busiest stage with the memory the CUDA
// allocator can really use (models::usable_hbm_GB).
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

struct MemoryFootprint {
  int stage = 0;              // the pipeline stage that needs the most memory (the one reported)
  double params_per_gpu = 0;  // parameters held by that stage's GPUs (before sharding)
  double weights_GB = 0;      // 16-bit weights (+ FP8 copies); under FSDP only the gathered units
  double gradients_GB = 0;
  double optimizer_GB = 0;  // fp32 master weights, momentum, variance
  double activations_GB = 0;
  double buffers_GB = 0;  // communication buffers, workspace, CUDA context
  double usable_GB = 0;   // what the GPU leaves to a training process (usable_hbm_GB)
  double total_GB() const { return weights_GB + gradients_GB + optimizer_GB + activations_GB + buffers_GB; }
  bool fits(const Gpu& gpu) const;
};

// GB (10⁹ B) a training process can allocate on `gpu`: the catalog's capacity is in GiB as marketed
// (an "80 GB" H100 or A100 has 80 GiB of HBM); the driver keeps about 1 % (cudaMemGetInfo reports
// 85.0e9 B total on an H100 SXM5 80GB, data/microbench/h100-sxm5-80gb-2026-11-26.json).
double usable_hbm_GB(const Gpu& gpu);

// Activation bytes one layer keeps for the backward pass, for one micro-batch, per GPU.
double activation_bytes_per_layer(const Scenario& sc, bool moe_layer = false);

// Parameters held by one GPU in the pipeline stage `stage` (0-based), before ZeRO/FSDP sharding.
double stage_parameters_per_gpu(const Scenario& sc, int stage);

// Footprint of stage `stage`, and of the busiest stage.
MemoryFootprint stage_memory(const Scenario& sc, int stage);
MemoryFootprint memory_per_gpu(const Scenario& sc);

}  // namespace trainsite::models
