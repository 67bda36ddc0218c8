// Browse the data catalog (GPUs, model presets, sites) with the sources of every figure.
#pragma once

#include <QWidget>

#include "models/catalog.h"

class QTabWidget;

namespace trainsite::gui {

class CatalogBrowser : public QWidget {
  Q_OBJECT
 public:
  explicit CatalogBrowser(const models::Catalog& catalog, QWidget* parent = nullptr);

 private:
  QTabWidget* tabs_ = nullptr;
};

}  // namespace trainsite::gui
