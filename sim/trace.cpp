#include "sim/trace.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace trainsite::sim {

std::string trace_json(const DesResult& r, const std::string& scenario) {
  using Json = nlohmann::ordered_json;
  Json events = Json::array();
  events.push_back({{"name", "process_name"},
                    {"ph", "M"},
                    {"pid", 0},
                    {"tid", 0},
                    {"args", {{"name", "trainsite DES: " + scenario}}}});
  for (size_t i = 0; i < r.tracks.size(); ++i) {
    events.push_back({{"name", "thread_name"},
                      {"ph", "M"},
                      {"pid", 0},
                      {"tid", int(i)},
                      {"args", {{"name", r.tracks[i]}}}});
    events.push_back({{"name", "thread_sort_index"},
                      {"ph", "M"},
                      {"pid", 0},
                      {"tid", int(i)},
                      {"args", {{"sort_index", int(i)}}}});
  }
  // Microseconds rounded to nanoseconds: stable bytes for the same run.
  auto us = [](double s) { return std::round(s * 1e9) / 1e3; };
  for (const auto& e : r.slices)
    events.push_back({{"name", e.name},
                      {"cat", e.cat},
                      {"ph", "X"},
                      {"ts", us(e.start_s)},
                      {"dur", us(e.dur_s)},
                      {"pid", 0},
                      {"tid", e.track}});
  Json doc;
  doc["traceEvents"] = std::move(events);
  doc["displayTimeUnit"] = "ms";
  return doc.dump();
}

void write_trace(const DesResult& r, const std::string& scenario, const std::string& path) {
  const std::filesystem::path target(path);
  const std::filesystem::path tmp = target.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write trace " + tmp.string());
    out << trace_json(r, scenario) << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write trace " + tmp.string());
  }
  std::filesystem::rename(tmp, target);
}

}  // namespace trainsite::sim
