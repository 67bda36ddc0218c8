#include "gui/catalog_browser.h"

#include <QHeaderView>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>
#include <functional>
#include <map>

#include "models/step/transformer.h"

namespace trainsite::gui {

namespace {

QStandardItem* num(double v, int decimals) {
  auto* it = new QStandardItem(QLocale().toString(v, 'f', decimals));
  it->setData(v, Qt::UserRole + 1);  // sort by value, not by text
  it->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return it;
}

QString sources_html(const std::map<std::string, std::string>& sources) {
  if (sources.empty()) return QStringLiteral("<p><i>No sources recorded.</i></p>");
  QString html = QStringLiteral("<table cellspacing=4>");
  for (const auto& [k, v] : sources)
    html += QStringLiteral("<tr><td valign=top><b>%1</b></td><td>%2</td></tr>")
                .arg(QString::fromStdString(k).toHtmlEscaped(), QString::fromStdString(v).toHtmlEscaped());
  return html + QStringLiteral("</table>");
}

// One tab: filter box, sortable table, and the selected row's sources below.
QWidget* table_tab(QStandardItemModel* model, std::function<QString(int)> details) {
  auto* w = new QWidget;
  auto* v = new QVBoxLayout(w);
  auto* filter = new QLineEdit;
  filter->setPlaceholderText(QStringLiteral("Filter…"));
  filter->setClearButtonEnabled(true);
  auto* proxy = new QSortFilterProxyModel(w);
  proxy->setSourceModel(model);
  proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
  proxy->setFilterKeyColumn(-1);
  proxy->setSortRole(Qt::UserRole + 1);
  for (int r = 0; r < model->rowCount(); ++r)
    for (int c = 0; c < model->columnCount(); ++c)
      if (auto* it = model->item(r, c); it && !it->data(Qt::UserRole + 1).isValid())
        it->setData(it->text(), Qt::UserRole + 1);
  auto* table = new QTableView;
  table->setModel(proxy);
  table->setSortingEnabled(true);
  table->sortByColumn(0, Qt::AscendingOrder);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setSelectionMode(QAbstractItemView::SingleSelection);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->verticalHeader()->setVisible(false);
  auto* info = new QTextBrowser;
  info->setOpenExternalLinks(true);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table);
  split->addWidget(info);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  v->addWidget(filter);
  v->addWidget(split);
  QObject::connect(filter, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
  QObject::connect(table->selectionModel(), &QItemSelectionModel::currentRowChanged, info,
                   [proxy, info, details](const QModelIndex& cur) {
                     if (cur.isValid()) info->setHtml(details(proxy->mapToSource(cur).row()));
                   });
  if (proxy->rowCount() > 0) table->selectRow(0);  // show the first entry's sources
  return w;
}

}  // namespace

CatalogBrowser::CatalogBrowser(const models::Catalog& cat, QWidget* parent) : QWidget(parent) {
  tabs_ = new QTabWidget;
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(tabs_);

  auto* gpus = new QStandardItemModel(this);
  gpus->setHorizontalHeaderLabels({"id", "name", "arch", "BF16 TFLOP/s", "FP8 TFLOP/s", "HBM GB", "HBM GB/s",
                                   "NVLink GB/s", "TDP W", "node kW", "node USD"});
  for (const auto& g : cat.gpus) {
    auto peak = [&](const char* p) { return g.peak_tflops.count(p) ? g.peak_tflops.at(p) : 0.0; };
    gpus->appendRow({new QStandardItem(QString::fromStdString(g.id)),
                     new QStandardItem(QString::fromStdString(g.name)),
                     new QStandardItem(QString::fromStdString(g.arch)), num(peak("bf16"), 0),
                     peak("fp8") > 0 ? num(peak("fp8"), 0) : new QStandardItem(QStringLiteral("—")),
                     num(g.hbm_GB, 0), num(g.hbm_GBps, 0), num(g.nvlink_GBps, 0), num(g.tdp_w, 0),
                     num(g.node_power_kw, 1), num(g.node_price_usd, 0)});
  }
  tabs_->addTab(
      table_tab(gpus,
                [&cat](int row) {
                  const auto& g = cat.gpus.at(size_t(row));
                  return QStringLiteral("<h3>%1</h3>").arg(QString::fromStdString(g.name).toHtmlEscaped()) +
                         sources_html(g.sources);
                }),
      QStringLiteral("GPUs"));

  auto* models = new QStandardItemModel(this);
  models->setHorizontalHeaderLabels({"id", "parameters (B)", "layers", "hidden", "heads", "kv heads", "FFN",
                                     "seq len", "vocab", "activation", "MoE experts"});
  for (const auto& m : cat.models)
    models->appendRow({new QStandardItem(QString::fromStdString(m.id)), num(models::parameters(m) / 1e9, 1),
                       num(m.layers, 0), num(m.hidden, 0), num(m.heads, 0),
                       num(m.kv_heads ? m.kv_heads : m.heads, 0),
                       num(m.ffn_hidden ? m.ffn_hidden : 4 * m.hidden, 0), num(m.seq_len, 0), num(m.vocab, 0),
                       new QStandardItem(QString::fromStdString(models::to_string(m.activation))),
                       num(m.moe ? m.moe->experts : 0, 0)});
  tabs_->addTab(
      table_tab(models,
                [&cat](int row) {
                  const auto& m = cat.models.at(size_t(row));
                  return QStringLiteral("<h3>%1</h3><p><b>source</b> %2</p>")
                      .arg(QString::fromStdString(m.id).toHtmlEscaped(),
                           QString::fromStdString(m.source.empty() ? "—" : m.source).toHtmlEscaped());
                }),
      QStringLiteral("Models"));

  auto* sites = new QStandardItemModel(this);
  sites->setHorizontalHeaderLabels({"id", "name", "country", "PUE (avg)", "tariff /kWh", "currency",
                                    "CO₂ kg/kWh", "green %", "capacity MW", "colocation /kW·month"});
  for (const auto& s : cat.sites)
    sites->appendRow({new QStandardItem(QString::fromStdString(s.id)),
                      new QStandardItem(QString::fromStdString(s.name)),
                      new QStandardItem(QString::fromStdString(s.country)), num(s.pue_avg, 2),
                      num(s.tariff_flat_per_kwh, 3), new QStandardItem(QString::fromStdString(s.currency)),
                      num(s.carbon_kg_per_kwh, 3), num(s.green_share * 100, 0), num(s.power_capacity_mw, 0),
                      num(s.colocation_per_kw_month, 0)});
  tabs_->addTab(table_tab(sites,
                          [&cat](int row) {
                            const auto& s = cat.sites.at(size_t(row));
                            return QStringLiteral("<h3>%1 (%2)</h3>")
                                       .arg(QString::fromStdString(s.name).toHtmlEscaped(),
                                            QString::fromStdString(s.country).toHtmlEscaped()) +
                                   sources_html(s.sources);
                          }),
                QStringLiteral("Sites"));
}

}  // namespace trainsite::gui
