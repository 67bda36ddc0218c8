// Which parallel layouts are valid: the one place that states the rules (degrees multiply to the GPU
// count, heads/layers/sequence/experts/batch divisible by their degrees, interleaving needs a pipeline,
// the GPU has tensor cores for the precision, the model fits in HBM). The scenario loader turns the
// first problem into an InputError; the planner (models/plan.h) uses the same list to reject
// candidates, so the two never disagree about what a valid layout is.
#pragma once

#include <string>
#include <vector>

#include "models/scenario.h"

namespace trainsite::models {

// What kind of rule a layout breaks (the planner counts rejections by kind).
enum class LayoutRule { divisibility, hardware, memory };

struct LayoutProblem {
  std::string field;    // dotted scenario field the problem is reported on ("parallelism.pp")
  std::string message;  // for people, without the location
  LayoutRule rule = LayoutRule::divisibility;
};

// Every problem of the scenario's layout, in the order the loader reports them; empty = valid.
// Problems that make later checks meaningless (degrees that do not multiply to the GPU count) end
// the list; the memory check runs only on an otherwise valid layout.
std::vector<LayoutProblem> layout_problems(const Scenario& sc);

}  // namespace trainsite::models
