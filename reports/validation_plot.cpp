#include "reports/validation_plot.h"

#include <fmt/format.h>

#include <QFont>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QPen>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>

namespace trainsite::reports {

namespace {

QString q(const std::string& s) {
  return QString::fromStdString(s);
}

// 1e3 -> "1k", 1e9 -> "1B": tick labels of a log axis (B for billions, as parameter counts are written).
std::string si_label(double v) {
  static const char* suffix[] = {"", "k", "M", "B", "T"};
  int i = 0;
  while (std::abs(v) >= 1000 && i < 4) {
    v /= 1000;
    ++i;
  }
  return fmt::format("{:g}{}", v, suffix[i]);
}

void render(const std::vector<ErrorPoint>& points, const std::vector<std::string>& sets,
            const std::function<double(const ErrorPoint&)>& x_of, const std::string& title,
            const std::string& x_label, const PlotLayout& L, const std::string& path) {
  std::vector<double> xs, ys;
  for (const auto& p : points) {
    xs.push_back(x_of(p));
    ys.push_back(p.rel_error);
  }
  const PlotAxes ax = error_axes(xs, ys);
  QImage img(L.width, L.height, QImage::Format_RGB32);
  img.fill(Qt::white);
  QPainter g(&img);
  g.setRenderHint(QPainter::Antialiasing);
  QFont font("DejaVu Sans");
  font.setPixelSize(13);
  g.setFont(font);
  const double x0 = L.left, x1 = L.width - L.right, y0 = L.top, y1 = L.height - L.bottom;
  const QColor grid(0xe0, 0xe0, 0xe0), axis(0x40, 0x40, 0x40);
  // Vertical grid: every decade and 2× and 5× (light); 2× and 5× are labelled only on axes of up
  // to three decades, where their labels do not collide.
  const bool label_minor = ax.x_max_log10 - ax.x_min_log10 <= 3;
  for (int d = int(ax.x_min_log10); d <= int(ax.x_max_log10); ++d)
    for (int m : {1, 2, 5}) {
      const double v = m * std::pow(10.0, d);
      if (std::log10(v) > ax.x_max_log10 + 1e-9) continue;
      const double px = to_pixel(v, 0, ax, L).x;
      g.setPen(QPen(m == 1 ? grid.darker(115) : grid, 1));
      g.drawLine(QPointF(px, y0), QPointF(px, y1));
      if (m != 1 && !label_minor) continue;
      g.setPen(axis);
      g.drawText(QRectF(px - 40, y1 + 4, 80, 18), Qt::AlignHCenter | Qt::AlignTop, q(si_label(v)));
    }
  // Horizontal grid: every step, labelled in percent; zero drawn dashed and darker.
  const int steps = int(std::lround((ax.y_max - ax.y_min) / ax.y_step));
  for (int i = 0; i <= steps; ++i) {
    const double v = ax.y_min + i * ax.y_step;
    const double py = to_pixel(std::pow(10.0, ax.x_min_log10), v, ax, L).y;
    const bool zero = std::abs(v) < 1e-9;
    g.setPen(zero ? QPen(axis, 1, Qt::DashLine) : QPen(grid, 1));
    g.drawLine(QPointF(x0, py), QPointF(x1, py));
    g.setPen(axis);
    g.drawText(QRectF(0, py - 9, x0 - 6, 18), Qt::AlignRight | Qt::AlignVCenter,
               q(zero ? std::string("0%") : fmt::format("{:+.0f}%", 100 * v)));
  }
  g.setPen(QPen(axis, 1));
  g.setBrush(Qt::NoBrush);
  g.drawRect(QRectF(x0, y0, x1 - x0, y1 - y0));
  // Points, opaque so a lone point shows its set's colour exactly (tests/reports/qt); a thin white
  // rim keeps overlapping points apart.
  g.setPen(QPen(Qt::white, 1));
  for (size_t i = 0; i < points.size(); ++i) {
    const size_t k = size_t(std::find(sets.begin(), sets.end(), points[i].set) - sets.begin());
    g.setBrush(QColor(q(set_colour(k))));
    const PixelPoint p = to_pixel(xs[i], ys[i], ax, L);
    g.drawEllipse(QPointF(p.x, p.y), 4.0, 4.0);
  }
  // Title, axis labels, legend (set name and number of points).
  g.setPen(Qt::black);
  QFont bold = font;
  bold.setPixelSize(16);
  bold.setBold(true);
  g.setFont(bold);
  g.drawText(QRectF(x0, 8, x1 - x0, 30), Qt::AlignHCenter | Qt::AlignVCenter, q(title));
  g.setFont(font);
  g.drawText(QRectF(x0, y1 + 28, x1 - x0, 20), Qt::AlignHCenter | Qt::AlignTop, q(x_label));
  g.save();
  g.translate(16, (y0 + y1) / 2);
  g.rotate(-90);
  g.drawText(QRectF(-(y1 - y0) / 2, -10, y1 - y0, 20), Qt::AlignCenter, "(predicted − measured) / measured");
  g.restore();
  double ly = y0 + 8;
  for (size_t k = 0; k < sets.size(); ++k, ly += 22) {
    const auto n =
        std::count_if(points.begin(), points.end(), [&](const ErrorPoint& p) { return p.set == sets[k]; });
    g.setPen(Qt::NoPen);
    g.setBrush(QColor(q(set_colour(k))));
    g.drawEllipse(QPointF(x1 + 20, ly + 9), 5.0, 5.0);
    g.setPen(Qt::black);
    g.drawText(QRectF(x1 + 32, ly, L.right - 36, 18), Qt::AlignLeft | Qt::AlignVCenter,
               q(fmt::format("{} ({})", sets[k], n)));
  }
  g.end();
  const std::string tmp = path + ".tmp";
  if (!img.save(q(tmp), "PNG")) throw std::runtime_error("cannot write " + tmp);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw std::runtime_error("cannot write " + path + ": " + ec.message());
}

}  // namespace

PlotAxes error_axes(const std::vector<double>& x, const std::vector<double>& rel_error) {
  PlotAxes a;
  if (!x.empty()) {
    const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
    a.x_min_log10 = std::floor(std::log10(*lo));
    a.x_max_log10 = std::max(std::ceil(std::log10(*hi)), a.x_min_log10 + 1);
  }
  double ymin = 0, ymax = 0;
  for (double e : rel_error) {
    ymin = std::min(ymin, e);
    ymax = std::max(ymax, e);
  }
  for (double step : {0.05, 0.10, 0.20, 0.25, 0.50, 1.00}) {
    // The tolerance keeps an error that sits on a tick (−10 % at step 5 %) from adding a step.
    const double lo = std::min(std::floor(ymin / step + 1e-9), -1.0);
    const double hi = std::max(std::ceil(ymax / step - 1e-9), 1.0);
    a.y_min = lo * step;
    a.y_max = hi * step;
    a.y_step = step;
    if (hi - lo <= 10) break;
  }
  return a;
}

std::string set_colour(size_t i) {
  // Okabe & Ito, "Color Universal Design", 2008: blue, vermillion, bluish green, reddish purple,
  // orange, sky blue, yellow, black.
  static const char* palette[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                  "#e69f00", "#56b4e9", "#f0e442", "#000000"};
  return palette[i % 8];
}

PixelPoint to_pixel(double x, double rel_error, const PlotAxes& a, const PlotLayout& L) {
  const double w = L.width - L.left - L.right, h = L.height - L.top - L.bottom;
  return {L.left + w * (std::log10(x) - a.x_min_log10) / (a.x_max_log10 - a.x_min_log10),
          L.top + h * (a.y_max - rel_error) / (a.y_max - a.y_min)};
}

std::vector<std::string> write_validation_plots(const std::vector<ErrorPoint>& points, const std::string& dir,
                                                const PlotLayout& layout) {
  std::unique_ptr<QGuiApplication> app;
  if (!QCoreApplication::instance()) {
    if (!std::getenv("QT_QPA_PLATFORM")) setenv("QT_QPA_PLATFORM", "offscreen", 1);
    static int argc = 1;
    static char name[] = "trainsite";
    static char* argv[] = {name, nullptr};
    app = std::make_unique<QGuiApplication>(argc, argv);
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("cannot create " + dir + ": " + ec.message());
  std::vector<std::string> sets;
  std::vector<ErrorPoint> pts;  // a log axis has no place for a zero or negative x
  for (const auto& p : points) {
    if (std::find(sets.begin(), sets.end(), p.set) == sets.end()) sets.push_back(p.set);
    if (p.seq_len > 0 && p.parameters > 0 && std::isfinite(p.rel_error)) pts.push_back(p);
  }
  const std::string seq = (std::filesystem::path(dir) / "error-vs-seq.png").string();
  const std::string size = (std::filesystem::path(dir) / "error-vs-size.png").string();
  render(
      pts, sets, [](const ErrorPoint& p) { return p.seq_len; }, "Prediction error vs sequence length",
      "sequence length (tokens, log scale)", layout, seq);
  render(
      pts, sets, [](const ErrorPoint& p) { return p.parameters; }, "Prediction error vs model size",
      "model parameters (log scale)", layout, size);
  return {seq, size};
}

}  // namespace trainsite::reports
