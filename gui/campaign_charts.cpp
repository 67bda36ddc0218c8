#include "gui/campaign_charts.h"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QDate>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QLocale>
#include <QPen>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>

#include "gui/bar_hover.h"

namespace trainsite::gui {

namespace {

QLabel* unavailable(const QString& text) {
  auto* l = new QLabel(text);
  l->setWordWrap(true);
  l->setAlignment(Qt::AlignCenter);
  l->setEnabled(false);
  l->setMargin(12);
  return l;
}

QChartView* view_of(QChart* chart) {
  chart->setTheme(QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  auto* v = new QChartView(chart);
  v->setRenderHint(QPainter::Antialiasing);
  v->setMinimumHeight(220);
  return v;
}

}  // namespace

QWidget* monthly_chart(const models::Result& r) {
  size_t months = 0;
  for (const auto& s : r.sites) months = std::max(months, s.monthly.size());
  if (months == 0)
    return unavailable(QStringLiteral("Monthly PUE and power: this result has no monthly campaign data."));
  auto* chart = new QChart;
  chart->setTitle(QStringLiteral("Monthly facility power (MW, solid) and PUE (dashed, right axis)"));
  chart->legend()->setAlignment(Qt::AlignRight);
  QStringList labels;
  for (const auto& s : r.sites)
    if (s.monthly.size() == months) {
      for (const auto& m : s.monthly) {  // "2026-03" -> "Mar 26": fits under a narrow chart
        const QDate d =
            QDate::fromString(QString::fromStdString(m.month) + QStringLiteral("-01"), Qt::ISODate);
        labels << (d.isValid() ? QLocale::c().toString(d, QStringLiteral("MMM yy"))
                               : QString::fromStdString(m.month));
      }
      break;
    }
  // Month numbers on the axis (category labels get elided on a narrow chart); names in the tooltip.
  auto* x = new QValueAxis;
  x->setRange(0.5, double(months) + 0.5);
  x->setTickType(QValueAxis::TicksDynamic);
  x->setTickAnchor(1);
  x->setTickInterval(months > 12 ? 3 : 1);
  x->setLabelFormat(QStringLiteral("%d"));
  x->setTitleText(QStringLiteral("month (1 = %1)").arg(labels.value(0)));
  auto* power_axis = new QValueAxis;
  power_axis->setTitleText(QStringLiteral("MW"));
  power_axis->setLabelFormat(QStringLiteral("%.1f"));
  auto* pue_axis = new QValueAxis;
  pue_axis->setTitleText(QStringLiteral("PUE"));
  pue_axis->setLabelFormat(QStringLiteral("%.2f"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(power_axis, Qt::AlignLeft);
  chart->addAxis(pue_axis, Qt::AlignRight);
  double pmax = 0, qmin = 10, qmax = 0;
  for (const auto& s : r.sites) {
    auto* power = new QLineSeries;
    auto* pue = new QLineSeries;
    power->setName(QString::fromStdString(s.site));
    pue->setName(QString::fromStdString(s.site) + QStringLiteral(" PUE"));
    for (size_t i = 0; i < s.monthly.size(); ++i) {
      const auto& m = s.monthly[i];
      const double mw = m.hours > 0 ? m.energy_mwh / m.hours : 0;  // average facility power that month
      power->append(double(i + 1), mw);
      pue->append(double(i + 1), m.pue);
      pmax = std::max(pmax, mw);
      if (m.pue > 0) qmin = std::min(qmin, m.pue), qmax = std::max(qmax, m.pue);
    }
    chart->addSeries(power);
    chart->addSeries(pue);
    QPen pen = pue->pen();
    pen.setStyle(Qt::DashLine);
    pen.setColor(power->pen().color());
    pue->setPen(pen);
    power->attachAxis(x), power->attachAxis(power_axis);
    pue->attachAxis(x), pue->attachAxis(pue_axis);
    chart->legend()->markers(pue).value(0)->setVisible(false);  // one legend entry per site (colour)
    power->setPointsVisible(true);
    pue->setPointsVisible(true);
    for (QLineSeries* ls : {power, pue}) {
      const bool is_pue = ls == pue;
      QObject::connect(ls, &QLineSeries::hovered, ls, [ls, labels, is_pue](const QPointF& p, bool on) {
        if (!on) return QToolTip::hideText();
        const int i = std::clamp(int(p.x() - 0.5), 0, int(ls->count()) - 1);
        QToolTip::showText(QCursor::pos(), QStringLiteral("%1 · %2: %3%4")
                                               .arg(ls->name(), labels.value(i))
                                               .arg(QLocale().toString(ls->at(i).y(), 'f', is_pue ? 3 : 2),
                                                    is_pue ? QString() : QStringLiteral(" MW")));
      });
    }
  }
  power_axis->setRange(0, pmax * 1.1);
  power_axis->applyNiceNumbers();
  pue_axis->setRange(std::max(1.0, qmin - 0.05), qmax + 0.05);
  QChartView* v = view_of(chart);
  chart->legend()->setAlignment(Qt::AlignRight);
  return v;
}

QWidget* interruptions_chart(const models::Result& r) {
  if (r.sites.empty()) return unavailable(QStringLiteral("No sites."));
  // The result gives each site's total interruptions and the hours they cost; the campaign does
  // not report them per month, so this chart shows totals, not a timeline.
  auto* chart = new QChart;
  chart->setTitle(
      QStringLiteral("Interruptions over the run (%1 engine)").arg(QString::fromStdString(r.engine)));
  QStringList sites;
  auto* count = new QBarSet(QStringLiteral("interruptions"));
  auto* lost = new QBarSet(QStringLiteral("hours lost (rework + restart)"));
  for (const auto& s : r.sites) {
    sites << QString::fromStdString(s.site);
    *count << s.interruptions;
    *lost << s.lost_work_h + s.restart_h;
  }
  auto* series = new QBarSeries;
  series->append(count);
  series->append(lost);
  for (QBarSet* set : {count, lost}) hover_values(set, sites, QString(), 1);
  chart->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(sites);
  auto* y = new QValueAxis;
  y->setTitleText(QStringLiteral("count / hours"));
  y->setLabelFormat(QStringLiteral("%.0f"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  y->setMin(0);
  y->applyNiceNumbers();
  return view_of(chart);
}

}  // namespace trainsite::gui
