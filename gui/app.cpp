#include "gui/app.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QEventLoop>
#include <QPixmap>
#include <QTimer>
#include <iostream>

#include "gui/document.h"
#include "gui/main_window.h"
#include "gui/sweep_browser.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"

namespace trainsite::gui {

bool render_screenshot(MainWindow& w, const QString& out_png, QSize size) {
  w.resize(size);
  w.show();
  w.refresh_now();
  QApplication::processEvents();
  QApplication::processEvents();
  const QPixmap shot = w.grab();
  return !shot.isNull() && shot.save(out_png, "PNG");
}

int run_app(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("trainsite"));
  QApplication::setApplicationName(QStringLiteral("trainsite-gui"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

  QCommandLineParser cli;
  cli.setApplicationDescription(
      QStringLiteral("trainsite desktop app: edit a scenario, estimate, compare sites"));
  cli.addHelpOption();
  cli.addVersionOption();
  cli.addPositionalArgument(QStringLiteral("scenario"), QStringLiteral("Scenario YAML to open"),
                            QStringLiteral("[SCENARIO]"));
  const QCommandLineOption shot({QStringLiteral("screenshot")},
                                QStringLiteral("Render the window to a PNG and exit"),
                                QStringLiteral("OUT.png"));
  const QCommandLineOption size({QStringLiteral("size")},
                                QStringLiteral("Screenshot size (default 1600x1000)"), QStringLiteral("WxH"),
                                QStringLiteral("1600x1000"));
  const QCommandLineOption tab(
      {QStringLiteral("tab")},
      QStringLiteral("Tabs to show: compare, sensitivity, catalog, sweeps, plan, form, yaml (repeatable)"),
      QStringLiteral("NAME"));
  const QCommandLineOption set({QStringLiteral("set")},
                               QStringLiteral("Edit a field like the form does (k=v)"),
                               QStringLiteral("k=v"));
  const QCommandLineOption sweep({QStringLiteral("sweep-db")}, QStringLiteral("Open a sweep database"),
                                 QStringLiteral("F.sqlite"));
  const QCommandLineOption simulate({QStringLiteral("simulate")},
                                    QStringLiteral("Run the simulation before the screenshot"));
  cli.addOptions({shot, size, tab, set, sweep, simulate});
  cli.process(app);

  models::Catalog catalog;
  const auto data_dir = scenarios::default_data_dir();
  try {
    catalog = scenarios::load_catalog(data_dir);
  } catch (const scenarios::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "trainsite-gui: cannot load the catalog from " << data_dir << ": " << e.what() << "\n";
    return 1;
  }
  MainWindow w(catalog, data_dir);
  const bool screenshot = cli.isSet(shot);
  w.set_quiet(screenshot);
  if (!cli.positionalArguments().isEmpty() && !w.open_file(cli.positionalArguments().first())) return 2;
  for (const QString& kv : cli.values(set)) {
    const auto eq = kv.indexOf(QLatin1Char('='));
    try {
      if (eq <= 0) throw scenarios::InputError({"--set", 0, 0}, kv.toStdString(), "expected key.path=value");
      w.document()->set_field(kv.left(eq), kv.mid(eq + 1));
    } catch (const scenarios::InputError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  if (cli.isSet(sweep) && !w.sweeps()->open(cli.value(sweep))) return 2;
  for (const QString& t : cli.values(tab)) w.show_tab(t);
  if (!screenshot) {
    w.resize(1500, 950);
    w.show();
    return QApplication::exec();
  }
  const QStringList wh = cli.value(size).split(QLatin1Char('x'));
  const QSize sz(wh.value(0).toInt(), wh.value(1).toInt());
  if (sz.width() < 200 || sz.height() < 200) {
    std::cerr << "trainsite-gui: --size expects WxH, e.g. 1600x1000\n";
    return 2;
  }
  w.refresh_now();
  if (cli.isSet(simulate) && w.simulate_action()->isEnabled()) {
    QEventLoop loop;
    QObject::connect(w.runner(), &Runner::busy_changed, &loop, [&loop](bool busy) {
      if (!busy) loop.quit();
    });
    w.simulate();
    if (w.runner()->running()) loop.exec();
  }
  if (!render_screenshot(w, cli.value(shot), sz)) {
    std::cerr << "trainsite-gui: cannot write " << cli.value(shot).toStdString() << "\n";
    return 1;
  }
  return w.validation().ok() ? 0 : 2;
}

}  // namespace trainsite::gui
