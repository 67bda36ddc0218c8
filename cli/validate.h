// `trainsite validate` over validation sets (DESIGN section 8, docs/validation.md): predicts every
// record, reports its error, and summarises the errors per set (file) and per group (GPU × precision,
// sequence-length band, model-size band). `validate --microbench` lives in cli/validate_microbench.cpp.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenarios/validation.h"

namespace trainsite::cli {

// One validation file: its records and the name the summaries use (the file's stem).
struct ValidationSet {
  std::string name, file;
  std::vector<scenarios::ValidationRecord> records;
};

struct ValidateArgs {
  std::vector<std::string> data;  // --data: files or directories (every *.yaml, sorted); empty = shipped sets
  std::string engine = "analytic";
  std::string plot_dir;  // --plot: write error-vs-seq.png and error-vs-size.png here
};

// The files `--data` names: each directory expands to its *.yaml files in name order; no --data
// means every file of DATA_DIR/validation/. Throws scenarios::InputError for a directory without
// any *.yaml file.
std::vector<std::string> validation_files(const std::vector<std::string>& data,
                                          const std::filesystem::path& data_dir);

// Group bands. Sequence length in tokens: "<=2k" (<= 2,048), "2k-8k" (<= 8,192), "8k-32k"
// (<= 32,768), ">32k". Model size in parameters: "<1B", "1-10B", "10-100B", ">100B" (lower bound
// inclusive in the next band: 1e9 parameters is "1-10B").
std::string seq_band(int seq_len);
std::string size_band(double parameters);

// The validation document: `records` (each with its set, group keys, and the share of each step-time
// breakdown term), the totals of DESIGN section 8, `sets` and `groups`. `predict` gives each record's
// iteration (default: the analytic engine).
nlohmann::ordered_json validation_report(const std::vector<ValidationSet>& sets, const std::string& engine,
                                         models::Iteration (*predict)(const models::Scenario&) = nullptr);

int cmd_validate(const ValidateArgs& a, const Common& c);

}  // namespace trainsite::cli
