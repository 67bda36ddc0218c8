#include "gui/report_export.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QWidget>

#ifdef TRAINSITE_GUI_HAS_REPORT
#include "models/site/sensitivity.h"
#include "reports/report.h"
#include "reports/report_pdf.h"
#include "reports/store.h"
#endif

namespace trainsite::gui {

#ifdef TRAINSITE_GUI_HAS_REPORT
bool report_export_available(QString* why) {
  if (why) why->clear();
  return true;
}

bool write_report(const ScenarioDocument& doc, const models::Result& shown, const QString& path,
                  QString* error) {
  const Validation v = doc.validate();
  if (!v.ok()) {
    if (error) *error = v.full_message;
    return false;
  }
  try {
    // The report's content comes from the reports library; the sensitivity, break-even and start-month
    // pages re-run the model on the shown result (models::add_robustness).
    models::Result r = shown;
    if (r.sites.empty() || r.sites.front().sensitivity.empty())
      models::add_robustness(*v.scenario, doc.catalog().sensitivity, r);
    const reports::ReportData d = reports::scenario_report(*v.scenario, r, &doc.catalog());
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == "pdf")
      reports::write_report_pdf(d, path.toStdString());
    else if (ext == "csv")
      reports::write_file_atomic(path.toStdString(), reports::report_csv(d));
    else
      reports::write_file_atomic(path.toStdString(), reports::report_html(d));
  } catch (const std::exception& e) {
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  return true;
}

void export_report(QWidget* parent, const ScenarioDocument& doc,
                   const std::optional<models::Result>& analytic, const std::optional<models::Result>& des) {
  if (!analytic) {
    QMessageBox::information(parent, QObject::tr("Export report"), QObject::tr("Fix the scenario first."));
    return;
  }
  const QString base =
      doc.path().isEmpty() ? QStringLiteral("report") : QFileInfo(doc.path()).completeBaseName();
  const QString path =
      QFileDialog::getSaveFileName(parent, QObject::tr("Export report"), base + QStringLiteral(".pdf"),
                                   QObject::tr("PDF (*.pdf);;HTML (*.html);;CSV (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!write_report(doc, des ? *des : *analytic, path, &error))
    QMessageBox::critical(parent, QObject::tr("Export report"),
                          QObject::tr("Cannot write %1: %2").arg(path, error));
}
#else
bool report_export_available(QString* why) {
  if (why)
    *why = QStringLiteral(
        "Report export needs the reports library's report writer (reports/report.h), which is "
        "not in this build.");
  return false;
}

bool write_report(const ScenarioDocument&, const models::Result&, const QString&, QString* error) {
  report_export_available(error);
  return false;
}

void export_report(QWidget*, const ScenarioDocument&, const std::optional<models::Result>&,
                   const std::optional<models::Result>&) {}
#endif

}  // namespace trainsite::gui
