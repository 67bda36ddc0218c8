// PDF reports with Qt (QPdfWriter + QTextDocument, charts drawn with Qt Charts offscreen). Built
// into trainsite_reports_qt only when TRAINSITE_GUI is ON, so the core builds without Qt.
#pragma once

#include <string>

#include "reports/report.h"

namespace trainsite::reports {

// Writes `d` as a PDF to `path` (atomically: temporary file + rename). Creates a QApplication
// (offscreen platform unless QT_QPA_PLATFORM is set) when none exists.
void write_report_pdf(const ReportData& d, const std::string& path);

}  // namespace trainsite::reports
