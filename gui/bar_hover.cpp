#include "gui/bar_hover.h"

#include <QBarSet>
#include <QCursor>
#include <QLocale>
#include <QToolTip>

namespace trainsite::gui {

void hover_values(QBarSet* set, const QStringList& categories, const QString& unit, int decimals) {
  QObject::connect(set, &QBarSet::hovered, set, [set, categories, unit, decimals](bool on, int i) {
    if (!on) {
      QToolTip::hideText();
      return;
    }
    const QString value = QLocale().toString(set->at(i), 'f', decimals);
    QToolTip::showText(QCursor::pos(), QStringLiteral("%1 · %2: %3")
                                           .arg(set->label(), categories.value(i),
                                                unit.isEmpty() ? value : value + QLatin1Char(' ') + unit));
  });
}

}  // namespace trainsite::gui
