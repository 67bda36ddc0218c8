// `trainsite calibrate MICROBENCH.json|LOG... --out data/calibration/NAME.yaml`: the command. The fitting
// core (what determines which figure, the fits, the written document) is calibration/calibrate.h; this
// file loads the inputs and the catalog, and writes the file atomically.
#include "calibration/calibrate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "scenarios/catalog_loader.h"

namespace trainsite::cli {

using namespace trainsite::models;
using calibration::Measurements;

int cmd_calibrate(CalibrateOptions o, const Common& c) {
  const auto dir = c.data_dir.empty() ? scenarios::default_data_dir() : std::filesystem::path(c.data_dir);
  const Catalog cat = scenarios::load_catalog(dir);
  std::vector<Measurements> inputs;
  for (const auto& f : o.inputs)
    inputs.push_back(calibration::load_measurements(f, {o.op, o.ranks, o.nodes}));
  const Gpu* gpu = resolve_gpu(cat, o.gpu, inputs);
  const std::filesystem::path out(o.out);
  if (o.name.empty()) o.name = out.stem().string();
  const Calibration base = gpu ? scenarios::load_calibration(dir, "default", *gpu) : Calibration{};
  const CalibrationDoc d = calibrate(inputs, cat, base, gpu, o);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  const std::string tmp = o.out + ".tmp";
  {
    std::ofstream f(tmp);
    f << d.yaml;
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, out);
  if (c.json) {
    nlohmann::ordered_json j;
    j["out"] = o.out;
    j["name"] = o.name;
    j["gpu"] = gpu ? gpu->id : "";
    j["fitted"] = d.fitted;
    std::cout << j.dump(2) << "\n";
  } else {
    fmt::print("wrote {} (calibration '{}'{}): fitted {}\n", o.out, o.name, gpu ? ", GPU " + gpu->id : "",
               fmt::join(d.fitted, ", "));
  }
  return 0;
}

}  // namespace trainsite::cli
