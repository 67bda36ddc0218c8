// libFuzzer target: sweep files (trainsite/sweep/v1) -> load_sweep_file -> the first points resolved,
// their constraints evaluated and hashed, as `trainsite sweep` does before running a point. Bad
// input must end in scenarios::InputError; anything else escaping, a crash or a hang is a bug.
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include "fuzz/common.h"
#include "scenarios/errors.h"
#include "scenarios/sweep_file.h"

using namespace trainsite;

namespace {
const std::string& scratch() {
  static const std::string p = (std::filesystem::temp_directory_path() /
                                ("trainsite-fuzz-sweep-" + std::to_string(getpid()) + ".yaml"))
                                   .string();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(scratch(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  try {
    const scenarios::SweepFile sw = scenarios::load_sweep_file(scratch());
    const YAML::Node base = YAML::Load(sw.base_text);
    const uint64_t n = std::min<uint64_t>(sw.point_count(), 8);
    for (uint64_t i = 0; i < n; ++i) {
      const YAML::Node point = scenarios::resolve_point(base, sw.point_overrides(i));
      (void)scenarios::failed_constraint(sw, point);
      (void)scenarios::point_hash(scenarios::canonical_yaml(point), sw.engine);
    }
  } catch (const scenarios::InputError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected(e.what());
  }
  return 0;
}
