#include "scenarios/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace trainsite::scenarios {

Location location_of(const YAML::Node& n, const std::string& file) {
  if (!n.IsDefined() || n.Mark().is_null() || n.Mark().line < 0) return {file, 0, 0};
  return {file, n.Mark().line + 1, n.Mark().column + 1};
}

YAML::Node load_yaml_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError({path, 0, 0}, "", "file not found");
  std::ifstream in(path);
  if (!in) throw InputError({path, 0, 0}, "", "cannot read file");
  try {
    return YAML::Load(in);
  } catch (const YAML::ParserException& e) {
    throw InputError({path, e.mark.line + 1, e.mark.column + 1}, "", "malformed YAML: " + e.msg);
  }
}

Section::Section(YAML::Node node, std::string path, std::string file)
    : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap())
    throw InputError(location_of(node_, file_), path_, "expected a mapping of keys to values");
  // Complex keys (`? [a, b]: v`) have no name to check or report; reject them here, once.
  if (node_.IsMap())
    for (const auto& kv : node_)
      if (!kv.first.IsScalar() && !kv.first.IsNull())
        throw InputError(location_of(kv.first, file_), path_, "a key must be a plain name, not a list or mapping");
}

Location Section::location(const std::string& key) const {
  if (!key.empty() && node_.IsMap()) {
    // Point at the key itself so the column shows where to edit.
    for (const auto& kv : node_)
      if (kv.first.as<std::string>() == key) {
        const Location l = location_of(kv.first, file_);
        if (l.line > 0) return l;
      }
  }
  Location l = location_of(node_, file_);
  return l;
}

void Section::fail(const std::string& key, const std::string& message) const {
  Location l = location(key);
  if (l.line == 0 && !key.empty()) l.file = file_.empty() ? "--set" : file_ + " (--set)";
  throw InputError(l, key.empty() ? path_ : field(key), message);
}

void Section::allow(const std::vector<std::string>& allowed) const {
  if (!node_.IsMap()) return;
  for (const auto& kv : node_) {
    const std::string k = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    const std::string hint = did_you_mean(k, allowed);
    Location l = location_of(kv.first, file_);
    if (l.line == 0) l.file = file_ + " (--set)";
    throw InputError(l, field(k), "unknown key" + (hint.empty() ? "" : "; " + hint));
  }
}

bool Section::has(const std::string& key) const { return node_.IsMap() && node_[key].IsDefined(); }

bool Section::is_auto(const std::string& key) const {
  if (!has(key)) return false;
  const YAML::Node n = node_[key];
  return n.IsNull() || (n.IsScalar() && n.Scalar() == "auto");
}

namespace {
template <class T>
T convert(const Section& s, const std::string& key, const char* what) {
  const YAML::Node n = s.at(key);
  if (!n.IsScalar()) s.fail(key, fmt::format("expected {}, got a {}", what, n.IsMap() ? "mapping" : "list"));
  try {
    return n.as<T>();
  } catch (const YAML::BadConversion&) {
    s.fail(key, fmt::format("expected {}, got '{}'", what, n.Scalar()));
  }
}
}  // namespace

double Section::number(const std::string& key, double fallback) const {
  if (!has(key) || node_[key].IsNull()) return fallback;
  const double v = convert<double>(*this, key, "a number");
  if (!std::isfinite(v)) fail(key, "must be a finite number");
  return v;
}

double Section::positive(const std::string& key, double fallback) const {
  const double v = number(key, fallback);
  if (has(key) && !(v > 0)) fail(key, fmt::format("must be > 0, got {}", v));
  return v;
}

double Section::non_negative(const std::string& key, double fallback) const {
  const double v = number(key, fallback);
  if (has(key) && v < 0) fail(key, fmt::format("must be >= 0, got {}", v));
  return v;
}

int Section::integer(const std::string& key, int fallback) const {
  if (!has(key) || node_[key].IsNull()) return fallback;
  const double v = convert<double>(*this, key, "an integer");
  if (v != std::floor(v) || std::abs(v) > 2e9) fail(key, fmt::format("expected an integer, got {}", v));
  return int(v);
}

int Section::positive_int(const std::string& key, int fallback) const {
  const int v = integer(key, fallback);
  if (has(key) && v <= 0) fail(key, fmt::format("must be a positive integer, got {}", v));
  return v;
}

bool Section::boolean(const std::string& key, bool fallback) const {
  if (!has(key) || node_[key].IsNull()) return fallback;
  return convert<bool>(*this, key, "true or false");
}

std::string Section::string(const std::string& key, const std::string& fallback) const {
  if (!has(key) || node_[key].IsNull()) return fallback;
  return convert<std::string>(*this, key, "a string");
}

std::string Section::one_of(const std::string& key, const std::string& fallback,
                            const std::vector<std::string>& choices) const {
  const std::string v = string(key, fallback);
  if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : " | ") + c;
    const std::string hint = did_you_mean(v, choices);
    fail(key, fmt::format("'{}' is not one of {}{}", v, list, hint.empty() ? "" : "; " + hint));
  }
  return v;
}

std::vector<double> Section::numbers(const std::string& key, size_t expected_size) const {
  std::vector<double> out;
  if (!has(key)) return out;
  const YAML::Node n = node_[key];
  if (!n.IsSequence()) fail(key, "expected a list of numbers");
  if (expected_size && n.size() != expected_size)
    fail(key, fmt::format("expected {} numbers, got {}", expected_size, n.size()));
  for (const auto& x : n) {
    try {
      out.push_back(x.as<double>());
    } catch (const YAML::BadConversion&) {
      throw InputError(location_of(x, file_), field(key), "expected a number, got '" + x.Scalar() + "'");
    }
  }
  return out;
}

std::optional<double> Section::number_or_auto(const std::string& key) const {
  if (!has(key) || is_auto(key)) return std::nullopt;
  return number(key, 0);
}

std::optional<int> Section::int_or_auto(const std::string& key) const {
  if (!has(key) || is_auto(key)) return std::nullopt;
  return positive_int(key, 1);
}

Section Section::child(const std::string& key) const {
  if (!has(key)) return Section(YAML::Node(), field(key), file_);
  const YAML::Node n = node_[key];
  if (!n.IsMap() && !n.IsNull()) fail(key, "expected a mapping of keys to values");
  return Section(n, field(key), file_);
}

}  // namespace trainsite::scenarios
