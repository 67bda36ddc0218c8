#include "models/step/pipeline.h"

#include <algorithm>
#include <numeric>

namespace trainsite::models {

std::vector<int> stage_layers(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const int pp = p.pp, L = sc.workload.model.layers;
  if (!p.pipeline_layers.empty()) return p.pipeline_layers;
  if (pp <= 1) return {L};
  if (L % pp == 0) return std::vector<int>(pp, L / pp);
  // Megatron-LM's split when the layers do not divide: the embedding and the output layer with its loss
  // each count as one layer's worth of work (megatron/core/transformer: account_for_embedding_in_
  // pipeline_split and account_for_loss_in_pipeline_split), so the L + 2 slots are spread as evenly as
  // possible, the larger stages in the middle, and the first and last stages give one slot each to the
  // embedding and the output layer. Llama 3 405B: 126 layers on 16 stages = 7, 8 × 14, 7; BLOOM-176B:
  // 70 layers on 12 stages = 5, 6 × 10, 5.
  const int slots = L + 2, q = slots / pp, extra = slots % pp;
  std::vector<int> out(pp, q);
  // The `extra` larger stages go to the middle, alternating outwards from the centre.
  for (int k = 0, lo = (pp - 1) / 2, hi = lo + 1; k < extra; ++k) out[k % 2 == 0 ? lo-- : hi++] += 1;
  out.front() -= 1;
  out.back() -= 1;
  return out;
}

std::string pipeline_layers_problem(const Scenario& sc) {
  const auto& p = sc.parallelism;
  const int L = sc.workload.model.layers;
  if (!p.pipeline_layers.empty()) {
    if (int(p.pipeline_layers.size()) != p.pp)
      return "lists " + std::to_string(p.pipeline_layers.size()) + " stages but pp = " + std::to_string(p.pp);
    const int sum = std::accumulate(p.pipeline_layers.begin(), p.pipeline_layers.end(), 0);
    if (sum != L)
      return "the stages hold " + std::to_string(sum) + " layers but the model has " + std::to_string(L);
    for (size_t i = 0; i < p.pipeline_layers.size(); ++i)
      if (p.pipeline_layers[i] < 1) return "stage " + std::to_string(i) + " holds no layer";
    return "";
  }
  for (const int n : stage_layers(sc))
    if (n < 1)
      return std::to_string(L) + " layers cannot fill pp = " + std::to_string(p.pp) +
             " stages (each stage needs at least one layer)";
  return "";
}

bool splits_into_chunks(const Scenario& sc, int v) {
  if (v <= 1) return true;
  const auto layers = stage_layers(sc);
  if (std::all_of(layers.begin(), layers.end(), [&](int n) { return n % v == 0; })) return true;
  const auto& p = sc.parallelism;
  const int L = sc.workload.model.layers;
  return p.pipeline_layers.empty() && L % p.pp != 0 && (L + 2) % (p.pp * v) == 0;
}

int layers_on_stage(const Scenario& sc, int stage) {
  return stage_layers(sc).at(stage);
}

int first_layer_of_stage(const Scenario& sc, int stage) {
  const auto layers = stage_layers(sc);
  return std::accumulate(layers.begin(), layers.begin() + stage, 0);
}

}  // namespace trainsite::models
