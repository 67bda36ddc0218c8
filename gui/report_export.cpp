#include "gui/report_export.h"

namespace trainsite::gui {

bool report_export_available(QString* why) {
  if (why)
    *why = QStringLiteral(
        "Report export needs the reports library's report writer (reports/report.h), "
        "which is not in this build yet.");
  return false;
}

void export_report(QWidget*, const ScenarioDocument&, const std::optional<models::Result>&,
                   const std::optional<models::Result>&) {}

}  // namespace trainsite::gui
