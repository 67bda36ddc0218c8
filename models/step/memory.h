// Memory footprint per GPU: model states (Rajbhandari et al., ZeRO, SC20: 2+2+12 bytes/param for
// mixed-precision Adam) and activations (Korthikanti et al., "Reducing Activation Recomputation in
// Large Transformer Models", MLSys 2023, Table 2 and section 4.2.3 for pipeline schedules).
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

struct MemoryFootprint {
  double params_per_gpu = 0;  // parameters held by the most loaded GPU (first pipeline stage)
  double weights_GB = 0;
  double gradients_GB = 0;
  double optimizer_GB = 0;
  double activations_GB = 0;
  double buffers_GB = 0;  // communication buffers, workspace, CUDA context
  double total_GB() const { return weights_GB + gradients_GB + optimizer_GB + activations_GB + buffers_GB; }
};

// Activation bytes of one layer for one micro-batch, per GPU (Korthikanti et al. Table 2).
double activation_bytes_per_layer(const Scenario& sc);

// Parameters held by one GPU in the pipeline stage `stage` (0-based).
double stage_parameters_per_gpu(const Scenario& sc, int stage);

MemoryFootprint memory_per_gpu(const Scenario& sc);

}  // namespace trainsite::models
