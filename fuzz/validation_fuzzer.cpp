// libFuzzer target: validation records (trainsite/validation/v1) -> loader -> the analytic
// prediction `validate` makes for each modelled record. Records the model cannot represent must come back
// with a reason (never an escape); any exception but InputError/GuardError, crash, hang or sanitizer report
// is a bug.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "fuzz/common.h"
#include "models/estimate.h"
#include "models/guards.h"
#include "scenarios/errors.h"
#include "scenarios/validation.h"

using namespace trainsite;

namespace {
// load_validation reads a path; one scratch file per process.
const std::string& scratch() {
  static const std::string p = (std::filesystem::temp_directory_path() /
                                ("trainsite-fuzz-validation-" + std::to_string(getpid()) + ".yaml"))
                                   .string();
  return p;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::catalog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::ofstream out(scratch(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  }
  try {
    scenarios::LoadOptions opt;
    opt.data_dir = scenarios::default_data_dir();
    opt.partial = true;
    const auto records = scenarios::load_validation(scratch(), fuzz::catalog(), opt);
    for (const auto& r : records)
      if (r.scenario) (void)models::estimate(*r.scenario);
  } catch (const scenarios::InputError&) {
  } catch (const models::GuardError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected(e.what());
  }
  return 0;
}
