// libFuzzer target: the measurement parsers behind `calibrate` and `validate --microbench`:
// nccl-tests logs, Megatron-LM training logs and microbench JSON. The first byte picks the parser.
// Truncated or corrupt input must end in scenarios::InputError; anything else escaping, a crash,
// a hang or a sanitizer report is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz/common.h"
#include "scenarios/errors.h"
#include "calibration/microbench_io.h"

using namespace trainsite;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0: {
        std::istringstream in(text);
        (void)calibration::to_json(calibration::parse_nccl_tests_log(in, "fuzz.log"));
        break;
      }
      case 1: {
        std::istringstream in(text);
        (void)calibration::to_json(calibration::parse_megatron_log(in, "fuzz.log"));
        break;
      }
      default: (void)calibration::to_json(calibration::parse_microbench_json(text, "fuzz.json"));
    }
  } catch (const scenarios::InputError&) {
  } catch (const std::exception& e) {
    fuzz::unexpected(e.what());
  }
  return 0;
}
