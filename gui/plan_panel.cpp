#include "gui/plan_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBrowser>
#include <QThread>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "gui/yaml_edit.h"

namespace trainsite::gui {

namespace {

QString esc(const std::string& s) {
  return QString::fromStdString(s).toHtmlEscaped();
}

QString layout_text(const models::LayoutChoice& l) {
  QString s = QStringLiteral("tp %1 · pp %2 · dp %3").arg(l.tp).arg(l.pp).arg(l.dp);
  if (l.cp > 1) s += QStringLiteral(" · cp %1").arg(l.cp);
  if (l.ep > 1) s += QStringLiteral(" · ep %1").arg(l.ep);
  s += QStringLiteral(" · micro-batch %1 · v %2").arg(l.micro_batch).arg(l.virtual_stages);
  if (l.pp > 1) s += QStringLiteral(" · ") + QString::fromStdString(models::to_string(l.schedule));
  return s + QStringLiteral(" · ZeRO %1 · recompute %2")
                 .arg(l.zero)
                 .arg(QString::fromStdString(models::to_string(l.recompute)));
}

QString point_html(const models::PlanPoint& p) {
  return QStringLiteral("%1 × %2: %3<br>step %4 s · %5 days · %6 %7 · memory %8 of %9 GB")
      .arg(p.nodes)
      .arg(esc(p.gpu), layout_text(p.layout))
      .arg(p.iteration.step_time_s, 0, 'f', 3)
      .arg(p.site.wall_clock_days, 0, 'f', 1)
      .arg(QLocale(QLocale::English).toString(p.site.cost.total, 'f', 0), esc(p.site.cost.currency))
      .arg(p.memory_GB, 0, 'f', 1)
      .arg(p.hbm_GB, 0, 'f', 0);
}

}  // namespace

PlanPanel::PlanPanel(ScenarioDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
  status_ =
      new QLabel(tr("Plan searches every valid layout of this cluster (Run ▸ Plan, F7) and fills the form "
                    "with the fastest; Edit ▸ Undo restores yours."));
  status_->setWordWrap(true);
  site_ = new QComboBox;
  site_->setToolTip(tr("Site whose best layout to apply"));
  apply_ = new QPushButton(tr("Apply layout"));
  apply_->setEnabled(false);
  apply_->setToolTip(tr("Write this site's best layout into the scenario (undoable)"));
  connect(apply_, &QPushButton::clicked, this, [this] { apply(site_->currentIndex()); });
  view_ = new QTextBrowser;
  view_->setOpenLinks(false);
  auto* row = new QHBoxLayout;
  row->addWidget(site_, 1);
  row->addWidget(apply_);
  auto* v = new QVBoxLayout(this);
  v->addWidget(status_);
  v->addLayout(row);
  v->addWidget(view_, 1);

  connect(&watcher_, &QFutureWatcher<Output>::finished, this, [this] {
    const QFuture<Output> f = watcher_.future();
    if (f.resultCount() == 0) return;
    const Output out = f.result();
    result_ = out.result;
    if (!result_) {
      status_->setText(QStringLiteral("<span style='color:#b3261e'><b>Plan failed:</b> %1</span>")
                           .arg(out.error.toHtmlEscaped()));
      emit finished();
      return;
    }
    show_result();
    emit finished();
    apply(0);
  });
}

PlanPanel::~PlanPanel() {
  watcher_.waitForFinished();
}

void PlanPanel::start(const models::Scenario& sc) {
  if (running()) return;
  result_.reset();
  apply_->setEnabled(false);
  status_->setText(tr("Planning…"));
  models::PlanOptions o;  // fastest layout of this cluster at each site; no DES (it would hold the UI's pool)
  o.search.jobs = std::max(1, QThread::idealThreadCount());
  watcher_.setFuture(QtConcurrent::run([sc, o] {
    Output out;
    try {
      out.result = models::plan(sc, {}, o);
    } catch (const std::exception& e) {
      out.error = QString::fromStdString(e.what());
    }
    return out;
  }));
}

void PlanPanel::show_result() {
  const auto& r = *result_;
  const auto& c = r.counts.layouts;
  status_->setText(
      tr("Searched %1 layouts: %2 evaluated, %3 pruned by memory, %4 by the step-time bound, %5 by "
         "layout rules.")
          .arg(c.searched)
          .arg(c.evaluated)
          .arg(c.memory)
          .arg(c.step_bound)
          .arg(c.layout_rules));
  site_->clear();
  QString html;
  for (const auto& sp : r.plans) {
    site_->addItem(QString::fromStdString(sp.site));
    html += QStringLiteral("<h3>%1</h3>").arg(esc(sp.site));
    if (!sp.best) {
      html += QStringLiteral("<p>No plan: %1</p>").arg(esc(sp.none_reason));
      continue;
    }
    html += QStringLiteral("<p><b>Plan</b> %1</p>").arg(point_html(*sp.best));
    if (sp.baseline) {
      html += QStringLiteral("<p><b>Yours</b> %1<br>plan vs yours: step %2 %</p>")
                  .arg(point_html(*sp.baseline))
                  .arg(100 * (sp.best->iteration.step_time_s / sp.baseline->iteration.step_time_s - 1), 0,
                       'f', 1);
    }
    html += QStringLiteral(
        "<table border='1' cellspacing='0' cellpadding='3'><tr><th>bound</th><th>share</th>"
        "<th>why</th></tr>");
    for (const auto& b : sp.bounds)
      if (b.share >= 0.005)
        html += QStringLiteral("<tr><td>%1</td><td align='right'>%2 %</td><td>%3</td></tr>")
                    .arg(esc(b.bound))
                    .arg(100 * b.share, 0, 'f', 1)
                    .arg(esc(b.detail));
    html += QStringLiteral("</table><p><b>Runner-ups</b></p><ul>");
    for (const auto& x : sp.runner_ups)
      html += QStringLiteral("<li>%1 × %2, %3: %4</li>")
                  .arg(x.point.nodes)
                  .arg(esc(x.point.gpu), layout_text(x.point.layout), esc(x.why));
    html += QStringLiteral("</ul>");
  }
  view_->setHtml(html);
  apply_->setEnabled(!r.plans.empty());
}

bool PlanPanel::apply(int index, QString* why) {
  auto fail = [&](const QString& m) {
    if (why) *why = m;
    return false;
  };
  if (!result_ || index < 0 || index >= int(result_->plans.size())) return fail(tr("no plan"));
  const auto& sp = result_->plans[size_t(index)];
  if (!sp.best) return fail(QString::fromStdString(sp.none_reason));
  const auto& l = sp.best->layout;
  const std::pair<const char*, std::string> fields[] = {
      {"parallelism.tp", std::to_string(l.tp)},
      {"parallelism.pp", std::to_string(l.pp)},
      {"parallelism.dp", std::to_string(l.dp)},
      {"parallelism.cp", std::to_string(l.cp)},
      {"parallelism.ep", std::to_string(l.ep)},
      {"parallelism.micro_batch", std::to_string(l.micro_batch)},
      {"parallelism.virtual_stages", std::to_string(l.virtual_stages)},
      {"parallelism.schedule", models::to_string(l.schedule)},
      {"parallelism.zero", std::to_string(l.zero)},
      {"parallelism.sequence_parallel", l.sequence_parallel ? "true" : "false"},
      {"workload.recompute", models::to_string(l.recompute)}};
  try {
    std::string text = doc_->text().toStdString();
    for (const auto& [field, value] : fields) text = set_value(text, field, value);
    doc_->set_text(QString::fromStdString(text));  // one undoable edit
  } catch (const std::exception& e) {
    return fail(QString::fromStdString(e.what()));
  }
  site_->setCurrentIndex(index);
  emit applied(
      tr("Applied the planner's layout for %1: %2").arg(QString::fromStdString(sp.site), layout_text(l)));
  return true;
}

}  // namespace trainsite::gui
