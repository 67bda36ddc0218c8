// Sweep results from a SQLite store (reports/store.h): a sortable, filterable table of points and
// a scatter plot of any two numeric columns, coloured by site.
#pragma once

#include <QAbstractTableModel>
#include <QWidget>
#include <vector>

#ifdef TRAINSITE_GUI_HAS_STORE
#include "reports/store.h"
#endif

class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace trainsite::gui {

#ifdef TRAINSITE_GUI_HAS_STORE
class SweepTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  using QAbstractTableModel::QAbstractTableModel;
  void set_rows(std::vector<reports::PointRow> rows);
  const std::vector<reports::PointRow>& rows() const { return rows_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;
  static bool numeric(int column);

 private:
  std::vector<reports::PointRow> rows_;
};
#else
class SweepTableModel;  // this build's reports library has no results store
#endif

class SweepBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit SweepBrowser(QWidget* parent = nullptr);
  bool open(const QString& path, QString* error = nullptr);
  void open_dialog();
  void set_axes(int x_column, int y_column);
  SweepTableModel* model() const { return model_; }
  QSortFilterProxyModel* proxy() const { return proxy_; }
  QChartView* scatter() const { return scatter_; }

 private:
  void replot();

  SweepTableModel* model_;
  QSortFilterProxyModel* proxy_;
  QTableView* table_;
  QLineEdit* filter_;
  QComboBox *x_, *y_;
  QChartView* scatter_;
  QLabel* info_;
};

}  // namespace trainsite::gui
