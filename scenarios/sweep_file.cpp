#include "scenarios/sweep_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "scenarios/loader.h"
#include "scenarios/yaml_reader.h"

namespace trainsite::scenarios {

namespace {

std::string emit_flow(const YAML::Node& n) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << n;
  return out.c_str();
}

// Numbers in ranges print as integers when they are integral, so `cluster.nodes` stays an int.
std::string number_text(double v) {
  if (std::abs(v - std::round(v)) < 1e-9 * std::max(1.0, std::abs(v)) && std::abs(v) < 9e15)
    return fmt::format("{}", static_cast<long long>(std::llround(v)));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.12g", v);
  return buf;
}

// One value list: a YAML list, or a range {from, to, step} / {from, to, factor}. Values of the
// `sites` axis that are single ids are wrapped in a list, so each point runs one site.
std::vector<std::string> axis_values(const Section& axes, const std::string& key) {
  const YAML::Node n = axes.at(key);
  std::vector<std::string> out;
  if (n.IsSequence()) {
    for (const auto& v : n)
      out.push_back(key == "sites" && v.IsScalar() ? "[" + emit_flow(v) + "]" : emit_flow(v));
  } else if (n.IsMap()) {
    const Section r = axes.child(key);
    r.allow({"from", "to", "step", "factor"});
    if (!r.has("from") || !r.has("to")) r.fail("", "a range needs `from` and `to` (and `step` or `factor`)");
    const double from = r.number("from", 0), to = r.number("to", 0);
    if (r.has("step") == r.has("factor")) r.fail("", "a range needs exactly one of `step` or `factor`");
    if (r.has("step")) {
      const double step = r.number("step", 1);
      if (step == 0 || (to - from) / step < 0) r.fail("step", "the step must move `from` towards `to`");
      for (double v = from; step > 0 ? v <= to + 1e-9 * std::abs(step) : v >= to - 1e-9 * std::abs(step);
           v += step)
        out.push_back(number_text(v));
    } else {
      const double f = r.number("factor", 2);
      if (from <= 0 || f <= 0 || f == 1 || std::log(to / from) / std::log(f) < 0)
        r.fail("factor", "a geometric range needs from, to > 0 and a factor that moves from towards to");
      for (double v = from; f > 1 ? v <= to * (1 + 1e-9) : v >= to * (1 - 1e-9); v *= f)
        out.push_back(number_text(v));
    }
  } else {
    axes.fail(key, "expected a list of values or a range {from, to, step|factor}");
  }
  if (out.empty()) axes.fail(key, "the axis has no values");
  return out;
}

SweepAxis zip_group(const Section& g) {
  SweepAxis ax;
  size_t len = 0;
  for (const auto& kv : g.node()) {
    const std::string key = kv.first.as<std::string>();
    auto vals = axis_values(g, key);
    if (!ax.keys.empty() && vals.size() != len)
      g.fail(key, fmt::format("zipped axes need equal lengths: {} has {} values, {} has {}", key, vals.size(),
                              ax.keys.front(), len));
    len = vals.size();
    ax.keys.push_back(key);
    ax.values.resize(len);
    for (size_t i = 0; i < len; ++i) ax.values[i].push_back(vals[i]);
  }
  if (ax.keys.empty()) g.fail("", "an empty zip group");
  return ax;
}

}  // namespace

uint64_t SweepFile::point_count() const {
  uint64_t n = 1;
  for (const auto& a : axes) n *= a.size();
  return n;
}

std::vector<std::pair<std::string, std::string>> SweepFile::point_overrides(uint64_t index) const {
  // Mixed-radix decoding, last axis fastest.
  std::vector<size_t> pos(axes.size());
  for (size_t a = axes.size(); a-- > 0;) {
    pos[a] = index % axes[a].size();
    index /= axes[a].size();
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t a = 0; a < axes.size(); ++a)
    for (size_t k = 0; k < axes[a].keys.size(); ++k)
      out.emplace_back(axes[a].keys[k], axes[a].values[pos[a]][k]);
  return out;
}

SweepFile load_sweep_file(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw InputError(location_of(root, path), "", "a sweep file must be a YAML mapping");
  const Section s(root, "", path);
  s.allow({"schema", "name", "description", "base", "axes", "constraints", "engine"});
  SweepFile sw;
  sw.path = path;
  const std::string schema = s.string("schema", "");
  if (schema != "trainsite/sweep/v1")
    s.fail("schema", schema.empty()
                         ? "missing: the first line should be `schema: trainsite/sweep/v1`"
                         : fmt::format("unsupported schema '{}'; expected trainsite/sweep/v1", schema));
  sw.name = s.string("name", std::filesystem::path(path).stem().string());
  sw.engine = s.one_of("engine", "analytic", {"analytic", "des"});
  const YAML::Node base = s.at("base");
  if (!base.IsDefined())
    s.fail("base", "missing: a scenario file (relative to the sweep file) or an inline scenario");
  if (base.IsScalar()) {
    const auto p = std::filesystem::path(path).parent_path() / base.as<std::string>();
    if (!std::filesystem::exists(p)) s.fail("base", fmt::format("no such scenario file '{}'", p.string()));
    sw.base_file = p.string();
    sw.base_text = emit_flow(load_yaml_file(sw.base_file));
  } else if (base.IsMap()) {
    sw.base_file = path;
    sw.base_text = emit_flow(base);
  } else {
    s.fail("base", "expected a scenario file name or a scenario mapping");
  }
  if (s.has("axes")) {
    const Section axes = s.child("axes");
    for (const auto& kv : axes.node()) {
      const std::string key = kv.first.as<std::string>();
      if (key == "zip") {
        const YAML::Node z = axes.at("zip");
        if (z.IsMap()) {
          sw.axes.push_back(zip_group(axes.child("zip")));
        } else if (z.IsSequence()) {
          for (size_t i = 0; i < z.size(); ++i) {
            if (!z[i].IsMap())
              throw InputError(location_of(z[i], path), fmt::format("axes.zip[{}]", i), "expected a mapping");
            sw.axes.push_back(zip_group(Section(z[i], fmt::format("axes.zip[{}]", i), path)));
          }
        } else {
          axes.fail("zip", "expected a mapping of keys to equal-length lists (or a list of such mappings)");
        }
      } else {
        SweepAxis ax;
        ax.keys = {key};
        for (auto& v : axis_values(axes, key)) ax.values.push_back({v});
        sw.axes.push_back(std::move(ax));
      }
    }
  }
  const YAML::Node cons = s.at("constraints");
  if (cons.IsDefined() && !cons.IsNull()) {
    if (!cons.IsSequence())
      s.fail("constraints", "expected a list of expressions or {require, reason} mappings");
    const YAML::Node empty(YAML::NodeType::Map);
    for (size_t i = 0; i < cons.size(); ++i) {
      const std::string field = fmt::format("constraints[{}]", i);
      SweepConstraint c;
      if (cons[i].IsScalar()) {
        c.expr = cons[i].as<std::string>();
      } else if (cons[i].IsMap()) {
        const Section cs(cons[i], field, path);
        cs.allow({"require", "reason"});
        c.expr = cs.string("require", "");
        c.reason = cs.string("reason", "");
        if (c.expr.empty()) cs.fail("require", "missing: the expression every point must satisfy");
      } else {
        throw InputError(location_of(cons[i], path), field, "expected an expression or {require, reason}");
      }
      if (c.reason.empty()) c.reason = "constraint failed: " + c.expr;
      // Syntax errors surface at load time: parse against an empty document, tolerating missing keys.
      try {
        (void)eval_constraint(c.expr, empty);
      } catch (const InputError& e) {
        if (e.message().find("no key") == std::string::npos)
          throw InputError(location_of(cons[i], path), field, e.message());
      }
      sw.constraints.push_back(std::move(c));
    }
  }
  return sw;
}

YAML::Node resolve_point(const YAML::Node& base,
                         const std::vector<std::pair<std::string, std::string>>& overrides) {
  YAML::Node doc = YAML::Clone(base);
  for (const auto& [k, v] : overrides) apply_override(doc, k + "=" + v);
  return doc;
}

std::optional<std::string> failed_constraint(const SweepFile& sw, const YAML::Node& point) {
  for (const auto& c : sw.constraints)
    if (!eval_constraint(c.expr, point)) return c.reason;
  return std::nullopt;
}

namespace {

YAML::Node sorted(const YAML::Node& n) {
  if (n.IsMap()) {
    std::map<std::string, YAML::Node> keys;
    for (const auto& kv : n) keys.emplace(kv.first.as<std::string>(), kv.second);
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& [k, v] : keys) out[k] = sorted(v);
    return out;
  }
  if (n.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (const auto& v : n) out.push_back(sorted(v));
    return out;
  }
  return YAML::Clone(n);
}

}  // namespace

std::string canonical_yaml(const YAML::Node& doc) {
  return emit_flow(sorted(doc));
}

std::string point_hash(const std::string& canonical, const std::string& engine) {
  // FNV-1a 64 (Fowler, Noll, Vo): offset basis 14695981039346656037, prime 1099511628211.
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
  };
  mix(canonical);
  mix("\n");
  mix(engine);
  return fmt::format("{:016x}", h);
}

std::pair<uint64_t, uint64_t> parse_shard(const std::string& text) {
  unsigned long long i = 0, n = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%llu/%llu%c", &i, &n, &tail) != 2 || n == 0 || i >= n)
    throw InputError({"--shard", 0, 0}, "--shard",
                     fmt::format("expected i/N with 0 <= i < N, got '{}'", text));
  return {i, n};
}

}  // namespace trainsite::scenarios
