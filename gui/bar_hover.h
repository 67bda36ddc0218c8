// The tooltip every bar chart of the GUI shows while the mouse is over a bar.
#pragma once

#include <QString>
#include <QStringList>

class QBarSet;

namespace trainsite::gui {

// Tooltip "set · category: value unit" (no unit when `unit` is empty), the value with `decimals`.
void hover_values(QBarSet* set, const QStringList& categories, const QString& unit, int decimals);

}  // namespace trainsite::gui
