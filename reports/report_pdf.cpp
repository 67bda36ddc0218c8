#include "reports/report_pdf.h"

#include <QApplication>
#include <QFont>
#include <QGraphicsScene>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTextDocument>
#include <QUrl>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QHorizontalBarSeries>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QStackedBarSeries>
#include <QtCharts/QValueAxis>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>

namespace trainsite::reports {

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

QString esc(const std::string& s) {
  return q(s).toHtmlEscaped();
}

// One report chart as a Qt Charts chart (owned by the caller's scene).
QChart* make_chart(const Chart& c) {
  auto* chart = new QChart;
  chart->setTitle(q(c.title));
  chart->setAnimationOptions(QChart::NoAnimation);
  if (c.kind == "stacked-bars" || c.kind == "tornado") {
    QAbstractBarSeries* series = c.kind == "tornado"
                                     ? static_cast<QAbstractBarSeries*>(new QHorizontalBarSeries)
                                     : new QStackedBarSeries;
    for (const auto& se : c.series) {
      auto* set = new QBarSet(q(se.name));
      for (double v : se.values) *set << (c.kind == "tornado" ? 100 * (v - c.reference) / c.reference : v);
      series->append(set);
    }
    chart->addSeries(series);
    auto* cats = new QBarCategoryAxis;
    for (const auto& cat : c.categories) cats->append(q(cat));
    auto* values = new QValueAxis;
    values->setTitleText(c.kind == "tornado" ? "change of total cost (%)" : q(c.y_label));
    chart->addAxis(cats, c.kind == "tornado" ? Qt::AlignLeft : Qt::AlignBottom);
    chart->addAxis(values, c.kind == "tornado" ? Qt::AlignBottom : Qt::AlignLeft);
    series->attachAxis(cats);
    series->attachAxis(values);
  } else if (c.kind == "lines") {
    auto* x = new QValueAxis;
    x->setTitleText(
        QString("month (%1 = %2)").arg(1).arg(c.categories.empty() ? "" : q(c.categories.front())));
    x->setLabelFormat("%.0f");
    auto* y = new QValueAxis;
    y->setTitleText(q(c.y_label));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& se : c.series) {
      auto* line = new QLineSeries;
      line->setName(q(se.name));
      line->setPointsVisible(true);
      for (size_t i = 0; i < se.values.size(); ++i)
        if (std::isfinite(se.values[i])) {
          line->append(double(i + 1), se.values[i]);
          lo = std::min(lo, se.values[i]), hi = std::max(hi, se.values[i]);
        }
      chart->addSeries(line);
      line->attachAxis(x);
      line->attachAxis(y);
    }
    const double pad = std::isfinite(lo) ? 0.1 * (hi - lo) + 0.02 * std::abs(hi) : 1;
    x->setRange(0.5, double(c.categories.size()) + 0.5);
    x->setTickCount(int(std::min<size_t>(c.categories.size(), 12)) + 1);
    if (std::isfinite(lo)) y->setRange(lo - pad, hi + pad);
  } else if (c.kind == "scatter" && c.series.size() == 2) {
    auto *all = new QScatterSeries, *front = new QScatterSeries;
    all->setName("configurations");
    all->setMarkerSize(5);
    front->setName("Pareto-optimal");
    front->setMarkerSize(9);
    front->setColor(QColor("#e15759"));
    for (size_t i = 0; i < c.series[0].values.size(); ++i) {
      const bool hl = i < c.highlighted.size() && c.highlighted[i];
      (hl ? front : all)->append(c.series[0].values[i], c.series[1].values[i]);
    }
    chart->addSeries(all);
    chart->addSeries(front);
    chart->createDefaultAxes();
    chart->axes(Qt::Horizontal).front()->setTitleText(q(c.x_label));
    chart->axes(Qt::Vertical).front()->setTitleText(q(c.y_label));
  }
  chart->legend()->setAlignment(Qt::AlignRight);
  for (auto* axis : chart->axes())
    if (auto* v = qobject_cast<QValueAxis*>(axis); v && c.kind != "lines") {
      v->applyNiceNumbers();
      v->setLabelFormat("%.4g");
    }
  QFont title = chart->titleFont();
  title.setPointSize(13);
  title.setBold(true);
  chart->setTitleFont(title);
  QFont labels;
  labels.setPointSize(10);
  for (auto* axis : chart->axes()) axis->setLabelsFont(labels), axis->setTitleFont(labels);
  chart->legend()->setFont(labels);
  return chart;
}

QImage render_chart(const Chart& c) {
  const QSizeF size(1100, 560);
  QGraphicsScene scene;
  QChart* chart = make_chart(c);
  chart->setGeometry(QRectF(QPointF(0, 0), size));
  scene.addItem(chart);
  scene.setSceneRect(QRectF(QPointF(0, 0), size));
  QImage img(size.toSize(), QImage::Format_ARGB32);
  img.fill(Qt::white);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  scene.render(&p);
  return img;
}

}  // namespace

void write_report_pdf(const ReportData& d, const std::string& path) {
  std::unique_ptr<QApplication> app;
  if (!QCoreApplication::instance()) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static int argc = 1;
    static char name[] = "trainsite";
    static char* argv[] = {name, nullptr};
    app = std::make_unique<QApplication>(argc, argv);
  }
  const std::string tmp = path + ".tmp";
  {
    QPdfWriter pdf(q(tmp));
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(150);
    pdf.setTitle(q(d.title));
    pdf.setCreator("trainsite");
    QTextDocument doc;
    doc.setPageSize(QSizeF(pdf.width(), pdf.height()));
    QFont font("DejaVu Sans");
    font.setPixelSize(pdf.width() / 62);  // about 10 pt on A4
    doc.setDefaultFont(font);
    // Title page: the question and the answer.
    QString h = "<h1>" + esc(d.title) + "</h1><p><b>Question.</b> " + esc(d.question) +
                "</p><p><b>Answer.</b> " + esc(d.answer) + "</p>";
    for (size_t ti = 0; ti < d.tables.size(); ++ti) {
      const auto& t = d.tables[ti];
      h += QString("<h2%1>").arg(ti == 0 ? " style=\"page-break-before:always\"" : "") + esc(t.title) +
           "</h2>";
      h += "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" width=\"100%\"><tr>";
      for (const auto& c : t.header) h += "<th>" + esc(c) + "</th>";
      h += "</tr>";
      for (const auto& r : t.rows) {
        h += "<tr>";
        for (const auto& c : r) h += "<td>" + esc(c) + "</td>";
        h += "</tr>";
      }
      h += "</table>";
    }
    for (size_t i = 0; i < d.charts.size(); ++i) {
      const QString url = QString("chart%1.png").arg(i);
      doc.addResource(QTextDocument::ImageResource, QUrl(url), render_chart(d.charts[i]));
      h += QString("<p%1><img src=\"%2\" width=\"%3\"></p>")
               .arg(i % 2 == 0 ? " style=\"page-break-before:always\"" : "")
               .arg(url)
               .arg(int(pdf.width() * 0.9));
    }
    h += "<h2 style=\"page-break-before:always\">Assumptions</h2><table border=\"1\" cellspacing=\"0\" "
         "cellpadding=\"3\">";
    for (const auto& [k, v] : d.assumptions) h += "<tr><td>" + esc(k) + "</td><td>" + esc(v) + "</td></tr>";
    h += "</table><h2>Data sources</h2><table border=\"1\" cellspacing=\"0\" cellpadding=\"3\">";
    for (const auto& [k, v] : d.sources) h += "<tr><td>" + esc(k) + "</td><td>" + esc(v) + "</td></tr>";
    h += "</table>";
    doc.setHtml(h);
    doc.print(&pdf);
  }
  if (!std::filesystem::exists(tmp) || std::filesystem::file_size(tmp) == 0)
    throw std::runtime_error("could not write the PDF " + tmp);
  std::filesystem::rename(tmp, path);
}

}  // namespace trainsite::reports
