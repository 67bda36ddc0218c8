#include "gui/main_window.h"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextBlock>
#include <QToolBar>
#include <QVBoxLayout>

#include "gui/catalog_browser.h"
#include "gui/charts.h"
#include "gui/plan_panel.h"
#include "gui/report_export.h"
#include "gui/results_model.h"
#include "gui/scenario_form.h"
#include "gui/sweep_browser.h"
#include "models/site/sensitivity.h"

namespace trainsite::gui {

namespace {
constexpr int kMaxRecent = 8;
}

MainWindow::MainWindow(const models::Catalog& catalog, std::filesystem::path data_dir, QWidget* parent)
    : QMainWindow(parent), doc_(catalog, data_dir), data_dir_(std::move(data_dir)) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(150);
  yaml_debounce_.setSingleShot(true);
  yaml_debounce_.setInterval(300);
  connect(&debounce_, &QTimer::timeout, this, &MainWindow::refresh_now);
  connect(&yaml_debounce_, &QTimer::timeout, this, &MainWindow::yaml_edited);
  build_actions();
  build_layout();
  connect(&doc_, &ScenarioDocument::changed, this, &MainWindow::document_changed);
  connect(&doc_, &ScenarioDocument::path_changed, this, &MainWindow::update_title);
  connect(&runner_, &Runner::progress, progress_, &QProgressBar::setValue);
  connect(&runner_, &Runner::busy_changed, this, [this](bool busy) {
    progress_->setVisible(busy);
    progress_->setValue(0);
    cancel_act_->setEnabled(busy);
    simulate_act_->setEnabled(!busy && validation_.ok() && simulate_act_->data().toBool());
    state_->setText(busy ? tr("Simulating…") : QString());
  });
  connect(&runner_, &Runner::finished, this, [this](const models::Result& r) {
    des_ = r;
    show_results();
    statusBar()->showMessage(tr("Simulation finished"), 5000);
  });
  connect(&runner_, &Runner::failed, this, [this](const QString& m) {
    message(QStringLiteral("<b>Simulation failed:</b> ") + m.toHtmlEscaped());
  });
  connect(&runner_, &Runner::cancelled, this,
          [this] { statusBar()->showMessage(tr("Simulation cancelled"), 5000); });
  doc_.reset(QString(), QString());
  update_title();
}

void MainWindow::build_actions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  open_act_ = file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::open_dialog);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  save_act_ = file->addAction(tr("&Save"), QKeySequence::Save, this, [this] { save(); });
  save_as_act_ = file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, [this] { save_as(); });
  file->addSeparator();
  export_act_ = file->addAction(tr("&Export Report…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                                [this] { export_report(this, doc_, analytic_, des_); });
  QString why;
  export_act_->setEnabled(report_export_available(&why));
  export_act_->setToolTip(why.isEmpty() ? tr("Write the site comparison as PDF, HTML or CSV") : why);
  file->addAction(tr("Open S&weep Database…"), this, [this] {
    show_tab(QStringLiteral("sweeps"));
    sweeps_->open_dialog();
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  undo_act_ = doc_.undo_stack()->createUndoAction(this, tr("&Undo"));
  undo_act_->setShortcuts({QKeySequence::Undo});
  redo_act_ = doc_.undo_stack()->createRedoAction(this, tr("&Redo"));
  redo_act_->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Y), QKeySequence::Redo});
  edit->addAction(undo_act_);
  edit->addAction(redo_act_);

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  estimate_act_ = run->addAction(tr("&Estimate"), QKeySequence(Qt::Key_F5), this, &MainWindow::refresh_now);
  estimate_act_->setToolTip(tr("Analytic estimate per site (F5); it also updates as you edit"));
  simulate_act_ = run->addAction(tr("&Simulate"), QKeySequence(Qt::Key_F6), this, &MainWindow::simulate);
  cancel_act_ = run->addAction(tr("&Cancel"), QKeySequence(Qt::Key_Escape), &runner_, &Runner::cancel);
  plan_act_ = run->addAction(tr("&Plan"), QKeySequence(Qt::Key_F7), this, &MainWindow::plan);
  plan_act_->setToolTip(
      tr("Search every valid layout of this cluster and fill the form with the fastest (F7)"));
  cancel_act_->setEnabled(false);
  cancel_act_->setToolTip(tr("Stop the running simulation (Esc)"));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (const char* t : {"compare", "catalog", "sweeps"})
    view->addAction(QString::fromLatin1(t).replace(0, 1, QChar::fromLatin1(char(t[0] - 32))), this,
                    [this, t] { show_tab(QString::fromLatin1(t)); });

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("mainToolBar"));
  bar->setToolButtonStyle(Qt::ToolButtonTextOnly);
  bar->addActions({open_act_, save_act_});
  bar->addSeparator();
  bar->addActions({undo_act_, redo_act_});
  bar->addSeparator();
  bar->addActions({estimate_act_, simulate_act_, cancel_act_, plan_act_});
  rebuild_recent_menu();
}

void MainWindow::build_layout() {
  form_ = new ScenarioForm(&doc_);
  yaml_ = new QPlainTextEdit;
  yaml_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  yaml_->setLineWrapMode(QPlainTextEdit::NoWrap);
  yaml_->setToolTip(tr("The scenario as the CLI reads it (trainsite/v1); form and YAML stay in sync"));
  connect(yaml_, &QPlainTextEdit::textChanged, this, [this] {
    if (!syncing_yaml_) yaml_debounce_.start();
  });
  editor_tabs_ = new QTabWidget;
  editor_tabs_->addTab(form_, tr("Scenario"));
  editor_tabs_->addTab(yaml_, tr("YAML"));

  summary_ = new QLabel;
  summary_->setWordWrap(true);
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  site_model_ = new SiteTableModel(this);
  table_ = new QTableView;
  table_->setModel(site_model_);
  table_->setSelectionMode(QAbstractItemView::NoSelection);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  connect(site_model_, &QAbstractItemModel::modelReset, table_,
          [this] { table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents); });
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setToolTip(tr("Headline results per site; the better site per row is in bold"));
  charts_ = new CompareCharts;
  auto* compare = new QWidget;
  auto* cv = new QVBoxLayout(compare);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(charts_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 1);
  cv->addWidget(summary_);
  cv->addWidget(split, 1);
  sweeps_ = new SweepBrowser;
  result_tabs_ = new QTabWidget;
  result_tabs_->addTab(compare, tr("Compare sites"));
  result_tabs_->addTab(new CatalogBrowser(doc_.catalog()), tr("Catalog"));
  result_tabs_->addTab(sweeps_, tr("Sweeps"));
  plan_ = new PlanPanel(&doc_);
  result_tabs_->addTab(plan_, tr("Plan"));
  connect(plan_, &PlanPanel::applied, this, [this](const QString& m) {
    message(m.toHtmlEscaped() + tr(" (Edit ▸ Undo restores yours)"));
    refresh_now();
  });

  auto* main = new QSplitter(Qt::Horizontal);
  main->addWidget(editor_tabs_);
  main->addWidget(result_tabs_);
  main->setStretchFactor(0, 2);
  main->setStretchFactor(1, 3);
  main->setSizes({720, 880});  // relative: the form's two columns fit without scrolling sideways
  setCentralWidget(main);

  messages_ = new QLabel;
  messages_->setWordWrap(true);
  messages_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  messages_->setMargin(6);
  auto* dock = new QDockWidget(tr("Messages"));
  dock->setObjectName(QStringLiteral("messagesDock"));
  dock->setWidget(messages_);
  dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::BottomDockWidgetArea, dock);

  state_ = new QLabel;
  progress_ = new QProgressBar;
  progress_->setRange(0, 100);
  progress_->setVisible(false);
  progress_->setToolTip(tr("Simulation progress; Esc cancels"));
  statusBar()->addPermanentWidget(state_);
  statusBar()->addPermanentWidget(progress_);
}

void MainWindow::message(const QString& html) {
  messages_->setText(html);
}

void MainWindow::document_changed() {
  des_.reset();  // a simulation of another document is stale
  if (yaml_->toPlainText() != doc_.text()) {
    syncing_yaml_ = true;
    const int pos = yaml_->textCursor().position();
    yaml_->setPlainText(doc_.text());
    QTextCursor c = yaml_->textCursor();
    c.setPosition(std::min(pos, int(doc_.text().size())));
    yaml_->setTextCursor(c);
    syncing_yaml_ = false;
  }
  debounce_.start();
  update_title();
}

void MainWindow::yaml_edited() {
  doc_.set_text(yaml_->toPlainText());
}

void MainWindow::refresh_now() {
  debounce_.stop();
  if (yaml_debounce_.isActive()) {
    yaml_debounce_.stop();
    yaml_edited();
  }
  validation_ = doc_.validate();
  form_->show_validation(validation_);
  QList<QTextEdit::ExtraSelection> marks;
  if (!validation_.ok() && validation_.line > 0) {
    QTextEdit::ExtraSelection s;
    s.format.setBackground(QColor(255, 220, 215));
    s.format.setProperty(QTextFormat::FullWidthSelection, true);
    s.cursor = QTextCursor(yaml_->document()->findBlockByNumber(validation_.line - 1));
    marks << s;
  }
  yaml_->setExtraSelections(marks);
  QString why;
  const bool sim_ok = validation_.ok() && simulate_job(*validation_.scenario, &why).has_value();
  simulate_act_->setData(sim_ok);
  simulate_act_->setEnabled(sim_ok && !runner_.running());
  simulate_act_->setToolTip(
      validation_.ok() ? (sim_ok ? tr("DES iteration + campaign per site in the background (F6)") : why)
                       : tr("Fix the scenario first: ") + validation_.message);
  estimate_act_->setEnabled(validation_.ok());
  plan_act_->setEnabled(validation_.ok() || validation_.planning);  // planning fixes a bad layout
  if (!validation_.ok()) {
    analytic_.reset();
    state_->setText(tr("Invalid scenario"));
    message(QStringLiteral("<span style='color:#b3261e'><b>Invalid:</b> %1</span>")
                .arg(validation_.full_message.toHtmlEscaped()));
    summary_->setText(tr("<i>No results: the scenario is invalid (see Messages).</i>"));
    site_model_->set_result(models::Result{});  // never show numbers of another document
    charts_->setVisible(false);
    return;
  }
  try {
    analytic_ = models::estimate(*validation_.scenario);
    state_->setText(runner_.running() ? tr("Simulating…") : tr("Valid"));
    message(tr("Scenario valid. Estimate updated."));
  } catch (const std::exception& e) {  // e.g. models::PowerCapError (policy refuse)
    analytic_.reset();
    site_model_->set_result(models::Result{});
    charts_->setVisible(false);
    message(QStringLiteral("<span style='color:#b3261e'><b>Estimate failed:</b> %1</span>")
                .arg(QString::fromStdString(e.what()).toHtmlEscaped()));
  }
  show_results();
}

void MainWindow::show_results() {
  if (!analytic_) return;
  const models::Result& shown = des_ ? *des_ : *analytic_;
  site_model_->set_result(shown);
  charts_->setVisible(true);
  // The sensitivity and start-month page re-runs the model (models::add_robustness, ~15 ms for two sites,
  // ~0.1 s for five sites and a long run): done when that page is shown, not on every keystroke.
  charts_->set_results(*analytic_, des_,
                       [sc = *validation_.scenario, ranges = doc_.catalog().sensitivity](models::Result& r) {
                         models::add_robustness(sc, ranges, r);
                       });
  const auto& sc = *validation_.scenario;
  summary_->setText(
      tr("<b>%1</b> — %2 on %3 × %4 (%5 nodes), tp %6 · pp %7 · dp %8 · %9 engine. "
         "Memory %10 GB of the %11 GB usable per GPU (stage %12).")
          .arg(QString::fromStdString(sc.name).toHtmlEscaped(), QString::fromStdString(sc.workload.model.id))
          .arg(sc.cluster.gpus())
          .arg(QString::fromStdString(sc.cluster.gpu.id))
          .arg(sc.cluster.nodes)
          .arg(sc.parallelism.tp)
          .arg(sc.parallelism.pp)
          .arg(shown.iteration.dp)
          .arg(QString::fromStdString(shown.engine))
          .arg(shown.memory.total_GB(), 0, 'f', 1)
          .arg(shown.memory.usable_GB, 0, 'f', 1)
          .arg(shown.memory.stage));
}

void MainWindow::simulate() {
  refresh_now();
  if (!validation_.ok() || runner_.running()) return;
  QString why;
  if (auto job = simulate_job(*validation_.scenario, &why))
    runner_.start(std::move(*job));
  else
    message(why.toHtmlEscaped());
}

void MainWindow::plan() {
  refresh_now();
  const auto& sc = validation_.ok() ? validation_.scenario : validation_.planning;
  if (!sc || plan_->running()) return;
  show_tab(QStringLiteral("plan"));
  plan_->start(*sc);
}

void MainWindow::show_tab(const QString& name) {
  if (name == "form")
    editor_tabs_->setCurrentIndex(0);
  else if (name == "yaml")
    editor_tabs_->setCurrentIndex(1);
  else if (name == "compare")
    result_tabs_->setCurrentIndex(0);
  else if (name == "catalog")
    result_tabs_->setCurrentIndex(1);
  else if (name == "sweeps")
    result_tabs_->setCurrentIndex(2);
  else if (name == "plan")
    result_tabs_->setCurrentWidget(plan_);
  else if (name == "sensitivity") {  // the compare tab's second page: tornado and start months
    result_tabs_->setCurrentIndex(0);
    charts_->pages()->setCurrentIndex(1);
  }
}

void MainWindow::update_title() {
  const QString name = doc_.path().isEmpty() ? tr("untitled.yaml") : QFileInfo(doc_.path()).fileName();
  setWindowTitle(name + QStringLiteral("[*] — trainsite"));
  setWindowModified(doc_.modified());
}

bool MainWindow::open_file(const QString& path) {
  try {
    doc_.load_file(path);
  } catch (const std::exception& e) {
    if (!quiet_)
      QMessageBox::critical(this, tr("Open scenario"), tr("Cannot open %1: %2").arg(path, e.what()));
    message(
        tr("Cannot open %1: %2").arg(path.toHtmlEscaped(), QString::fromStdString(e.what()).toHtmlEscaped()));
    return false;
  }
  add_recent(doc_.path());
  refresh_now();
  return true;
}

bool MainWindow::save_to(const QString& path) {
  try {
    doc_.save_file(path);
  } catch (const std::exception& e) {
    if (!quiet_)
      QMessageBox::critical(this, tr("Save scenario"), tr("Cannot save %1: %2").arg(path, e.what()));
    return false;
  }
  add_recent(doc_.path());
  statusBar()->showMessage(tr("Saved %1").arg(doc_.path()), 5000);
  return true;
}

void MainWindow::open_dialog() {
  if (!maybe_save()) return;
  const QString p =
      QFileDialog::getOpenFileName(this, tr("Open scenario"), QFileInfo(doc_.path()).absolutePath(),
                                   tr("Scenarios (*.yaml *.yml);;All files (*)"));
  if (!p.isEmpty()) open_file(p);
}

bool MainWindow::save() {
  return doc_.path().isEmpty() ? save_as() : save_to(doc_.path());
}

bool MainWindow::save_as() {
  const QString p =
      QFileDialog::getSaveFileName(this, tr("Save scenario as"), doc_.path(), tr("Scenarios (*.yaml *.yml)"));
  return !p.isEmpty() && save_to(p);
}

bool MainWindow::maybe_save() {
  if (!doc_.modified() || quiet_) return true;
  const auto b = QMessageBox::warning(this, tr("Unsaved changes"), tr("Save the changes to the scenario?"),
                                      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  return b == QMessageBox::Save ? save() : b == QMessageBox::Discard;
}

void MainWindow::closeEvent(QCloseEvent* e) {
  if (maybe_save()) {
    runner_.cancel();
    e->accept();
  } else {
    e->ignore();
  }
}

void MainWindow::add_recent(const QString& path) {
  QSettings s;
  QStringList list = s.value(QStringLiteral("recent")).toStringList();
  list.removeAll(path);
  list.prepend(path);
  while (list.size() > kMaxRecent) list.removeLast();
  s.setValue(QStringLiteral("recent"), list);
  rebuild_recent_menu();
}

void MainWindow::rebuild_recent_menu() {
  recent_menu_->clear();
  const QStringList list = QSettings().value(QStringLiteral("recent")).toStringList();
  for (const QString& p : list)
    recent_menu_
        ->addAction(QFileInfo(p).fileName(), this,
                    [this, p] {
                      if (maybe_save()) open_file(p);
                    })
        ->setToolTip(p);
  recent_menu_->setEnabled(!list.isEmpty());
}

}  // namespace trainsite::gui
