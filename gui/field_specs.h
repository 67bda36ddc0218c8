// The scenario editor's fields: YAML path, label, unit, widget kind and the tooltip (from
// docs/scenarios.md). The form is generated from this table; it holds no model logic.
#pragma once

#include <string>
#include <vector>

namespace trainsite::gui {

enum class FieldKind {
  integer,       // spin box
  integer_auto,  // spin box whose lowest value reads "auto"
  number,        // text: any YAML number (300e9)
  number_auto,   // text: a number, or empty for auto/null
  boolean,       // check box
  choice,        // combo box of `choices`
  gpu,           // combo box of catalog GPUs
  model,         // combo box of catalog model presets
  stack,         // combo box of the catalog's software stacks (data/software.yaml)
  text,          // free text
};

struct FieldSpec {
  std::string path;   // dotted YAML path, the loader's field name
  std::string label;  // form label
  FieldKind kind = FieldKind::number;
  std::string unit;      // shown after the editor
  std::string tooltip;   // what the field means, from docs/scenarios.md
  std::string fallback;  // the loader's default, shown when the key is absent (and no stack sets it)
  std::vector<std::string> choices = {};
  int min = 1, max = 1 << 20;
  std::string auto_value = "auto";  // what "auto"/empty writes (`null` for node_power_kw)
};

struct SectionSpec {
  std::string key;    // top-level key, e.g. "parallelism" (layout errors name it)
  std::string title;  // group box title
  std::vector<FieldSpec> fields;
};

const std::vector<SectionSpec>& scenario_sections();

}  // namespace trainsite::gui
