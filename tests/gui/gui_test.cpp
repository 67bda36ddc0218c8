// GUI tests under QT_QPA_PLATFORM=offscreen: the planner's workflow on a shipped scenario.
#include <QAbstractBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>
#include <thread>

#include "gui/main_window.h"
#include "gui/plan_panel.h"
#include "gui/report_export.h"
#include "gui/results_model.h"
#include "gui/runner.h"
#include "gui/scenario_form.h"
#include "gui/sweep_browser.h"
#include "gui/yaml_edit.h"
#include "models/site/sensitivity.h"
#include "scenarios/catalog_loader.h"

using namespace trainsite;
using gui::MainWindow;

namespace {
const QString kA800 =
    QStringLiteral(TRAINSITE_SOURCE_DIR "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml");

QByteArray read_all(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}
}  // namespace

class GuiTest : public QObject {
  Q_OBJECT
  models::Catalog catalog_;
  std::filesystem::path data_;

  std::unique_ptr<MainWindow> open_a800() {
    auto w = std::make_unique<MainWindow>(catalog_, data_);
    w->set_quiet(true);
    if (!w->open_file(kA800)) return nullptr;
    return w;
  }

 private slots:
  void initTestCase() {
    data_ = scenarios::default_data_dir();
    catalog_ = scenarios::load_catalog(data_);
  }

  void opens_shipped_scenario_and_compares_both_sites() {
    auto w = open_a800();
    QVERIFY(w);
    QVERIFY2(w->validation().ok(), qPrintable(w->validation().full_message));
    QVERIFY(w->analytic());
    QCOMPARE(w->site_model()->columnCount(), 3);  // unit + ulanqab + shanghai
    QCOMPARE(w->site_model()->headerData(1, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("ulanqab"));
    QCOMPARE(w->site_model()->headerData(2, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("shanghai"));
    // The table shows the model's numbers in display units: MFU in percent.
    const int mfu = w->site_model()->row_of(QStringLiteral("mfu"));
    QVERIFY(mfu >= 0);
    QCOMPARE(w->site_model()->value(mfu, 0), w->analytic()->sites[0].mfu * 100);
  }

  void changing_gpu_to_h800_changes_the_estimate() {
    auto w = open_a800();
    const double a800_step = w->analytic()->sites[0].step_time_s;
    auto* gpu = qobject_cast<QComboBox*>(w->form()->editor(QStringLiteral("cluster.gpu")));
    QVERIFY(gpu);
    QCOMPARE(gpu->currentData().toString(), QStringLiteral("A800-SXM4-80GB"));
    const int h800 = gpu->findData(QStringLiteral("H800-SXM5-80GB"));
    QVERIFY(h800 >= 0);
    gpu->setCurrentIndex(h800);
    emit gpu->activated(h800);  // what a mouse pick emits
    QVERIFY(w->document()->text().contains(QStringLiteral("gpu: H800-SXM5-80GB")));
    // The debounced estimate runs without a click; H800 (Hopper, 989 vs 312 TFLOP/s BF16) is faster.
    QTRY_VERIFY(w->analytic() && w->analytic()->sites[0].step_time_s < a800_step);
    QVERIFY(w->validation().ok());
    QCOMPARE(QString::fromStdString(w->validation().scenario->cluster.gpu.id),
             QStringLiteral("H800-SXM5-80GB"));
    QVERIFY(w->document()->modified());
    w->document()->undo_stack()->undo();
    QTRY_COMPARE(w->analytic() ? w->analytic()->sites[0].step_time_s : 0.0, a800_step);
  }

  // DeepSeek-V3's scenario names the deepseek-v3-2024 stack and leaves recompute, ZeRO and the schedule
  // to it: the form shows the stack's values (selective, 1, dualpipe), not the schema's bare defaults,
  // and picking another stack in the form writes only `software.stack`.
  void form_shows_what_the_software_stack_sets() {
    auto w = std::make_unique<MainWindow>(catalog_, data_);
    w->set_quiet(true);
    QVERIFY(
        w->open_file(QStringLiteral(TRAINSITE_SOURCE_DIR "/scenarios/library/deepseek-v3-h800-2048.yaml")));
    auto* stack = qobject_cast<QComboBox*>(w->form()->editor(QStringLiteral("software.stack")));
    auto* recompute = qobject_cast<QComboBox*>(w->form()->editor(QStringLiteral("workload.recompute")));
    auto* zero = qobject_cast<QComboBox*>(w->form()->editor(QStringLiteral("parallelism.zero")));
    auto* schedule = qobject_cast<QComboBox*>(w->form()->editor(QStringLiteral("parallelism.schedule")));
    auto* flash = qobject_cast<QCheckBox*>(w->form()->editor(QStringLiteral("workload.flash_attention")));
    QVERIFY(stack && recompute && zero && schedule && flash);
    QCOMPARE(stack->currentData().toString(), QStringLiteral("deepseek-v3-2024"));
    QCOMPARE(recompute->currentData().toString(), QStringLiteral("selective"));
    QCOMPARE(zero->currentData().toString(), QStringLiteral("1"));
    QCOMPARE(schedule->currentData().toString(), QStringLiteral("dualpipe"));
    QVERIFY(flash->isChecked());  // fa3 on the H800
    QVERIFY(!w->document()->text().contains(QStringLiteral("recompute:")));
    // megatron-2021: full recompute, plain DP, no fused attention; the document gains only the stack.
    const int old = stack->findData(QStringLiteral("megatron-2021"));
    QVERIFY(old >= 0);
    stack->setCurrentIndex(old);
    emit stack->activated(old);
    QVERIFY(w->document()->text().contains(QStringLiteral("megatron-2021")));
    QCOMPARE(recompute->currentData().toString(), QStringLiteral("full"));
    QCOMPARE(zero->currentData().toString(), QStringLiteral("0"));
    QVERIFY(!flash->isChecked());
    QVERIFY(!w->document()->text().contains(QStringLiteral("recompute:")));
  }

  void invalid_tp_shows_the_error_and_disables_run() {
    auto w = open_a800();
    QVERIFY(w->estimate_action()->isEnabled());
    auto* tp = qobject_cast<QSpinBox*>(w->form()->editor(QStringLiteral("parallelism.tp")));
    QVERIFY(tp);
    tp->setValue(3);
    w->refresh_now();
    QVERIFY(!w->validation().ok());
    // tp·pp = 3·16 = 48 does not divide 128·8 = 1024 GPUs: a parallelism layout error.
    QVERIFY2(w->validation().message.contains(QStringLiteral("does not divide")),
             qPrintable(w->validation().message));
    QLabel* err = w->form()->error_label(w->validation().field);
    QVERIFY(err);
    QVERIFY(err->isVisibleTo(w->form()));
    QVERIFY(err->text().contains(QStringLiteral("does not divide")));
    QVERIFY(!w->estimate_action()->isEnabled());
    QVERIFY(!w->simulate_action()->isEnabled());
    QVERIFY(!w->analytic());
    QCOMPARE(w->site_model()->columnCount(), 1);  // no stale numbers: only the unit column
    // Fixing it clears the error and enables Run again.
    tp->setValue(8);
    w->refresh_now();
    QVERIFY(w->validation().ok());
    QVERIFY(!err->isVisibleTo(w->form()));
    QVERIFY(w->estimate_action()->isEnabled());
  }

  void a_field_error_is_shown_next_to_that_field() {
    auto w = open_a800();
    auto* tokens = qobject_cast<QLineEdit*>(w->form()->editor(QStringLiteral("workload.tokens")));
    QVERIFY(tokens);
    tokens->setFocus();
    tokens->selectAll();
    QTest::keyClicks(tokens, QStringLiteral("-5"));
    QCOMPARE(tokens->text(), QStringLiteral("-5"));
    w->refresh_now();
    QVERIFY2(w->validation().field == QStringLiteral("workload.tokens"),
             qPrintable(w->validation().full_message));
    QLabel* err = w->form()->error_label(QStringLiteral("workload.tokens"));
    QVERIFY(err && err->isVisibleTo(w->form()));
    QVERIFY(err->text().contains(w->validation().message));
    QVERIFY2(w->validation().full_message.contains(QStringLiteral(":8:")),
             qPrintable(w->validation().full_message));  // tokens: line 8
  }

  void yaml_tab_and_form_stay_in_sync() {
    auto w = open_a800();
    auto* nodes = qobject_cast<QSpinBox*>(w->form()->editor(QStringLiteral("cluster.nodes")));
    QCOMPARE(nodes->value(), 128);
    // Form -> YAML: the value changes in place, the comments stay.
    nodes->setValue(256);
    QTRY_VERIFY(w->yaml_editor()->toPlainText().contains(QStringLiteral("nodes: 256")));
    QVERIFY(w->yaml_editor()->toPlainText().contains(QStringLiteral("# null = catalog figure")));
    // YAML -> form.
    QString t = w->yaml_editor()->toPlainText();
    t.replace(QStringLiteral("nodes: 256"), QStringLiteral("nodes: 64"));
    w->yaml_editor()->setPlainText(t);
    QTRY_COMPARE(nodes->value(), 64);
    w->refresh_now();
    QVERIFY(w->validation().ok());
    QCOMPARE(w->validation().scenario->cluster.nodes, 64);
  }

  void save_and_reload_are_byte_identical() {
    QTemporaryDir dir;
    auto w = open_a800();
    const QString copy = dir.filePath(QStringLiteral("copy.yaml"));
    QVERIFY(w->save_to(copy));
    QCOMPARE(read_all(copy), read_all(kA800));  // untouched document: the user's file, byte for byte
    auto* nodes = qobject_cast<QSpinBox*>(w->form()->editor(QStringLiteral("cluster.nodes")));
    nodes->setValue(64);
    const QString edited = dir.filePath(QStringLiteral("edited.yaml"));
    QVERIFY(w->save_to(edited));
    QVERIFY(!w->document()->modified());
    auto w2 = std::make_unique<MainWindow>(catalog_, data_);
    w2->set_quiet(true);
    QVERIFY(w2->open_file(edited));
    QCOMPARE(w2->document()->text(), w->document()->text());
    const QString again = dir.filePath(QStringLiteral("again.yaml"));
    QVERIFY(w2->save_to(again));
    QCOMPARE(read_all(again), read_all(edited));
    QCOMPARE(w2->validation().scenario->cluster.nodes, 64);
  }

  void set_value_keeps_comments_and_matches_set_semantics() {
    const std::string text = "a: {b: 1, c: two}  # keep\nd: 3 # and this\n";
    QCOMPARE(QString::fromStdString(gui::set_value(text, "a.b", "5")),
             QStringLiteral("a: {b: 5, c: two}  # keep\nd: 3 # and this\n"));
    QCOMPARE(QString::fromStdString(gui::set_value(text, "d", "[x, y]")),
             QStringLiteral("a: {b: 1, c: two}  # keep\nd: [x, y] # and this\n"));
    // A new key cannot be placed in the text: the document is re-emitted with it.
    const YAML::Node n = YAML::Load(gui::set_value(text, "e.f", "1"));
    QCOMPARE(n["e"]["f"].as<int>(), 1);
    QCOMPARE(n["a"]["c"].as<std::string>(), std::string("two"));
  }

  void worker_cancel_stops_a_long_job() {
    gui::Runner runner;
    QSignalSpy cancelled(&runner, &gui::Runner::cancelled);
    QSignalSpy finished(&runner, &gui::Runner::finished);
    QSignalSpy progress(&runner, &gui::Runner::progress);
    runner.start([](const std::function<bool()>& is_cancelled, const std::function<void(int)>& report) {
      for (int i = 0; !is_cancelled(); i = (i + 1) % 100) {  // runs until cancelled
        report(i);
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      return models::Result{};
    });
    QVERIFY(runner.running());
    QTRY_VERIFY(progress.count() > 0);
    runner.cancel();
    QTRY_COMPARE(cancelled.count(), 1);
    QCOMPARE(finished.count(), 0);
    QVERIFY(!runner.running());
  }

  void simulate_runs_in_the_background_and_cancels() {
    auto w = open_a800();
    // A small cluster keeps the DES run short.
    w->document()->set_field(QStringLiteral("cluster.nodes"), QStringLiteral("16"));
    w->document()->set_field(QStringLiteral("parallelism.pp"), QStringLiteral("8"));
    w->refresh_now();
    QVERIFY2(w->validation().ok(), qPrintable(w->validation().full_message));
    if (!w->simulate_action()->isEnabled()) {
      QVERIFY(!w->simulate_action()->toolTip().isEmpty());  // says why
      QSKIP("this build has no DES engine; the worker/cancel mechanism is tested above");
    }
    QSignalSpy busy(w->runner(), &gui::Runner::busy_changed);
    QSignalSpy cancelled(w->runner(), &gui::Runner::cancelled);
    w->simulate_action()->trigger();
    QVERIFY(w->runner()->running());
    QVERIFY(w->cancel_action()->isEnabled());
    w->cancel_action()->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(cancelled.count(), 1, 120000);
    QVERIFY(!w->runner()->running());
    QVERIFY(!w->des());
    // Run to completion: the DES result replaces the table's engine.
    QSignalSpy finished(w->runner(), &gui::Runner::finished);
    w->simulate_action()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 120000);
    QVERIFY(w->des());
    QCOMPARE(QString::fromStdString(w->site_model()->result().engine), QStringLiteral("des"));
  }

  void compare_tab_shows_the_tornado_and_start_month_charts() {
    auto w = open_a800();
    QVERIFY(w);
    // The page re-runs the model (models::add_robustness) when it is opened, not on every edit.
    QVERIFY(!w->findChild<QChartView*>(QStringLiteral("tornadoChart")));
    w->show_tab(QStringLiteral("sensitivity"));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    models::Result robust = *w->analytic();
    models::add_robustness(*w->validation().scenario, catalog_.sensitivity, robust);
    auto* tornado = w->findChild<QChartView*>(QStringLiteral("tornadoChart"));
    QVERIFY(tornado);
    auto* bars = qobject_cast<QAbstractBarSeries*>(tornado->chart()->series().value(0));
    QVERIFY(bars);
    QCOMPARE(bars->count(), 2);                                              // low and high
    QCOMPARE(bars->barSets()[0]->count(), 7);                                // one bar per input
    QVERIFY(tornado->chart()->title().contains(QStringLiteral("ulanqab")));  // the cheaper site first
    auto* pick = w->findChild<QComboBox*>(QStringLiteral("tornadoSite"));
    QVERIFY(pick);
    pick->setCurrentIndex(1);
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    auto* other = w->findChild<QChartView*>(QStringLiteral("tornadoChart"));
    QVERIFY(other && other->chart()->title().contains(QStringLiteral("shanghai")));
    auto* months = w->findChild<QChartView*>(QStringLiteral("startMonthChart"));
    QVERIFY(months);
    QCOMPARE(months->chart()->series().size(), 2);  // ulanqab, shanghai
    auto* line = qobject_cast<QLineSeries*>(months->chart()->series()[0]);
    QVERIFY(line);
    QCOMPARE(line->count(), 12);
    QCOMPARE(line->at(0).y(), robust.sites[0].by_start_month[0].cost_total / 1e3);
    QCOMPARE(line->at(6).y(), robust.sites[0].by_start_month[6].cost_total / 1e3);
  }

  void exports_the_report_through_the_reports_library() {
    auto w = open_a800();
    QString why;
    if (!gui::report_export_available(&why)) QSKIP(qPrintable(why));
    QTemporaryDir dir;
    QString error;
    for (const char* ext : {"html", "csv", "pdf"}) {
      const QString path = dir.filePath(QStringLiteral("report.") + QLatin1String(ext));
      QVERIFY2(gui::write_report(*w->document(), *w->analytic(), path, &error), qPrintable(error));
      const QByteArray bytes = read_all(path);
      QVERIFY(!bytes.isEmpty());
      if (QLatin1String(ext) == QLatin1String("pdf"))
        QVERIFY(bytes.startsWith("%PDF"));
      else
        QVERIFY(bytes.contains("shanghai"));
    }
  }

#ifdef TRAINSITE_GUI_HAS_STORE
  void sweep_database_sorts_filters_and_plots() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("s.sqlite"));
    {
      reports::Store store(db.toStdString());
      std::vector<reports::PointRow> rows;
      const char* sites[] = {"ulanqab", "shanghai", "ulanqab"};
      const double cost[] = {3e6, 5e6, 4e6};
      for (int i = 0; i < 3; ++i) {
        reports::PointRow r;
        r.hash = "h" + std::to_string(i);
        r.idx = uint64_t(i);
        r.sweep = "t";
        r.point = "p" + std::to_string(i);
        r.site = sites[i];
        r.gpu = "H800-SXM5-80GB";
        r.nodes = 128;
        r.gpus = 1024;
        r.cost_total = cost[i];
        r.wall_clock_days = 10.0 + i;
        r.currency = "USD";
        rows.push_back(r);
      }
      store.insert(rows);
    }
    gui::SweepBrowser b;
    QString error;
    QVERIFY2(b.open(db, &error), qPrintable(error));
    QCOMPARE(b.proxy()->rowCount(), 3);
    b.proxy()->sort(13, Qt::AscendingOrder);  // cost (M): 3, 4, 5
    QCOMPARE(b.proxy()->index(0, 13).data().toString(), QLocale().toString(3.0, 'f', 3));
    b.proxy()->setFilterFixedString(QStringLiteral("shanghai"));
    QCOMPARE(b.proxy()->rowCount(), 1);
    b.proxy()->setFilterFixedString(QString());
    b.set_axes(11, 13);  // days vs cost: one scatter series per site
    QCOMPARE(b.scatter()->chart()->series().size(), 2);
  }
#endif

  void plan_action_fills_the_form_with_the_planned_layout() {
    auto w = open_a800();
    QVERIFY(w && w->analytic());
    const double yours = w->analytic()->sites[0].step_time_s;
    QVERIFY(w->plan_action()->isEnabled());
    QSignalSpy applied(w->plan_panel(), &gui::PlanPanel::applied);
    w->plan_action()->trigger();
    QVERIFY(applied.wait(120000));  // the planner runs off the UI thread
    const auto& r = w->plan_panel()->result();
    QVERIFY(r && !r->plans.empty() && r->plans[0].best);
    const models::LayoutChoice& l = r->plans[0].best->layout;
    // The form shows the planned layout and the document validates with it.
    auto spin = [&](const char* f) {
      return qobject_cast<QSpinBox*>(w->form()->editor(QString::fromLatin1(f)));
    };
    QVERIFY(spin("parallelism.tp") && spin("parallelism.pp") && spin("parallelism.micro_batch"));
    QCOMPARE(spin("parallelism.tp")->value(), l.tp);
    QCOMPARE(spin("parallelism.pp")->value(), l.pp);
    QCOMPARE(spin("parallelism.micro_batch")->value(), l.micro_batch);
    w->refresh_now();
    QVERIFY2(w->validation().ok(), qPrintable(w->validation().full_message));
    const auto& p = w->validation().scenario->parallelism;
    QCOMPARE(p.tp, l.tp);
    QCOMPARE(p.pp, l.pp);
    QCOMPARE(p.zero, l.zero);
    QCOMPARE(w->validation().scenario->workload.recompute, l.recompute);
    // Its estimate is the plan's step, no slower than the scenario's own layout.
    QVERIFY(w->analytic());
    QVERIFY(qAbs(w->analytic()->sites[0].step_time_s - r->plans[0].best->iteration.step_time_s) < 1e-9);
    QVERIFY(w->analytic()->sites[0].step_time_s <= yours * (1 + 1e-9));
    // One undo restores the scenario's layout.
    w->document()->undo_stack()->undo();
    w->refresh_now();
    QCOMPARE(w->validation().scenario->parallelism.tp, 8);
    QCOMPARE(w->validation().scenario->parallelism.pp, 16);
    QCOMPARE(w->analytic()->sites[0].step_time_s, yours);
  }

  void plan_repairs_a_layout_that_does_not_fit() {
    auto w = open_a800();
    auto* pp = qobject_cast<QSpinBox*>(w->form()->editor(QStringLiteral("parallelism.pp")));
    QVERIFY(pp);
    pp->setValue(1);  // 175B on tp 8 alone: ~22B parameters per GPU, far beyond 80 GB
    w->refresh_now();
    QVERIFY(!w->validation().ok());
    QVERIFY2(w->validation().message.contains(QStringLiteral("does not fit")),
             qPrintable(w->validation().message));
    QVERIFY(!w->estimate_action()->isEnabled());
    QVERIFY(w->plan_action()->isEnabled());  // the layout is what is wrong: the planner can fix it
    QSignalSpy applied(w->plan_panel(), &gui::PlanPanel::applied);
    w->plan_action()->trigger();
    QVERIFY(applied.wait(120000));
    w->refresh_now();
    QVERIFY2(w->validation().ok(), qPrintable(w->validation().full_message));
    QVERIFY(w->analytic());
  }

  void screenshot_mode_writes_a_readable_png() {
    QTemporaryDir dir;
    const QString png = dir.filePath(QStringLiteral("shot.png"));
    QProcess p;
    p.start(
        QStringLiteral(TRAINSITE_BINARY_DIR "/gui/trainsite-gui"),
        {QStringLiteral("--screenshot"), png, QStringLiteral("--size"), QStringLiteral("1200x800"), kA800});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QImage img(png);
    QVERIFY(!img.isNull());
    QCOMPARE(img.size(), QSize(1200, 800));
    // Not a blank canvas: many distinct colours (text, charts).
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
      for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
    QVERIFY(colours.size() > 20);
  }
};

QTEST_MAIN(GuiTest)
#include "gui_test.moc"
