// Chrome/Perfetto trace-event JSON of a DES iteration: one track (thread) per stage actor and per
// stage's DP collectives, complete ("X") events in microseconds. Opens in ui.perfetto.dev.
#pragma once

#include <string>

#include "sim/iteration_engine.h"

namespace trainsite::sim {

std::string trace_json(const DesResult& r, const std::string& scenario);
// Writes atomically (temporary file + rename); throws std::runtime_error on failure.
void write_trace(const DesResult& r, const std::string& scenario, const std::string& path);

}  // namespace trainsite::sim
