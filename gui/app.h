// Application entry shared by trainsite-gui and the tests: catalog loading and screenshot mode.
#pragma once

#include <QSize>
#include <QString>
#include <QStringList>

namespace trainsite::gui {

class MainWindow;

// Renders `w` (after an estimate, and a simulation when `simulate`) to a PNG offscreen.
bool render_screenshot(MainWindow& w, const QString& out_png, QSize size);

// main() of trainsite-gui; exit codes: 0 ok, 1 runtime failure, 2 bad input.
int run_app(int argc, char** argv);

}  // namespace trainsite::gui
