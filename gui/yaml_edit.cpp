#include "gui/yaml_edit.h"

#include <sstream>

#include "scenarios/errors.h"
#include "scenarios/loader.h"

namespace trainsite::gui {

namespace {

// The end of the value token that starts at `pos`: a quoted scalar, a flow collection, or a
// plain scalar (which ends at a comment, a line end or, inside a flow collection, at , } ]).
std::optional<size_t> token_end(const std::string& t, size_t pos, bool in_flow) {
  if (pos >= t.size()) return std::nullopt;
  const char c = t[pos];
  if (c == '"' || c == '\'') {
    for (size_t i = pos + 1; i < t.size(); ++i) {
      if (c == '"' && t[i] == '\\') {
        ++i;
        continue;
      }
      if (t[i] == c) {
        if (c == '\'' && i + 1 < t.size() && t[i + 1] == '\'') {
          ++i;
          continue;
        }
        return i + 1;
      }
      if (t[i] == '\n') return std::nullopt;
    }
    return std::nullopt;
  }
  if (c == '[' || c == '{') {
    int depth = 0;
    for (size_t i = pos; i < t.size(); ++i) {
      if (t[i] == '[' || t[i] == '{') ++depth;
      if (t[i] == ']' || t[i] == '}') {
        if (--depth == 0) return i + 1;
      }
      if (t[i] == '#' && i > 0 && (t[i - 1] == ' ' || t[i - 1] == '\t')) return std::nullopt;
      if (t[i] == '"' || t[i] == '\'') return std::nullopt;  // keep the scanner simple
    }
    return std::nullopt;
  }
  if (c == '|' || c == '>' || c == '\n' || c == '#' || c == '&' || c == '*' || c == '!') return std::nullopt;
  size_t i = pos;
  for (; i < t.size(); ++i) {
    const char d = t[i];
    if (d == '\n' || d == '\r') break;
    if (d == '#' && i > pos && (t[i - 1] == ' ' || t[i - 1] == '\t')) break;
    if (in_flow && (d == ',' || d == '}' || d == ']')) break;
  }
  while (i > pos && (t[i - 1] == ' ' || t[i - 1] == '\t')) --i;
  return i > pos ? std::optional<size_t>(i) : std::nullopt;
}

// Same content, whatever the style (flow or block, quoted or plain).
bool same(const YAML::Node& a, const YAML::Node& b) {
  if (a.Type() != b.Type()) return false;
  switch (a.Type()) {
    case YAML::NodeType::Scalar: return a.Scalar() == b.Scalar();
    case YAML::NodeType::Sequence:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
      return true;
    case YAML::NodeType::Map: {
      if (a.size() != b.size()) return false;
      auto ia = a.begin();
      auto ib = b.begin();
      for (; ia != a.end(); ++ia, ++ib)
        if (!same(ia->first, ib->first) || !same(ia->second, ib->second)) return false;
      return true;
    }
    default: return true;
  }
}

std::string parent_path(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

}  // namespace

YAML::Node parse_yaml_text(const std::string& text, const std::string& file) {
  try {
    YAML::Node n = YAML::Load(text);
    if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Map);
    return n;
  } catch (const YAML::Exception& e) {
    throw scenarios::InputError({file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax: " + e.msg);
  }
}

YAML::Node node_at(const YAML::Node& root, const std::string& path) {
  YAML::Node cur;
  cur.reset(root);
  size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node next = cur[key];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

std::string flow_yaml(const YAML::Node& n) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << n;
  return out.c_str();
}

std::string set_value(const std::string& text, const std::string& path, const std::string& value_yaml) {
  const YAML::Node before = parse_yaml_text(text, "<editor>");
  YAML::Node wanted = YAML::Clone(before);
  scenarios::apply_override(wanted, path + "=" + value_yaml);
  if (same(before, wanted)) return text;

  // In place: replace the characters of the existing value, then check that the result parses to
  // exactly the document `--set` would give.
  const YAML::Node old = node_at(before, path);
  const YAML::Node parent = parent_path(path).empty() ? before : node_at(before, parent_path(path));
  if (old.IsDefined() && !old.Mark().is_null() && old.Mark().pos >= 0) {
    const bool in_flow = parent.Style() == YAML::EmitterStyle::Flow;
    const size_t pos = size_t(old.Mark().pos);
    if (const auto end = token_end(text, pos, in_flow)) {
      std::string replacement = value_yaml;
      const YAML::Node v = YAML::Load(value_yaml);
      if (!v.IsScalar()) replacement = flow_yaml(v);
      const std::string edited = text.substr(0, pos) + replacement + text.substr(*end);
      try {
        if (same(YAML::Load(edited), wanted)) return edited;
      } catch (const YAML::Exception&) {
        // fall through to re-emitting
      }
    }
  }
  std::string out = YAML::Dump(wanted);
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

}  // namespace trainsite::gui
