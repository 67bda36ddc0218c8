// Pipeline parallelism: how the transformer layers are placed on the pipeline stages.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"

namespace trainsite::models {

// Transformer layers held by each pipeline stage, first stage first: the scenario's explicit
// `pipeline_layers`, an even split, or Megatron-LM's uneven split when the layers do not divide.
std::vector<int> stage_layers(const Scenario& sc);
// Why the placement is impossible (explicit list inconsistent, too few layers); empty when it is fine.
std::string pipeline_layers_problem(const Scenario& sc);

// Layers on stage `stage` and the index of its first layer.
int layers_on_stage(const Scenario& sc, int stage);
int first_layer_of_stage(const Scenario& sc, int stage);

}  // namespace trainsite::models
