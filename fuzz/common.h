// Shared by the fuzz targets: the shipped catalog (loaded once) and the input conventions.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "models/catalog.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::fuzz {

// The catalog every target resolves ids against: $TRAINSITE_DATA or the source tree's data/.
inline const models::Catalog& catalog() {
  static const models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  return cat;
}

// A fuzz input is YAML text; its lines starting with "#set " (YAML comments, so the document is
// unchanged) are `--set` assignments applied in order. Seeds stay plain, valid scenario files.
struct Input {
  std::string yaml;
  std::vector<std::string> overrides;
};

inline Input split_input(const uint8_t* data, size_t size) {
  Input in;
  in.yaml.assign(reinterpret_cast<const char*>(data), size);
  std::string_view rest(in.yaml);
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    if (line.substr(0, 5) == "#set ") in.overrides.emplace_back(line.substr(5));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  return in;
}

// Anything but the documented error types escaping a target is a bug: report and crash so
// libFuzzer keeps the reproducer.
[[noreturn]] inline void unexpected(const char* what) {
  std::fprintf(stderr, "fuzz: unexpected exception escaped: %s\n", what);
  std::abort();
}

}  // namespace trainsite::fuzz
