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
// Whether each stage's layers split into `v` interleaved model chunks: every stage divides by v, or
// Megatron-LM's uneven split holds one slot per embedding and loss and its L + 2 slots divide into
// pp·v equal chunks (Llama 3 405B: 128 slots = 16 stages × 8 chunks of one layer, the first chunk
// holding the embedding and the last the output layer).
bool splits_into_chunks(const Scenario& sc, int v);

int layers_on_stage(const Scenario& sc, int stage);
int first_layer_of_stage(const Scenario& sc, int stage);

}  // namespace trainsite::models
