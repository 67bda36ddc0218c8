// The simulate job: the DES iteration (sim/) then the campaign model per site (models::evaluate with
// engine "des"). Kept apart from runner.cpp so the engine's headers stay out of the rest of the GUI.
#include "gui/runner.h"

#ifdef TRAINSITE_GUI_HAS_SIM
#include "sim/iteration_engine.h"
#endif

namespace trainsite::gui {

#ifdef TRAINSITE_GUI_HAS_SIM
std::optional<Job> simulate_job(const models::Scenario& sc, QString*) {
  return Job([sc](const std::function<bool()>& cancelled, const std::function<void(int)>& progress) {
    progress(5);
    // SimGrid runs the iteration in one call; a cancel takes effect when it returns.
    const models::Iteration it = sim::simulate_iteration(sc);
    if (cancelled()) return models::Result{};
    progress(70);
    models::Result r = models::evaluate(sc, it, "des");
    progress(100);
    return r;
  });
}
#else
std::optional<Job> simulate_job(const models::Scenario&, QString* why) {
  if (why) *why = QStringLiteral("The DES engine (sim::simulate_iteration) is not in this build yet.");
  return std::nullopt;
}
#endif

}  // namespace trainsite::gui
