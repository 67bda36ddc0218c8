#include "gui/robustness_charts.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCursor>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

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

QChartView* view_of(QChart* chart, const QString& name) {
  chart->setTheme(QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->setMargins(QMargins(4, 4, 4, 4));
  auto* v = new QChartView(chart);
  v->setObjectName(name);
  v->setRenderHint(QPainter::Antialiasing);
  v->setMinimumHeight(240);
  return v;
}

const char* kMonths[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

QWidget* tornado_chart(const models::Result& r, size_t site) {
  if (site >= r.sites.size() || r.sites[site].sensitivity.empty())
    return unavailable(QStringLiteral("Sensitivity: not computed for this result."));
  const models::SiteResult& s = r.sites[site];
  std::vector<const models::SensitivityBar*> bars;
  for (const auto& b : s.sensitivity) bars.push_back(&b);
  // Largest swing at the top: QBarCategoryAxis draws the first category at the bottom.
  std::stable_sort(bars.begin(), bars.end(), [](const auto* a, const auto* b) {
    return std::abs(a->cost_high - a->cost_low) < std::abs(b->cost_high - b->cost_low);
  });
  auto* chart = new QChart;
  chart->setTitle(QStringLiteral("%1: total cost (%2 %3) with each input low / high")
                      .arg(QString::fromStdString(s.site), QLocale().toString(s.cost.total, 'f', 0),
                           QString::fromStdString(s.cost.currency)));
  auto* low = new QBarSet(QStringLiteral("input at its low value"));
  auto* high = new QBarSet(QStringLiteral("input at its high value"));
  QStringList names;
  double span = 0;
  for (const auto* b : bars) {
    names << QStringLiteral("%1 (%2)").arg(QString::fromStdString(b->label),
                                           QString::fromStdString(b->confidence));
    const double lo = std::isfinite(b->cost_low) ? 100 * (b->cost_low / s.cost.total - 1) : 0;
    const double hi = std::isfinite(b->cost_high) ? 100 * (b->cost_high / s.cost.total - 1) : 0;
    *low << lo;
    *high << hi;
    span = std::max({span, std::abs(lo), std::abs(hi)});
  }
  auto* series = new QHorizontalBarSeries;
  series->append(low);
  series->append(high);
  for (QBarSet* set : {low, high}) hover_values(set, names, QStringLiteral("% of the total cost"), 1);
  chart->addSeries(series);
  auto* y = new QBarCategoryAxis;
  y->append(names);
  auto* x = new QValueAxis;
  x->setTitleText(QStringLiteral("change of the total cost (%)"));
  x->setLabelFormat(QStringLiteral("%.1f"));
  const double m = span > 0 ? span * 1.1 : 1;
  x->setRange(-m, m);
  x->applyNiceNumbers();
  chart->addAxis(y, Qt::AlignLeft);
  chart->addAxis(x, Qt::AlignBottom);
  series->attachAxis(x);
  series->attachAxis(y);
  chart->legend()->setAlignment(Qt::AlignBottom);
  return view_of(chart, QStringLiteral("tornadoChart"));
}

QWidget* start_month_chart(const models::Result& r) {
  bool any = false;
  for (const auto& s : r.sites) any = any || s.by_start_month.size() == 12;
  if (!any) return unavailable(QStringLiteral("Start month: not computed for this result."));
  const QString cur = QString::fromStdString(r.sites.front().cost.currency);
  auto* chart = new QChart;
  chart->setTitle(QStringLiteral("Total cost by start month (k %1)").arg(cur));
  // Month numbers on the axis (names are elided on a narrow chart); names in the tooltip.
  auto* x = new QValueAxis;
  x->setRange(0.5, 12.5);
  x->setTickType(QValueAxis::TicksDynamic);
  x->setTickAnchor(1);
  x->setTickInterval(1);
  x->setLabelFormat(QStringLiteral("%d"));
  x->setTitleText(QStringLiteral("start month (1 = January)"));
  auto* y = new QValueAxis;
  y->setTitleText(QStringLiteral("k %1").arg(cur));
  y->setLabelFormat(QStringLiteral("%.0f"));
  chart->addAxis(x, Qt::AlignBottom);
  chart->addAxis(y, Qt::AlignLeft);
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : r.sites) {
    if (s.by_start_month.size() != 12) continue;
    auto* line = new QLineSeries;
    line->setName(QString::fromStdString(s.site));
    line->setPointsVisible(true);
    for (int m = 0; m < 12; ++m) {
      const auto& p = s.by_start_month[size_t(m)];
      if (!std::isfinite(p.cost_total)) continue;
      line->append(m + 1, p.cost_total / 1e3);
      lo = std::min(lo, p.cost_total / 1e3), hi = std::max(hi, p.cost_total / 1e3);
    }
    chart->addSeries(line);
    line->attachAxis(x);
    line->attachAxis(y);
    QObject::connect(line, &QLineSeries::hovered, line, [line, cur](const QPointF& p, bool on) {
      if (!on) return QToolTip::hideText();
      const int m = std::clamp(int(std::lround(p.x())), 1, 12);
      QToolTip::showText(QCursor::pos(), QStringLiteral("%1 · start %2: %3 k %4")
                                             .arg(line->name(), QString::fromLatin1(kMonths[m - 1]))
                                             .arg(QLocale().toString(p.y(), 'f', 0), cur));
    });
  }
  if (std::isfinite(lo)) {
    const double pad = std::max((hi - lo) * 0.1, 0.005 * hi);
    y->setRange(lo - pad, hi + pad);
    y->applyNiceNumbers();
  }
  chart->legend()->setAlignment(Qt::AlignBottom);
  return view_of(chart, QStringLiteral("startMonthChart"));
}

}  // namespace trainsite::gui
