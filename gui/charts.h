// Site comparison charts (Qt Charts): cost stacked bars per site, the iteration-time breakdown,
// and the campaign's monthly PUE/power and interruptions when the result carries them.
// Hovering a bar shows its value and unit.
#pragma once

#include <QWidget>
#include <optional>

#include "models/estimate.h"

class QChartView;
class QStackedWidget;
class QLabel;

namespace trainsite::gui {

class CompareCharts : public QWidget {
  Q_OBJECT
 public:
  explicit CompareCharts(QWidget* parent = nullptr);

  // `des` is the simulate result when there is one (its breakdown is shown next to the analytic one).
  void set_results(const models::Result& analytic, const std::optional<models::Result>& des);

  QChartView* cost_view() const { return cost_; }
  QChartView* breakdown_view() const { return breakdown_; }

 private:
  void update_cost(const models::Result& r);
  void update_breakdown(const models::Result& analytic, const std::optional<models::Result>& des);
  void update_campaign(const models::Result& r);

  QChartView* cost_ = nullptr;
  QChartView* breakdown_ = nullptr;
  QStackedWidget* monthly_ = nullptr;
  QStackedWidget* interruptions_ = nullptr;
};

}  // namespace trainsite::gui
