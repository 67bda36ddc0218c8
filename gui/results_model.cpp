#include "gui/results_model.h"

#include <QFont>
#include <QLocale>

namespace trainsite::gui {

namespace {

struct Metric {
  const char* key;
  const char* label;
  const char* unit;  // "$" is replaced by the result currency
  int decimals;
  int better;  // -1 lower is better, +1 higher is better, 0 neither
  double (*get)(const models::SiteResult&);
  const char* tip;
};

// Headline keys of DESIGN section 7, converted to the units planners read; what a planner decides
// on (days, money, energy, CO2) first, the engine's detail after.
const Metric kMetrics[] = {
    {"wall_clock_days", "Wall-clock time", "days", 1, -1,
     [](const models::SiteResult& s) { return s.wall_clock_days; },
     "Calendar days including interruptions and restarts (training days / goodput)."},
    {"cost_total", "Cost: total", "M $", 3, -1,
     [](const models::SiteResult& s) { return s.cost.total / 1e6; }, "Energy + capex share + facility."},
    {"cost_per_million_tokens", "Cost per M tokens", "$", 2, -1,
     [](const models::SiteResult& s) { return s.cost_per_million_tokens; }, "Total cost / (tokens / 10⁶)."},
    {"energy_mwh", "Energy", "MWh", 0, -1, [](const models::SiteResult& s) { return s.energy_mwh; },
     "Facility energy over the wall-clock run (IT × PUE)."},
    {"co2_t", "CO₂", "t", 0, -1, [](const models::SiteResult& s) { return s.co2_t; },
     "Energy × grid carbon intensity × (1 − green share)."},
    {"pue", "PUE", "–", 3, -1, [](const models::SiteResult& s) { return s.pue; },
     "Power usage effectiveness: facility power / IT power."},
    {"it_power_mw", "IT power", "MW", 2, -1, [](const models::SiteResult& s) { return s.it_power_mw; },
     "Servers at full load."},
    {"mfu", "MFU", "%", 1, +1, [](const models::SiteResult& s) { return s.mfu * 100; },
     "Model FLOPs utilization: model FLOPs (no recompute) / (time × peak dense BF16)."},
    {"tflops_per_gpu", "Achieved", "TFLOP/s per GPU", 1, +1,
     [](const models::SiteResult& s) { return s.tflops_per_gpu; },
     "Hardware FLOPs per GPU per second, Megatron convention (counts recomputation)."},
    {"tokens_per_s", "Throughput", "k tokens/s", 1, +1,
     [](const models::SiteResult& s) { return s.tokens_per_s / 1e3; }, "Training tokens per second."},
    {"step_time_s", "Iteration time", "s", 2, -1, [](const models::SiteResult& s) { return s.step_time_s; },
     "Time of one training iteration (global batch)."},
    {"training_days", "Training time", "days", 1, -1,
     [](const models::SiteResult& s) { return s.training_days; },
     "Days of uninterrupted training: tokens / throughput."},
    {"gpu_utilization", "GPU busy", "%", 1, +1,
     [](const models::SiteResult& s) { return s.gpu_utilization * 100; },
     "Fraction of the iteration the GPUs compute."},
    {"goodput", "Goodput", "%", 1, +1, [](const models::SiteResult& s) { return s.goodput * 100; },
     "Useful training time / wall-clock time (failures, restarts, checkpoints)."},
    {"interruptions", "Interruptions", "count", 0, -1,
     [](const models::SiteResult& s) { return s.interruptions; }, "Expected job interruptions over the run."},
    {"cost_energy", "Cost: energy", "M $", 3, -1,
     [](const models::SiteResult& s) { return s.cost.energy / 1e6; }, "Electricity at the site's tariff."},
    {"cost_capex", "Cost: capex share", "M $", 3, -1,
     [](const models::SiteResult& s) { return s.cost.capex / 1e6; },
     "Servers, network and storage amortized linearly over the run's duration."},
    {"cost_facility", "Cost: facility", "M $", 3, -1,
     [](const models::SiteResult& s) { return s.cost.facility / 1e6; },
     "Colocation rent for the contracted IT power."},
};
constexpr int kRows = int(sizeof kMetrics / sizeof kMetrics[0]);

QString unit_of(const Metric& m, const std::string& currency) {
  return QString::fromUtf8(m.unit).replace(QLatin1Char('$'), QString::fromStdString(currency));
}

}  // namespace

void SiteTableModel::set_result(const models::Result& r) {
  beginResetModel();
  result_ = r;
  endResetModel();
}

int SiteTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kRows;
}
int SiteTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(result_.sites.size()) + 1;  // + the unit column
}

double SiteTableModel::value(int row, int site) const {
  return kMetrics[row].get(result_.sites.at(size_t(site)));
}

int SiteTableModel::row_of(const QString& key) const {
  for (int i = 0; i < kRows; ++i)
    if (key == QLatin1String(kMetrics[i].key)) return i;
  return -1;
}

QVariant SiteTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid()) return {};
  const Metric& m = kMetrics[index.row()];
  const std::string currency = result_.sites.empty() ? "USD" : result_.sites.front().cost.currency;
  if (index.column() == 0) {
    if (role == Qt::DisplayRole) return unit_of(m, currency);
    if (role == Qt::ForegroundRole) return QVariant();
    return {};
  }
  const int site = index.column() - 1;
  const double v = value(index.row(), site);
  switch (role) {
    case Qt::DisplayRole: return QLocale().toString(v, 'f', m.decimals);
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ToolTipRole:
      return QStringLiteral("%1 at %2: %3 %4\n%5")
          .arg(QString::fromUtf8(m.label), QString::fromStdString(result_.sites[size_t(site)].site))
          .arg(QLocale().toString(v, 'g', 6), unit_of(m, currency), QString::fromUtf8(m.tip));
    case Qt::FontRole: {
      if (m.better == 0 || result_.sites.size() < 2) return {};
      // Bold = strictly better than some site and no worse than any (ties with everyone stay plain).
      bool best = true, beats_one = false;
      for (size_t j = 0; j < result_.sites.size(); ++j) {
        const double o = value(index.row(), int(j));
        best = best && (m.better < 0 ? v <= o : v >= o);
        beats_one = beats_one || (m.better < 0 ? v < o : v > o);
      }
      best = best && beats_one;
      QFont f;
      f.setBold(best);
      return f;
    }
    default: return {};
  }
}

QVariant SiteTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (o == Qt::Horizontal && role == Qt::DisplayRole)
    return section == 0 ? QStringLiteral("unit")
                        : QString::fromStdString(result_.sites.at(size_t(section - 1)).site);
  if (o == Qt::Vertical && section < kRows) {
    if (role == Qt::DisplayRole) return QString::fromUtf8(kMetrics[section].label);
    if (role == Qt::ToolTipRole) return QString::fromUtf8(kMetrics[section].tip);
  }
  return {};
}

}  // namespace trainsite::gui
