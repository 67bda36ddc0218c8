// Validation records (trainsite/validation/v1): a partial scenario plus what was measured.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/catalog.h"
#include "models/scenario.h"
#include "scenarios/loader.h"

namespace trainsite::scenarios {

struct ValidationRecord {
  std::string id;
  std::string source;
  std::string flop_convention;
  std::map<std::string, double> measured;    // tflops_per_gpu, mfu, step_time_s, tokens_per_s, ...
  std::optional<models::Scenario> scenario;  // empty when the record cannot be modelled
  std::string unsupported_reason;            // why, when scenario is empty
  // The record's scenario parsed without the layout and memory checks, when `scenario` is empty
  // because of them: it still tells which GPU, precision, sequence length and model size the
  // rejected run had, so `validate` can group it.
  std::optional<models::Scenario> as_written;
};

// Metrics a record may carry, in the order `validate` prefers them.
const std::vector<std::string>& validation_metrics();

std::vector<ValidationRecord> load_validation(const std::string& path, const models::Catalog& cat,
                                              const LoadOptions& opt);

}  // namespace trainsite::scenarios
