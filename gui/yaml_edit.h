// Text-level edits of a scenario's YAML that keep the user's comments and layout: a form edit
// replaces just the value's characters when it can, and falls back to re-emitting the document
// (through scenarios::apply_override, the same path as `--set`) when it cannot.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace trainsite::gui {

// Parse YAML text; throws scenarios::InputError with the line and column of a syntax error.
YAML::Node parse_yaml_text(const std::string& text, const std::string& file);

// The node at a dotted path ("cluster.fabric.kind"); an undefined node when absent.
YAML::Node node_at(const YAML::Node& root, const std::string& path);

// `text` with `path` set to `value_yaml` (parsed as YAML, like `--set path=value`). Throws
// scenarios::InputError when the text does not parse or the path cannot be set.
std::string set_value(const std::string& text, const std::string& path, const std::string& value_yaml);

// Emit a node on one line in flow style ("[ulanqab, shanghai]", "{id: x, pue_avg: 1.2}").
std::string flow_yaml(const YAML::Node& n);

}  // namespace trainsite::gui
