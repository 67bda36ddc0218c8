// The "Plan" tab: runs the planner (models::plan) on the scenario being edited, off the UI thread,
// shows the best layout per site with what bounds it and the runner-ups, and writes the chosen
// layout into the form as one undoable edit. The planner keeps the scenario's cluster and sites;
// `trainsite plan` searches cluster sizes and GPU types too.
#pragma once

#include <QFutureWatcher>
#include <QWidget>
#include <optional>

#include "gui/document.h"
#include "models/plan.h"

class QComboBox;
class QLabel;
class QPushButton;
class QTextBrowser;

namespace trainsite::gui {

class PlanPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PlanPanel(ScenarioDocument* doc, QWidget* parent = nullptr);
  ~PlanPanel() override;

  // Plans `sc` in the background; ignored while a plan runs. When it finishes, the best layout at
  // the first site goes into the document (undo restores the previous layout).
  void start(const models::Scenario& sc);
  bool running() const { return watcher_.isRunning(); }
  void wait() { watcher_.waitForFinished(); }
  const std::optional<models::PlanResult>& result() const { return result_; }

  // Writes the best layout at site `index` of result() into the document as one undoable edit.
  // False (and `why`) when there is no plan for that site.
  bool apply(int index, QString* why = nullptr);

 signals:
  void finished();                       // result() holds the plan (or the error is shown)
  void applied(const QString& summary);  // the layout went into the document

 private:
  struct Output {
    std::optional<models::PlanResult> result;
    QString error;
  };
  void show_result();

  ScenarioDocument* doc_;
  QFutureWatcher<Output> watcher_;
  std::optional<models::PlanResult> result_;
  QLabel* status_ = nullptr;
  QComboBox* site_ = nullptr;
  QPushButton* apply_ = nullptr;
  QTextBrowser* view_ = nullptr;
};

}  // namespace trainsite::gui
