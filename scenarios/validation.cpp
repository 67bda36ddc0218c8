#include "scenarios/validation.h"

#include <fmt/format.h>

#include "scenarios/yaml_reader.h"

namespace trainsite::scenarios {

const std::vector<std::string>& validation_metrics() {
  static const std::vector<std::string> m = {"tflops_per_gpu", "mfu", "step_time_s", "tokens_per_s"};
  return m;
}

namespace {

// The record's scenario for the loader. `--set` overrides edit the node they are given, so they get
// a copy; without overrides the node itself goes, because a copy (YAML::Clone) loses the line and
// column marks that error messages point at.
YAML::Node scenario_node(const Section& s, bool copy) {
  return copy ? YAML::Clone(s.at("scenario")) : s.at("scenario");
}

}  // namespace

std::vector<ValidationRecord> load_validation(const std::string& path, const models::Catalog& cat,
                                              const LoadOptions& opt) {
  const Section root(load_yaml_file(path), "", path);
  root.allow({"schema", "records"});
  if (root.string("schema", "") != "trainsite/validation/v1")
    root.fail("schema", "expected 'trainsite/validation/v1'");
  const YAML::Node recs = root.at("records");
  if (!recs.IsDefined() || !recs.IsSequence()) root.fail("records", "expected a list of records");
  std::vector<ValidationRecord> out;
  for (size_t i = 0; i < recs.size(); ++i) {
    const Section s(recs[i], fmt::format("records[{}]", i), path);
    s.allow({"id", "source", "scenario", "measured", "flop_convention", "notes"});
    ValidationRecord r;
    r.id = s.string("id", "");
    if (r.id.empty()) s.fail("id", "every record needs an id");
    r.source = s.string("source", "");
    r.flop_convention = s.one_of("flop_convention", "megatron-with-recompute",
                                 {"megatron-with-recompute", "model", "hardware"});
    const Section m = s.child("measured");
    for (const auto& kv : m.node()) {
      const std::string k = kv.first.as<std::string>();
      r.measured[k] = m.positive(k, 0);
    }
    bool any = false;
    for (const auto& k : validation_metrics()) any = any || r.measured.count(k);
    if (!any) s.fail("measured", "needs one of tflops_per_gpu, mfu, step_time_s, tokens_per_s");
    LoadOptions partial = opt;
    partial.partial = true;
    try {
      r.scenario = scenario_from_yaml(scenario_node(s, !opt.overrides.empty()), path, cat, partial);
      r.scenario->name = r.id;
    } catch (const InputError& e) {
      // A record the model cannot represent is reported with the reason, never dropped.
      r.unsupported_reason = e.what();
      partial.parse_only = true;
      try {
        r.as_written = scenario_from_yaml(scenario_node(s, !opt.overrides.empty()), path, cat, partial);
        r.as_written->name = r.id;
      } catch (const InputError&) {  // not even parseable: the record stays ungrouped
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace trainsite::scenarios
