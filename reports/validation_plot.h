// Scatter plots of `trainsite validate` errors (docs/validation.md): relative error against sequence
// length and against model size, both on a log x axis, one colour per validation set. Rendered with
// QPainter into a QImage offscreen and saved as PNG; built into trainsite_reports_qt only when
// TRAINSITE_GUI is ON, so the core builds without Qt. The header is Qt-free.
#pragma once

#include <string>
#include <vector>

namespace trainsite::reports {

// One predicted validation record.
struct ErrorPoint {
  std::string set;        // validation set (file stem); one colour per set, in first-seen order
  double seq_len = 0;     // tokens per sequence
  double parameters = 0;  // model parameters (models::parameters)
  double rel_error = 0;   // (predicted − measured) / measured
};

// Fixed image layout in pixels: the plot area is [left, width − right] × [top, height − bottom];
// the legend sits in the right margin.
struct PlotLayout {
  int width = 960, height = 600;
  int left = 80, right = 200, top = 50, bottom = 70;
};

// Axis ranges: x in log10 units spanning whole decades that cover the data (at least one decade);
// y in relative-error units, a multiple of the tick step that covers the data and zero with at
// least one step on each side. The step is the smallest of 5, 10, 20, 25, 50, 100 % giving at most
// 10 intervals.
struct PlotAxes {
  double x_min_log10 = 0, x_max_log10 = 1;
  double y_min = -0.05, y_max = 0.05, y_step = 0.05;
};
PlotAxes error_axes(const std::vector<double>& x, const std::vector<double>& rel_error);

// Colour of the i-th set (Okabe and Ito's colour-blind-safe palette, repeating after 8), as #rrggbb.
std::string set_colour(size_t i);

// Pixel centre of a point (x in data units, y a relative error) under `axes` and `layout`.
struct PixelPoint {
  double x = 0, y = 0;
};
PixelPoint to_pixel(double x, double rel_error, const PlotAxes& axes, const PlotLayout& layout = {});

// Writes DIR/error-vs-seq.png and DIR/error-vs-size.png (creating DIR; each atomically: temporary
// file + rename) and returns their paths. Creates a QGuiApplication (offscreen platform unless
// QT_QPA_PLATFORM is set) when none exists. Throws std::runtime_error when a file cannot be written.
std::vector<std::string> write_validation_plots(const std::vector<ErrorPoint>& points, const std::string& dir,
                                                const PlotLayout& layout = {});

}  // namespace trainsite::reports
