// Self-contained HTML reports: tables plus charts as inline SVG (no scripts, no external files).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "reports/report.h"

namespace trainsite::reports {

namespace {

const char* kColors[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

// A "nice" axis maximum (1, 2, 2.5 or 5 × 10^k) at or above v.
double nice_max(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= v) return m * p;
  return 10 * p;
}

std::string short_num(double v) {
  const double a = std::abs(v);
  if (a >= 1e9) return fmt::format("{:.3g}B", v / 1e9);
  if (a >= 1e6) return fmt::format("{:.3g}M", v / 1e6);
  if (a >= 1e4) return fmt::format("{:.3g}k", v / 1e3);
  return fmt::format("{:.3g}", v);
}

}  // namespace

std::string chart_svg(const Chart& c, int W, int H) {
  const int L = 80, R = 150, T = 36, B = 48;
  const int pw = W - L - R, ph = H - T - B;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\" font-size=\"11\"><rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>"
      "<text x=\"{2}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{3}</text>",
      W, H, L, esc(c.title));
  auto legend = [&](size_t i, const std::string& name) {
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
        L + pw + 12, T + 16 * int(i), kColors[i % 10], L + pw + 26, T + 16 * int(i) + 9, esc(name));
  };
  auto y_axis = [&](double lo, double hi, const std::string& label) {
    for (int k = 0; k <= 4; ++k) {
      const double v = lo + (hi - lo) * k / 4;
      const double y = T + ph - ph * k / 4.0;
      s += fmt::format(
          "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
          "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
          L, y, L + pw, y, L - 6, y + 4, short_num(v));
    }
    s += fmt::format(
        "<text x=\"14\" y=\"{}\" transform=\"rotate(-90 14 {})\" text-anchor=\"middle\">{}</text>",
        T + ph / 2, T + ph / 2, esc(label));
  };
  if (c.kind == "stacked-bars") {
    double top = 0;
    for (size_t i = 0; i < c.categories.size(); ++i) {
      double sum = 0;
      for (const auto& se : c.series) sum += i < se.values.size() ? se.values[i] : 0;
      top = std::max(top, sum);
    }
    top = nice_max(top);
    y_axis(0, top, c.y_label);
    const double slot = double(pw) / double(std::max<size_t>(1, c.categories.size()));
    for (size_t i = 0; i < c.categories.size(); ++i) {
      double acc = 0;
      for (size_t k = 0; k < c.series.size(); ++k) {
        const double v = i < c.series[k].values.size() ? c.series[k].values[i] : 0;
        const double y0 = T + ph - ph * acc / top, h = ph * v / top;
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
                         L + slot * (double(i) + 0.2), y0 - h, slot * 0.6, h, kColors[k % 10]);
        acc += v;
      }
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       L + slot * (double(i) + 0.5), T + ph + 16, esc(c.categories[i]));
    }
    for (size_t k = 0; k < c.series.size(); ++k) legend(k, c.series[k].name);
  } else if (c.kind == "lines") {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& se : c.series)
      for (double v : se.values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    const double pad = (hi - lo) * 0.1 + 1e-9 * std::abs(hi);
    lo -= pad, hi += pad;
    y_axis(lo, hi, c.y_label);
    const size_t n = c.categories.size();
    auto x = [&](size_t i) { return L + (n > 1 ? pw * double(i) / double(n - 1) : pw / 2.0); };
    for (size_t i = 0; i < n; i += std::max<size_t>(1, n / 12))
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x(i), T + ph + 16,
                       esc(c.categories[i]));
    for (size_t k = 0; k < c.series.size(); ++k) {
      std::string pts;
      for (size_t i = 0; i < c.series[k].values.size(); ++i)
        if (std::isfinite(c.series[k].values[i]))
          pts += fmt::format("{:.1f},{:.1f} ", x(i), T + ph - ph * (c.series[k].values[i] - lo) / (hi - lo));
      s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", pts,
                       kColors[k % 10]);
      legend(k, c.series[k].name);
    }
  } else if (c.kind == "tornado") {
    double span = 0;
    for (const auto& se : c.series)
      for (double v : se.values)
        if (std::isfinite(v)) span = std::max(span, std::abs(v - c.reference));
    span = nice_max(span);
    const double cx = L + pw / 2.0, slot = double(ph) / double(std::max<size_t>(1, c.categories.size()));
    for (size_t i = 0; i < c.categories.size(); ++i) {
      for (size_t k = 0; k < c.series.size() && k < 2; ++k) {
        const double v = c.series[k].values[i] - c.reference, w = pw / 2.0 * std::abs(v) / span;
        s += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
                         v < 0 ? cx - w : cx, T + slot * (double(i) + 0.2), w, slot * 0.6, kColors[k]);
        s += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{:+.1f}%</text>",
                         v < 0 ? cx - w - 4 : cx + w + 4, T + slot * (double(i) + 0.55),
                         v < 0 ? "end" : "start", 100 * v / c.reference);
      }
      s += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"start\">{}</text>", L + pw + 12,
                       T + slot * (double(i) + 0.55), esc(c.categories[i]));
    }
    s += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"black\"/>"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">base {4} {5}</text>",
        cx, T, T + ph, T + ph + 16, thousands(c.reference), esc(c.x_label));
    s += fmt::format("<text x=\"{}\" y=\"{}\">blue: input −20%, orange: +20%</text>", L, T + ph + 34);
  } else if (c.kind == "scatter" && c.series.size() == 2) {
    const auto& xs = c.series[0].values;
    const auto& ys = c.series[1].values;
    double xmax = 0, ymax = 0;
    for (size_t i = 0; i < xs.size(); ++i) xmax = std::max(xmax, xs[i]), ymax = std::max(ymax, ys[i]);
    xmax = nice_max(xmax), ymax = nice_max(ymax);
    y_axis(0, ymax, c.y_label);
    for (int k = 0; k <= 4; ++k)
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", L + pw * k / 4.0,
                       T + ph + 16, short_num(xmax * k / 4));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", L + pw / 2, T + ph + 34,
                     esc(c.x_label));
    std::string front;
    for (size_t i = 0; i < xs.size(); ++i) {
      const double x = L + pw * xs[i] / xmax, y = T + ph - ph * ys[i] / ymax;
      const bool hl = i < c.highlighted.size() && c.highlighted[i];
      s += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" fill-opacity=\"{}\"/>", x, y,
                       hl ? 4 : 2, hl ? kColors[3] : kColors[0], hl ? 1.0 : 0.4);
      if (hl) front += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\"/>", front, kColors[3]);
    legend(3, "Pareto-optimal");
  }
  return s + "</svg>";
}

std::string report_html(const ReportData& d) {
  std::string h = fmt::format(
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{0}</title><style>"
      "body{{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}}"
      "table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:3px "
      "8px;text-align:right}}"
      "th{{background:#eee}}td:first-child{{text-align:left}}.answer{{font-size:1.1em;background:#f4f8fb;"
      "padding:1em}}"
      "</style></head><body>\n<h1>{0}</h1>\n<p><b>Question.</b> {1}</p>\n<p class=\"answer\"><b>Answer.</b> "
      "{2}</p>\n",
      esc(d.title), esc(d.question), esc(d.answer));
  for (const auto& t : d.tables) {
    h += "<h2>" + esc(t.title) + "</h2>\n<table><tr>";
    for (const auto& c : t.header) h += "<th>" + esc(c) + "</th>";
    h += "</tr>\n";
    for (const auto& r : t.rows) {
      h += "<tr>";
      for (const auto& c : r) h += "<td>" + esc(c) + "</td>";
      h += "</tr>\n";
    }
    h += "</table>\n";
  }
  for (const auto& c : d.charts) h += "<h2>" + esc(c.title) + "</h2>\n" + chart_svg(c) + "\n";
  h += "<h2>Assumptions</h2>\n<table>";
  for (const auto& [k, v] : d.assumptions)
    h += "<tr><td>" + esc(k) + "</td><td style=\"text-align:left\">" + esc(v) + "</td></tr>";
  h += "</table>\n<h2>Data sources</h2>\n<table>";
  for (const auto& [k, v] : d.sources)
    h += "<tr><td>" + esc(k) + "</td><td style=\"text-align:left\">" + esc(v) + "</td></tr>";
  h += "</table>\n<p><small>Generated by trainsite. All figures come from its models; see "
       "docs/model.md.</small></p>\n</body></html>\n";
  return h;
}

}  // namespace trainsite::reports
