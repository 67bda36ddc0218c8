// Site comparison charts (Qt Charts): cost stacked bars per site, the iteration-time breakdown,
// and the campaign's monthly PUE/power and interruptions when the result carries them; on a second
// page the sensitivity (tornado) of a chosen site and the total cost by start month.
// Hovering a bar shows its value and unit.
#pragma once

#include <QWidget>
#include <functional>
#include <optional>

#include "models/estimate.h"

class QChartView;
class QComboBox;
class QStackedWidget;
class QLabel;
class QTabWidget;

namespace trainsite::gui {

class CompareCharts : public QWidget {
  Q_OBJECT
 public:
  explicit CompareCharts(QWidget* parent = nullptr);

  // Fills a result's sensitivity, break-even and start-month runs (models::add_robustness on its scenario).
  using Robustness = std::function<void(models::Result&)>;
  // `des` is the simulate result when there is one (its breakdown is shown next to the analytic one).
  // `robustness` runs when the sensitivity page is (or becomes) visible, on a copy of `analytic`.
  void set_results(const models::Result& analytic, const std::optional<models::Result>& des,
                   Robustness robustness = {});

  QChartView* cost_view() const { return cost_; }
  QChartView* breakdown_view() const { return breakdown_; }
  QTabWidget* pages() const { return pages_; }  // "Cost and time" | "Sensitivity and start month"
  QComboBox* tornado_site() const { return tornado_site_; }  // whose tornado is shown

 private:
  void update_cost(const models::Result& r);
  void update_breakdown(const models::Result& analytic, const std::optional<models::Result>& des);
  void update_campaign(const models::Result& r);
  // The sensitivity (tornado) and start-month charts of the analytic result (models::add_robustness).
  void update_robustness(const models::Result& analytic, Robustness robustness);
  void compute_robustness();  // when the page is visible and the runs are missing
  void show_tornado();

  QTabWidget* pages_ = nullptr;
  QChartView* cost_ = nullptr;
  QChartView* breakdown_ = nullptr;
  QStackedWidget* monthly_ = nullptr;
  QStackedWidget* interruptions_ = nullptr;
  QComboBox* tornado_site_ = nullptr;
  QStackedWidget* tornado_ = nullptr;
  QStackedWidget* start_month_ = nullptr;
  std::optional<models::Result> robust_;  // the result the tornado slot draws from
  Robustness robustness_;
  bool robust_done_ = false;
};

}  // namespace trainsite::gui
