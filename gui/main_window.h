// The planner's main window: scenario editor (form + YAML) on the left, results on the right
// (site comparison table and charts, catalog, sweeps), messages at the bottom.
#pragma once

#include <QMainWindow>
#include <QTimer>
#include <optional>

#include "gui/document.h"
#include "gui/runner.h"

class QAction;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QTabWidget;
class QTableView;
class QToolButton;

namespace trainsite::gui {

class CompareCharts;
class PlanPanel;
class ScenarioForm;
class SiteTableModel;
class SweepBrowser;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(const models::Catalog& catalog, std::filesystem::path data_dir, QWidget* parent = nullptr);

  bool open_file(const QString& path);  // shows an error dialog unless `quiet_`
  bool save_to(const QString& path);
  void set_quiet(bool quiet) { quiet_ = quiet; }  // no modal dialogs (tests, screenshots)

  // Validate and estimate now (the editor does it 150 ms after the last keystroke).
  void refresh_now();
  void simulate();
  void plan();  // the planner on the current scenario (Plan tab); fills the form with its layout
  void show_tab(const QString& name);  // compare | sensitivity | catalog | sweeps | plan | form | yaml

  ScenarioDocument* document() { return &doc_; }
  ScenarioForm* form() const { return form_; }
  QPlainTextEdit* yaml_editor() const { return yaml_; }
  SiteTableModel* site_model() const { return site_model_; }
  Runner* runner() { return &runner_; }
  QAction* estimate_action() const { return estimate_act_; }
  QAction* simulate_action() const { return simulate_act_; }
  QAction* cancel_action() const { return cancel_act_; }
  QAction* plan_action() const { return plan_act_; }
  PlanPanel* plan_panel() const { return plan_; }
  const Validation& validation() const { return validation_; }
  const std::optional<models::Result>& analytic() const { return analytic_; }
  const std::optional<models::Result>& des() const { return des_; }
  SweepBrowser* sweeps() const { return sweeps_; }

 protected:
  void closeEvent(class QCloseEvent* e) override;

 private:
  void build_actions();
  void build_layout();
  void document_changed();
  void update_title();
  void show_results();
  void yaml_edited();
  void add_recent(const QString& path);
  void rebuild_recent_menu();
  bool maybe_save();
  void open_dialog();
  bool save();
  bool save_as();
  void message(const QString& html);

  ScenarioDocument doc_;
  std::filesystem::path data_dir_;
  Runner runner_;
  QTimer debounce_, yaml_debounce_;
  Validation validation_;
  std::optional<models::Result> analytic_, des_;
  bool quiet_ = false;
  bool syncing_yaml_ = false;

  ScenarioForm* form_ = nullptr;
  QPlainTextEdit* yaml_ = nullptr;
  QTabWidget* editor_tabs_ = nullptr;
  QTabWidget* result_tabs_ = nullptr;
  QLabel* summary_ = nullptr;
  QLabel* messages_ = nullptr;
  QTableView* table_ = nullptr;
  SiteTableModel* site_model_ = nullptr;
  CompareCharts* charts_ = nullptr;
  SweepBrowser* sweeps_ = nullptr;
  PlanPanel* plan_ = nullptr;
  QAction* plan_act_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* state_ = nullptr;
  QMenu* recent_menu_ = nullptr;
  QAction *open_act_, *save_act_, *save_as_act_, *undo_act_, *redo_act_, *estimate_act_, *simulate_act_,
      *cancel_act_, *export_act_;
};

}  // namespace trainsite::gui
