// File > Export Report: the site comparison written by the reports library (PDF/HTML/CSV).
#pragma once

#include <QString>
#include <optional>

#include "gui/document.h"
#include "models/estimate.h"

class QWidget;

namespace trainsite::gui {

// False (and why) when this build's reports library has no report writer.
bool report_export_available(QString* why);
// Writes the report of `shown` to `path`; the extension picks PDF, HTML or CSV.
bool write_report(const ScenarioDocument& doc, const models::Result& shown, const QString& path,
                  QString* error);
void export_report(QWidget* parent, const ScenarioDocument& doc,
                   const std::optional<models::Result>& analytic, const std::optional<models::Result>& des);

}  // namespace trainsite::gui
