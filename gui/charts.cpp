#include "gui/charts.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHorizontalStackedBarSeries>
#include <QLabel>
#include <QLocale>
#include <QSignalBlocker>
#include <QStackedBarSeries>
#include <QStackedWidget>
#include <QTabWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include "gui/bar_hover.h"
#include "gui/campaign_charts.h"
#include "gui/robustness_charts.h"

namespace trainsite::gui {

namespace {

QChartView* make_view() {
  auto* chart = new QChart;
  chart->setTheme(QChart::ChartThemeLight);
  chart->setAnimationOptions(QChart::NoAnimation);
  chart->legend()->setAlignment(Qt::AlignBottom);
  chart->setMargins(QMargins(4, 4, 4, 4));
  auto* view = new QChartView(chart);
  view->setRenderHint(QPainter::Antialiasing);
  view->setMinimumHeight(220);
  return view;
}

void reset_chart(QChart* c, const QString& title) {
  c->removeAllSeries();
  for (auto* a : c->axes()) {
    c->removeAxis(a);
    delete a;
  }
  c->setTitle(title);
}

}  // namespace

CompareCharts::CompareCharts(QWidget* parent) : QWidget(parent) {
  cost_ = make_view();
  breakdown_ = make_view();
  monthly_ = new QStackedWidget;
  interruptions_ = new QStackedWidget;
  auto* overview = new QWidget;
  auto* grid = new QGridLayout(overview);
  grid->setContentsMargins(0, 0, 0, 0);
  grid->addWidget(cost_, 0, 0);
  grid->addWidget(breakdown_, 0, 1);
  grid->addWidget(monthly_, 1, 0);
  grid->addWidget(interruptions_, 1, 1);

  auto* robust = new QWidget;
  auto* rv = new QVBoxLayout(robust);
  rv->setContentsMargins(0, 0, 0, 0);
  auto* pick = new QHBoxLayout;
  tornado_site_ = new QComboBox;
  tornado_site_->setObjectName(QStringLiteral("tornadoSite"));
  tornado_site_->setToolTip(tr("Site whose sensitivity is shown"));
  pick->addWidget(new QLabel(tr("Sensitivity of:")));
  pick->addWidget(tornado_site_);
  pick->addStretch(1);
  rv->addLayout(pick);
  auto* charts = new QHBoxLayout;
  tornado_ = new QStackedWidget;
  start_month_ = new QStackedWidget;
  charts->addWidget(tornado_, 3);
  charts->addWidget(start_month_, 2);
  rv->addLayout(charts, 1);
  connect(tornado_site_, &QComboBox::currentIndexChanged, this, [this] { show_tornado(); });

  pages_ = new QTabWidget;
  pages_->setDocumentMode(true);
  pages_->addTab(overview, tr("Cost and time"));
  pages_->addTab(robust, tr("Sensitivity and start month"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);
  connect(pages_, &QTabWidget::currentChanged, this, [this](int page) {
    if (page == 1 && !robust_done_) compute_robustness();
  });
}

void CompareCharts::set_results(const models::Result& analytic, const std::optional<models::Result>& des,
                                Robustness robustness) {
  const models::Result& shown = des ? *des : analytic;
  update_cost(shown);
  update_breakdown(analytic, des);
  update_campaign(shown);
  update_robustness(analytic, std::move(robustness));
}

namespace {

void replace_in(QStackedWidget* slot, QWidget* w) {
  while (slot->count()) {
    QWidget* old = slot->widget(0);
    slot->removeWidget(old);
    old->deleteLater();
  }
  slot->addWidget(w);
}

}  // namespace

void CompareCharts::update_robustness(const models::Result& analytic, Robustness robustness) {
  robust_ = analytic;
  robustness_ = std::move(robustness);
  robust_done_ = !analytic.sites.empty() && !analytic.sites.front().sensitivity.empty();
  if (pages_->currentIndex() == 1 || robust_done_) {
    compute_robustness();
    return;
  }
  replace_in(tornado_, new QLabel(tr("Open this page to run the sensitivity analysis.")));
  replace_in(start_month_, new QLabel);
}

void CompareCharts::compute_robustness() {
  if (!robust_) return;
  if (!robust_done_ && robustness_) {
    try {
      robustness_(*robust_);
    } catch (const std::exception&) {  // the base run worked; a changed run that fails leaves gaps
    }
    robust_done_ = true;
  }
  // Default to the cheapest site: its tornado says what could make it lose.
  size_t cheapest = 0;
  for (size_t i = 1; i < robust_->sites.size(); ++i)
    if (robust_->sites[i].cost.total < robust_->sites[cheapest].cost.total) cheapest = i;
  const QString keep = tornado_site_->currentText();
  {
    const QSignalBlocker block(tornado_site_);
    tornado_site_->clear();
    for (const auto& s : robust_->sites) tornado_site_->addItem(QString::fromStdString(s.site));
    const int again = tornado_site_->findText(keep);
    tornado_site_->setCurrentIndex(again >= 0 ? again : int(cheapest));
  }
  show_tornado();
  replace_in(start_month_, start_month_chart(*robust_));
}

void CompareCharts::show_tornado() {
  if (!robust_) return;
  const int i = tornado_site_->currentIndex();
  replace_in(tornado_, tornado_chart(*robust_, i < 0 ? robust_->sites.size() : size_t(i)));
}

void CompareCharts::update_cost(const models::Result& r) {
  QChart* c = cost_->chart();
  const QString currency = QString::fromStdString(r.sites.empty() ? "USD" : r.sites.front().cost.currency);
  const QString unit = QStringLiteral("M ") + currency;
  reset_chart(c, QStringLiteral("Cost per site (%1, %2 engine)").arg(unit, QString::fromStdString(r.engine)));
  QStringList sites;
  for (const auto& s : r.sites) sites << QString::fromStdString(s.site);
  auto* series = new QStackedBarSeries;
  auto* energy = new QBarSet(QStringLiteral("energy"));
  auto* capex = new QBarSet(QStringLiteral("capex share"));
  auto* facility = new QBarSet(QStringLiteral("facility"));
  for (const auto& s : r.sites) {
    *energy << s.cost.energy / 1e6;
    *capex << s.cost.capex / 1e6;
    *facility << s.cost.facility / 1e6;
  }
  for (QBarSet* set : {energy, capex, facility}) {
    hover_values(set, sites, unit, 3);
    series->append(set);
  }
  c->addSeries(series);
  auto* x = new QBarCategoryAxis;
  x->append(sites);
  if (sites.size() > 3) x->setLabelsAngle(-30);
  auto* y = new QValueAxis;
  y->setTitleText(unit);
  y->setLabelFormat(QStringLiteral("%.1f"));
  c->addAxis(x, Qt::AlignBottom);
  c->addAxis(y, Qt::AlignLeft);
  series->attachAxis(x);
  series->attachAxis(y);
  y->setMin(0);
  y->applyNiceNumbers();
}

void CompareCharts::update_breakdown(const models::Result& analytic,
                                     const std::optional<models::Result>& des) {
  QChart* c = breakdown_->chart();
  reset_chart(c, QStringLiteral("Iteration time breakdown (s)"));
  std::vector<const models::Result*> results{&analytic};
  if (des) results.push_back(&*des);
  QStringList engines;
  for (const auto* r : results) engines << QString::fromStdString(r->engine);
  struct Part {
    const char* name;
    double models::Iteration::*field;
  };
  const Part parts[] = {
      {"compute", &models::Iteration::compute_s},     {"TP comm", &models::Iteration::tp_comm_s},
      {"PP bubble", &models::Iteration::pp_bubble_s}, {"PP comm", &models::Iteration::pp_comm_s},
      {"DP comm", &models::Iteration::dp_comm_s},     {"CP comm", &models::Iteration::cp_comm_s},
      {"EP comm", &models::Iteration::ep_comm_s},     {"I/O stall", &models::Iteration::io_stall_s},
      {"other", &models::Iteration::other_s}};
  auto* series = new QHorizontalStackedBarSeries;
  for (const Part& p : parts) {
    double total = 0;
    for (const auto* r : results) total += r->iteration.*(p.field);
    if (total <= 0) continue;  // keep the legend to the parts this layout has
    auto* set = new QBarSet(QString::fromLatin1(p.name));
    for (const auto* r : results) *set << r->iteration.*(p.field);
    hover_values(set, engines, QStringLiteral("s"), 3);
    series->append(set);
  }
  series->setBarWidth(0.6);
  c->legend()->setAlignment(Qt::AlignRight);  // part names stay readable
  c->addSeries(series);
  auto* y = new QBarCategoryAxis;
  y->append(engines);
  auto* x = new QValueAxis;
  x->setTitleText(QStringLiteral("seconds per iteration"));
  x->setLabelFormat(QStringLiteral("%.1f"));
  c->addAxis(y, Qt::AlignLeft);
  c->addAxis(x, Qt::AlignBottom);
  series->attachAxis(x);
  series->attachAxis(y);
  x->setMin(0);
  x->applyNiceNumbers();
}

void CompareCharts::update_campaign(const models::Result& r) {
  auto fill = [](QStackedWidget* slot, QWidget* w) {
    while (slot->count()) {
      QWidget* old = slot->widget(0);
      slot->removeWidget(old);
      old->deleteLater();
    }
    slot->addWidget(w);
  };
  fill(monthly_, monthly_chart(r));
  fill(interruptions_, interruptions_chart(r));
}

}  // namespace trainsite::gui
