#include "gui/sweep_browser.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QCursor>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScatterSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <map>

namespace trainsite::gui {

#ifdef TRAINSITE_GUI_HAS_STORE
namespace {

struct Column {
  const char* title;
  int decimals;  // -1 = text
  QVariant (*get)(const reports::PointRow&);
};

QVariant opt(const std::optional<double>& v, double scale = 1) {
  return v ? QVariant(*v * scale) : QVariant();
}

const Column kColumns[] = {
    {"sweep", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.sweep)); }},
    {"point", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.point)); }},
    {"site", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.site)); }},
    {"GPU", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.gpu)); }},
    {"fabric", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.fabric)); }},
    {"nodes", 0, [](const reports::PointRow& r) { return QVariant(double(r.nodes)); }},
    {"GPUs", 0, [](const reports::PointRow& r) { return QVariant(double(r.gpus)); }},
    {"tp", 0, [](const reports::PointRow& r) { return QVariant(double(r.tp)); }},
    {"pp", 0, [](const reports::PointRow& r) { return QVariant(double(r.pp)); }},
    {"step (s)", 2, [](const reports::PointRow& r) { return opt(r.step_time_s); }},
    {"MFU (%)", 1, [](const reports::PointRow& r) { return opt(r.mfu, 100); }},
    {"wall clock (days)", 1, [](const reports::PointRow& r) { return opt(r.wall_clock_days); }},
    {"energy (MWh)", 0, [](const reports::PointRow& r) { return opt(r.energy_mwh); }},
    {"cost (M)", 3, [](const reports::PointRow& r) { return opt(r.cost_total, 1e-6); }},
    {"currency", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.currency)); }},
    {"CO₂ (t)", 0, [](const reports::PointRow& r) { return opt(r.co2_t); }},
    {"status", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.status)); }},
    {"reason", -1, [](const reports::PointRow& r) { return QVariant(QString::fromStdString(r.reason)); }},
};
constexpr int kCols = int(sizeof kColumns / sizeof kColumns[0]);
constexpr int kSiteColumn = 2;

}  // namespace

void SweepTableModel::set_rows(std::vector<reports::PointRow> rows) {
  beginResetModel();
  rows_ = std::move(rows);
  endResetModel();
}

int SweepTableModel::rowCount(const QModelIndex& p) const {
  return p.isValid() ? 0 : int(rows_.size());
}
int SweepTableModel::columnCount(const QModelIndex& p) const {
  return p.isValid() ? 0 : kCols;
}
bool SweepTableModel::numeric(int column) {
  return column >= 0 && column < kCols && kColumns[column].decimals >= 0;
}

QVariant SweepTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const Column& c = kColumns[index.column()];
  const QVariant v = c.get(rows_.at(size_t(index.row())));
  switch (role) {
    case Qt::DisplayRole:
      if (c.decimals < 0 || !v.isValid()) return v;
      return QLocale().toString(v.toDouble(), 'f', c.decimals);
    case Qt::UserRole:  // sort key: the raw value
      return v;
    case Qt::TextAlignmentRole:
      return c.decimals >= 0 ? QVariant(int(Qt::AlignRight | Qt::AlignVCenter)) : QVariant();
    case Qt::ToolTipRole: return QString::fromStdString(rows_.at(size_t(index.row())).point);
    default: return {};
  }
}

QVariant SweepTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o == Qt::Horizontal && role == Qt::DisplayRole && section < kCols)
    return QString::fromUtf8(kColumns[section].title);
  return {};
}

SweepBrowser::SweepBrowser(QWidget* parent) : QWidget(parent) {
  model_ = new SweepTableModel(this);
  proxy_ = new QSortFilterProxyModel(this);
  proxy_->setSourceModel(model_);
  proxy_->setSortRole(Qt::UserRole);
  proxy_->setFilterKeyColumn(-1);
  proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
  auto* open = new QPushButton(tr("Open sweep database…"));
  open->setToolTip(tr("A SQLite store written by `trainsite sweep --db F.sqlite`"));
  filter_ = new QLineEdit;
  filter_->setPlaceholderText(tr("Filter rows (any column)…"));
  filter_->setClearButtonEnabled(true);
  x_ = new QComboBox;
  y_ = new QComboBox;
  for (int c = 0; c < kCols; ++c)
    if (SweepTableModel::numeric(c)) {
      x_->addItem(QString::fromUtf8(kColumns[c].title), c);
      y_->addItem(QString::fromUtf8(kColumns[c].title), c);
    }
  x_->setToolTip(tr("Scatter x axis"));
  y_->setToolTip(tr("Scatter y axis"));
  info_ = new QLabel(tr("No sweep database open."));
  table_ = new QTableView;
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
  auto* chart = new QChart;
  chart->setTheme(QChart::ChartThemeLight);
  chart->legend()->setAlignment(Qt::AlignBottom);
  scatter_ = new QChartView(chart);
  scatter_->setRenderHint(QPainter::Antialiasing);
  scatter_->setMinimumHeight(220);

  auto* top = new QHBoxLayout;
  top->addWidget(open);
  top->addWidget(filter_, 1);
  top->addWidget(new QLabel(tr("x:")));
  top->addWidget(x_);
  top->addWidget(new QLabel(tr("y:")));
  top->addWidget(y_);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(table_);
  split->addWidget(scatter_);
  auto* v = new QVBoxLayout(this);
  v->addLayout(top);
  v->addWidget(info_);
  v->addWidget(split, 1);
  connect(open, &QPushButton::clicked, this, &SweepBrowser::open_dialog);
  connect(filter_, &QLineEdit::textChanged, proxy_, &QSortFilterProxyModel::setFilterFixedString);
  connect(filter_, &QLineEdit::textChanged, this, &SweepBrowser::replot);
  connect(x_, &QComboBox::currentIndexChanged, this, &SweepBrowser::replot);
  connect(y_, &QComboBox::currentIndexChanged, this, &SweepBrowser::replot);
  set_axes(13, 11);  // cost vs wall-clock days
}

void SweepBrowser::set_axes(int x_column, int y_column) {
  x_->setCurrentIndex(x_->findData(x_column));
  y_->setCurrentIndex(y_->findData(y_column));
  replot();
}

bool SweepBrowser::open(const QString& path, QString* error) {
  try {
    reports::Store store(path.toStdString(), /*read_only=*/true);
    model_->set_rows(store.all());
    info_->setText(tr("%1: %2 points").arg(path).arg(model_->rowCount()));
  } catch (const std::exception& e) {
    info_->setText(tr("Cannot open %1: %2").arg(path, e.what()));
    if (error) *error = QString::fromStdString(e.what());
    return false;
  }
  table_->resizeColumnsToContents();
  replot();
  return true;
}

void SweepBrowser::open_dialog() {
  const QString p = QFileDialog::getOpenFileName(this, tr("Open sweep database"), QString(),
                                                 tr("Sweep databases (*.sqlite *.db);;All files (*)"));
  if (!p.isEmpty()) open(p);
}

void SweepBrowser::replot() {
  QChart* chart = scatter_->chart();
  chart->removeAllSeries();
  for (auto* a : chart->axes()) {
    chart->removeAxis(a);
    delete a;
  }
  const int xc = x_->currentData().toInt(), yc = y_->currentData().toInt();
  chart->setTitle(tr("%1 vs %2, coloured by site").arg(y_->currentText(), x_->currentText()));
  std::map<QString, QScatterSeries*> by_site;
  std::map<QScatterSeries*, QStringList> labels;
  for (int r = 0; r < proxy_->rowCount(); ++r) {
    const QModelIndex src = proxy_->mapToSource(proxy_->index(r, 0));
    const auto& row = model_->rows().at(size_t(src.row()));
    const QVariant xv = model_->index(src.row(), xc).data(Qt::UserRole),
                   yv = model_->index(src.row(), yc).data(Qt::UserRole);
    if (!xv.isValid() || !yv.isValid()) continue;
    const QString site = model_->index(src.row(), kSiteColumn).data().toString();
    QScatterSeries*& s = by_site[site];
    if (!s) {
      s = new QScatterSeries;
      s->setName(site.isEmpty() ? tr("(no site)") : site);
      s->setMarkerSize(9);
    }
    s->append(xv.toDouble(), yv.toDouble());
    labels[s] << QString::fromStdString(row.point);
  }
  if (by_site.empty()) return;
  auto* ax = new QValueAxis;
  auto* ay = new QValueAxis;
  ax->setTitleText(x_->currentText());
  ay->setTitleText(y_->currentText());
  chart->addAxis(ax, Qt::AlignBottom);
  chart->addAxis(ay, Qt::AlignLeft);
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (auto& [site, s] : by_site) {
    chart->addSeries(s);
    s->attachAxis(ax);
    s->attachAxis(ay);
    for (const QPointF& p : s->points())
      x0 = std::min(x0, p.x()), x1 = std::max(x1, p.x()), y0 = std::min(y0, p.y()), y1 = std::max(y1, p.y());
    const QStringList names = labels[s];
    const QString xt = x_->currentText(), yt = y_->currentText();
    connect(s, &QScatterSeries::hovered, s, [s, names, xt, yt](const QPointF& p, bool on) {
      if (!on) return QToolTip::hideText();
      const auto pts = s->points();
      int best = 0;
      for (int i = 1; i < pts.size(); ++i)
        if (QLineF(pts[i], p).length() < QLineF(pts[best], p).length()) best = i;
      QToolTip::showText(QCursor::pos(), QStringLiteral("%1\n%2\n%3: %4\n%5: %6")
                                             .arg(s->name(), names.value(best), xt)
                                             .arg(QLocale().toString(pts[best].x(), 'g', 4), yt)
                                             .arg(QLocale().toString(pts[best].y(), 'g', 4)));
    });
  }
  const double px = (x1 - x0) * 0.05 + 1e-9, py = (y1 - y0) * 0.05 + 1e-9;
  ax->setRange(x0 - px, x1 + px);
  ay->setRange(y0 - py, y1 + py);
}

#else
// Without reports/store.* the tab explains why it is empty; nothing pretends to be a sweep.
SweepBrowser::SweepBrowser(QWidget* parent) : QWidget(parent) {
  auto* open = new QPushButton(tr("Open sweep database…"));
  open->setEnabled(false);
  open->setToolTip(tr("Needs the SQLite results store (reports/store.h), which is not in this build."));
  info_ = new QLabel(open->toolTip());
  auto* v = new QVBoxLayout(this);
  v->addWidget(open);
  v->addWidget(info_);
  v->addStretch(1);
  model_ = nullptr, proxy_ = nullptr, table_ = nullptr, filter_ = nullptr, x_ = y_ = nullptr,
  scatter_ = nullptr;
}
bool SweepBrowser::open(const QString&, QString* error) {
  if (error) *error = info_->text();
  return false;
}
void SweepBrowser::open_dialog() {}
void SweepBrowser::set_axes(int, int) {}
void SweepBrowser::replot() {}
#endif

}  // namespace trainsite::gui
