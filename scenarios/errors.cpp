#include "scenarios/errors.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

namespace trainsite::scenarios {

namespace {
std::string format_error(const Location& w, const std::string& field, const std::string& message) {
  std::string where = w.file.empty() ? "<input>" : w.file;
  if (w.line > 0) where += fmt::format(":{}:{}", w.line, w.column);
  return field.empty() ? fmt::format("{}: error: {}", where, message)
                       : fmt::format("{}: error: field '{}': {}", where, field, message);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

InputError::InputError(Location where, std::string field, const std::string& message)
    : std::runtime_error(format_error(where, field, message)),
      where_(std::move(where)),
      field_(std::move(field)),
      message_(message) {}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(3, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::string lw = word, lc = c;
    std::transform(lw.begin(), lw.end(), lw.begin(), ::tolower);
    std::transform(lc.begin(), lc.end(), lc.begin(), ::tolower);
    size_t d = edit_distance(lw, lc);
    if (lc.find(lw) != std::string::npos && !lw.empty()) d = std::min(d, size_t(1));
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best.empty() ? "" : fmt::format("did you mean '{}'?", best);
}

}  // namespace trainsite::scenarios
