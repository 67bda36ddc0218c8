// Strict, located access to a YAML mapping: unknown keys and wrong types become InputErrors that
// name file:line:column and the dotted field path.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "scenarios/errors.h"

namespace trainsite::scenarios {

class Section {
 public:
  Section(YAML::Node node, std::string path, std::string file);

  // Throws for any key not in `allowed`, suggesting the closest allowed one.
  void allow(const std::vector<std::string>& allowed) const;
  bool has(const std::string& key) const;
  bool is_auto(const std::string& key) const;  // present and `auto` or null

  double number(const std::string& key, double fallback) const;
  double positive(const std::string& key, double fallback) const;  // > 0
  double non_negative(const std::string& key, double fallback) const;
  int integer(const std::string& key, int fallback) const;
  int positive_int(const std::string& key, int fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  std::string string(const std::string& key, const std::string& fallback) const;
  std::string one_of(const std::string& key, const std::string& fallback,
                     const std::vector<std::string>& choices) const;
  std::vector<double> numbers(const std::string& key, size_t expected_size) const;
  std::optional<double> number_or_auto(const std::string& key) const;  // nullopt for auto/null/absent
  std::optional<int> int_or_auto(const std::string& key) const;

  Section child(const std::string& key) const;  // must be a mapping if present; empty if absent
  YAML::Node node() const { return node_; }
  YAML::Node at(const std::string& key) const { return node_[key]; }
  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const std::string& path() const { return path_; }
  const std::string& file() const { return file_; }
  Location location(const std::string& key = "") const;

  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

 private:
  YAML::Node node_;
  std::string path_;
  std::string file_;
};

Location location_of(const YAML::Node& n, const std::string& file);

// Parse a file, turning yaml-cpp parse errors into InputErrors with the position.
YAML::Node load_yaml_file(const std::string& path);

}  // namespace trainsite::scenarios
