// Sweep files (`trainsite/sweep/v1`): a base scenario, axes over any scenario key, constraints that
// skip combinations (with the reason recorded), and the engine. Points are enumerated by index in a
// fixed order (first axis outermost, last axis fastest), so `--shard i/N` slices are deterministic.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trainsite::scenarios {

// One axis, or a zip group of keys that vary together (all value lists of equal length).
struct SweepAxis {
  std::vector<std::string> keys;                 // scenario key paths, e.g. "cluster.gpu"
  std::vector<std::vector<std::string>> values;  // values[v][k]: YAML text of key k at step v
  size_t size() const { return values.size(); }
};

struct SweepConstraint {
  std::string expr;    // e.g. "parallelism.tp <= cluster.gpus_per_node"
  std::string reason;  // recorded on skipped points; defaults to "constraint failed: <expr>"
};

struct SweepFile {
  std::string name;
  std::string path;                 // the sweep file
  std::string base_file;            // file the base came from (for relative paths and error locations)
  std::string base_text;            // the base scenario as YAML text (each worker parses its own copy)
  std::string engine = "analytic";  // analytic | des
  std::vector<SweepAxis> axes;
  std::vector<SweepConstraint> constraints;

  // Number of points (product of axis sizes; 1 with no axes).
  uint64_t point_count() const;
  // The `--set`-style overrides of point `index`, in axis order: ("cluster.gpu", "H800-SXM5-80GB").
  std::vector<std::pair<std::string, std::string>> point_overrides(uint64_t index) const;
};

// Parse a sweep file; errors are InputErrors naming file:line:column and the field.
SweepFile load_sweep_file(const std::string& path);

// The base with a point's overrides applied (scenarios::apply_override), not yet validated.
YAML::Node resolve_point(const YAML::Node& base,
                         const std::vector<std::pair<std::string, std::string>>& overrides);

// The first failing constraint's reason for a resolved point, or nothing when all hold. Identifiers
// are dotted scenario keys looked up in the resolved document; an InputError if one is missing.
std::optional<std::string> failed_constraint(const SweepFile& sw, const YAML::Node& point);

// Evaluate one constraint expression (numbers, 'strings', dotted keys, + - * / %, comparisons,
// && || !, parentheses) against a document. Exposed for tests.
bool eval_constraint(const std::string& expr, const YAML::Node& doc);

// Canonical text of a document: flow YAML with mapping keys sorted, so equal scenarios written in
// different key orders give the same text (and hash). YAML::Load of it gives the document back.
std::string canonical_yaml(const YAML::Node& doc);

// 64-bit FNV-1a of the canonical text and the engine, as 16 hex digits: the point's key in the store.
std::string point_hash(const std::string& canonical, const std::string& engine);

// Parse "i/N" (0 <= i < N); InputError otherwise.
std::pair<uint64_t, uint64_t> parse_shard(const std::string& text);

}  // namespace trainsite::scenarios
