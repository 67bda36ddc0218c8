// The site comparison table: one row per headline key (with its unit), one column per site.
// A plain QAbstractTableModel over models::SiteResult; the best site per row is shown in bold.
#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "models/estimate.h"

namespace trainsite::gui {

class SiteTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  using QAbstractTableModel::QAbstractTableModel;

  void set_result(const models::Result& r);
  const models::Result& result() const { return result_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  QVariant headerData(int section, Qt::Orientation o, int role) const override;

  // The value shown in a cell (in the row's display unit), for tests and charts.
  double value(int row, int site) const;
  int row_of(const QString& key) const;  // by key ("training_days", "cost_total", ...), -1 if unknown

 private:
  models::Result result_;
};

}  // namespace trainsite::gui
