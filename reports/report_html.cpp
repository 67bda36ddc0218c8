// Self-contained HTML reports: tables plus charts as inline SVG (no scripts, no external files). The
// same SVG is what the PDF writer renders, so both show the same charts and number formats.
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

// Axis ticks: a 1, 2, 2.5 or 5 × 10^k step giving about `n` intervals over [lo, hi], and the range
// widened to whole steps.
struct Ticks {
  double lo = 0, hi = 1, step = 0.25;
};
Ticks nice_ticks(double lo, double hi, int n = 4) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi <= lo) {
    const double pad = std::abs(hi) > 0 ? std::abs(hi) * 0.05 : 1;
    lo -= pad, hi += pad;
  }
  const double raw = (hi - lo) / n;
  const double p = std::pow(10, std::floor(std::log10(raw)));
  double step = 10 * p;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

struct Frame {
  int W, H, L, R, T, B;
  int pw() const { return W - L - R; }
  int ph() const { return H - T - B; }
};

// Text lines of a label split at '\n'.
std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t a = 0;
  for (size_t b; (b = s.find('\n', a)) != std::string::npos; a = b + 1) out.push_back(s.substr(a, b - a));
  out.push_back(s.substr(a));
  return out;
}

}  // namespace

std::string chart_svg(const Chart& c, int W, int H) {
  const bool tornado = c.kind == "tornado";
  Frame f{W, H, tornado ? 230 : 92, tornado ? 24 : 170, tornado ? 44 : 34, 46};
  const int pw = f.pw(), ph = f.ph(), L = f.L, T = f.T;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"{4}\" width=\"{0}\" "
      "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"11\">"
      "<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>"
      "<text x=\"{2}\" y=\"20\" font-size=\"13\" font-weight=\"bold\">{3}</text>",
      W, H, 10, esc(c.title), esc(c.kind));
  auto legend = [&](size_t i, const std::string& name, size_t color) {
    s += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
        L + pw + 12, T + 16 * int(i), kColors[color % 10], L + pw + 26, T + 16 * int(i) + 9, esc(name));
  };
  auto y_axis = [&](const Ticks& t, const std::string& label) {
    for (double v = t.lo; v <= t.hi + t.step * 1e-6; v += t.step) {
      const double y = T + ph - ph * (v - t.lo) / (t.hi - t.lo);
      s += fmt::format(
          "<line x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>"
          "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>",
          L, y, L + pw, y, L - 6, y + 4, axis_number(v, t.step));
    }
    s += fmt::format(
        "<text x=\"14\" y=\"{0}\" transform=\"rotate(-90 14 {0})\" text-anchor=\"middle\">{1}</text>",
        T + ph / 2, esc(label));
  };
  auto x_title = [&](const std::string& label) {
    if (!label.empty())
      s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", L + pw / 2, T + ph + 34,
                       esc(label));
  };
  if (c.kind == "stacked-bars") {
    double top = 0;
    for (size_t i = 0; i < c.categories.size(); ++i) {
      double sum = 0;
      for (const auto& se : c.series)
        sum += i < se.values.size() && std::isfinite(se.values[i]) ? se.values[i] : 0;
      top = std::max(top, sum);
    }
    const Ticks t = nice_ticks(0, top > 0 ? top : 1);
    y_axis(t, c.y_label);
    const double slot = double(pw) / double(std::max<size_t>(1, c.categories.size()));
    for (size_t i = 0; i < c.categories.size(); ++i) {
      double acc = 0;
      for (size_t k = 0; k < c.series.size(); ++k) {
        const double v =
            i < c.series[k].values.size() && std::isfinite(c.series[k].values[i]) ? c.series[k].values[i] : 0;
        const double y0 = T + ph - ph * acc / t.hi, h = ph * v / t.hi;
        s += fmt::format(
            "<rect class=\"mark\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
            L + slot * (double(i) + 0.2), y0 - h, slot * 0.6, h, kColors[k % 10]);
        acc += v;
      }
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                       L + slot * (double(i) + 0.5), T + ph + 16, esc(c.categories[i]));
    }
    for (size_t k = 0; k < c.series.size(); ++k) legend(k, c.series[k].name, k);
    x_title(c.x_label);
  } else if (c.kind == "lines") {
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& se : c.series)
      for (double v : se.values)
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    const double pad = (hi - lo) * 0.05;
    // A series that never goes below zero does not get a negative axis from the padding.
    const Ticks t = nice_ticks(lo >= 0 ? std::max(0.0, lo - pad) : lo - pad, hi + pad);
    y_axis(t, c.y_label);
    const size_t n = c.categories.size();
    auto x = [&](size_t i) { return L + (n > 1 ? pw * double(i) / double(n - 1) : pw / 2.0); };
    const size_t every = std::max<size_t>(1, (n + 7) / 8);
    for (size_t i = 0; i < n; i += every)
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x(i), T + ph + 16,
                       esc(c.categories[i]));
    x_title(c.x_label);
    auto y = [&](double v) { return T + ph - ph * (v - t.lo) / (t.hi - t.lo); };
    for (size_t k = 0; k < c.series.size(); ++k) {
      const auto& vals = c.series[k].values;
      std::string pts;
      for (size_t i = 0; i < vals.size() && i < std::max<size_t>(n, 1); ++i)
        if (std::isfinite(vals[i])) {
          pts += fmt::format("{:.1f},{:.1f} ", x(i), y(vals[i]));
          if (n <= 31)
            s += fmt::format("<circle class=\"mark\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>",
                             x(i), y(vals[i]), kColors[k % 10]);
        }
      if (!pts.empty())
        s += fmt::format(
            "<polyline class=\"mark\" points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>", pts,
            kColors[k % 10]);
      legend(k, c.series[k].name, k);
    }
  } else if (tornado) {
    double span = 0;
    for (const auto& se : c.series)
      for (double v : se.values)
        if (std::isfinite(v)) span = std::max(span, std::abs(v - c.reference));
    for (const auto& m : c.markers) span = std::max(span, std::abs(m.value - c.reference));
    // Symmetric about the base value; ticks at round totals inside the plotted span.
    const double half = span > 0 ? span * 1.15 : std::max(1.0, std::abs(c.reference) * 0.01);
    const Ticks t = nice_ticks(c.reference - half, c.reference + half, 4);
    const double cx = L + pw / 2.0, slot = double(ph) / double(std::max<size_t>(1, c.categories.size()));
    auto xv = [&](double v) { return cx + pw / 2.0 * (v - c.reference) / half; };
    for (double v = t.lo; v <= t.hi + t.step * 1e-6; v += t.step) {
      if (v < c.reference - half * (1 + 1e-9) || v > c.reference + half * (1 + 1e-9)) continue;
      s += fmt::format(
          "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e4e4e4\"/>"
          "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
          xv(v), T, T + ph, T + ph + 16, axis_number(v, t.step));
    }
    for (size_t i = 0; i < c.categories.size(); ++i) {
      for (size_t k = 0; k < c.series.size() && k < 2; ++k) {
        if (i >= c.series[k].values.size() || !std::isfinite(c.series[k].values[i])) continue;
        const double v = c.series[k].values[i], w = std::abs(xv(v) - cx);
        const bool left = v < c.reference;
        const double y0 = T + slot * (double(i) + 0.18) + slot * 0.32 * double(k);
        s += fmt::format(
            "<rect class=\"mark\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"/>",
            left ? cx - w : cx, y0, std::max(w, 0.5), slot * 0.3, kColors[k]);
        s += fmt::format(
            "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"10\">{:+.1f} %</text>",
            left ? cx - w - 3 : cx + w + 3, y0 + slot * 0.24, left ? "end" : "start",
            100 * (v - c.reference) / c.reference);
      }
      const auto label = lines_of(c.categories[i]);
      for (size_t l = 0; l < label.size(); ++l)
        s += fmt::format(
            "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\"{}>{}</text>", L - 8,
            T + slot * (double(i) + 0.5) + 13.0 * (double(l) - (double(label.size()) - 1) / 2) + 4,
            l == 0 ? "" : " fill=\"#555\" font-size=\"10\"", esc(label[l]));
    }
    s += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"black\"/>", cx, T,
                     T + ph);
    for (const auto& m : c.markers)
      s += fmt::format(
          "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#b3261e\" "
          "stroke-dasharray=\"5,3\"/>"
          "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\" fill=\"#b3261e\">{4}</text>",
          xv(m.value), T - 2, T + ph, T - 6, esc(m.label));
    s += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{} (base {})</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
        L + pw / 2, T + ph + 32, esc(c.x_label), thousands(c.reference), 10, H - 12, kColors[0], 24, H - 3,
        esc(c.series.size() > 0 ? c.series[0].name : ""), 220, H - 12, kColors[1], 234, H - 3,
        esc(c.series.size() > 1 ? c.series[1].name : ""));
  } else if (c.kind == "scatter" && c.series.size() == 2) {
    const auto& xs = c.series[0].values;
    const auto& ys = c.series[1].values;
    double xmax = 0, ymax = 0;
    for (size_t i = 0; i < xs.size() && i < ys.size(); ++i)
      xmax = std::max(xmax, xs[i]), ymax = std::max(ymax, ys[i]);
    const Ticks tx = nice_ticks(0, xmax > 0 ? xmax : 1), ty = nice_ticks(0, ymax > 0 ? ymax : 1);
    y_axis(ty, c.y_label);
    for (double v = tx.lo; v <= tx.hi + tx.step * 1e-6; v += tx.step)
      s += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", L + pw * v / tx.hi,
                       T + ph + 16, axis_number(v, tx.step));
    x_title(c.x_label);
    std::string front;
    for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
      const double x = L + pw * xs[i] / tx.hi, y = T + ph - ph * ys[i] / ty.hi;
      const bool hl = i < c.highlighted.size() && c.highlighted[i];
      s += fmt::format(
          "<circle class=\"mark\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" fill-opacity=\"{}\"/>", x,
          y, hl ? 4 : 2, hl ? kColors[3] : kColors[0], hl ? 1.0 : 0.4);
      if (hl) front += fmt::format("{:.1f},{:.1f} ", x, y);
    }
    s += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\"/>", front, kColors[3]);
    legend(0, "configurations", 0);
    legend(1, "Pareto-optimal", 3);
  }
  return s + "</svg>";
}

namespace {

std::string table_html(const Table& t) {
  std::string h = "<div class=\"table\"><table><caption>" + esc(t.title) + "</caption><tr>";
  for (const auto& c : t.header) h += "<th>" + esc(c) + "</th>";
  h += "</tr>\n";
  for (const auto& r : t.rows) {
    h += "<tr>";
    for (const auto& c : r) h += "<td>" + esc(c) + "</td>";
    h += "</tr>\n";
  }
  return h + "</table></div>\n";
}

std::string pairs_html(const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string h = "<div class=\"table\"><table class=\"text\">";
  for (const auto& [k, v] : rows) h += "<tr><td>" + esc(k) + "</td><td>" + esc(v) + "</td></tr>\n";
  return h + "</table></div>\n";
}

}  // namespace

std::string report_html(const ReportData& d) {
  std::string h = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{0}</title><style>"
      "body{{font-family:'DejaVu Sans',sans-serif;max-width:1000px;margin:1.5em auto;padding:0 "
      "1em;color:#222}}"
      "h1{{font-size:1.5em}}h2{{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}}"
      ".answer{{font-size:1.1em;background:#f4f8fb;padding:0.8em 1em}}"
      ".table{{overflow-x:auto;max-width:100%}}table{{border-collapse:collapse;margin:0.8em 0}}"
      "caption{{text-align:left;font-weight:bold;padding:0.3em 0}}"
      "td,th{{border:1px solid #bbb;padding:3px 8px;text-align:right}}th{{background:#eee}}"
      "td:first-child{{text-align:left}}table.text td{{text-align:left;overflow-wrap:anywhere}}"
      "svg.chart{{display:block;max-width:100%;height:auto;margin:0.8em 0}}"
      "</style></head><body>\n<h1>{0}</h1>\n<p class=\"question\"><b>Question.</b> {1}</p>\n"
      "<p class=\"answer\"><b>Answer.</b> {2}</p>\n",
      esc(d.title), esc(d.question), esc(d.answer));
  for (const auto& sec : d.sections) {
    h += "<section id=\"" + esc(sec.id) + "\"><h2>" + esc(sec.title) + "</h2>\n";
    for (const auto& b : sec.blocks) {
      if (const auto* p = std::get_if<std::string>(&b))
        h += "<p>" + esc(*p) + "</p>\n";
      else if (const auto* t = std::get_if<Table>(&b))
        h += table_html(*t);
      else if (const auto* c = std::get_if<Chart>(&b))
        h += chart_svg(*c) + "\n";
    }
    h += "</section>\n";
  }
  h += "<section id=\"assumptions\"><h2>Assumptions</h2>\n" + pairs_html(d.assumptions) + "</section>\n";
  h += "<section id=\"sources\"><h2>Data sources</h2>\n" + pairs_html(d.sources) + "</section>\n";
  h += "<p><small>Generated by trainsite. Every figure comes from its models (docs/model.md, docs/sites.md); "
       "the data behind them is listed above with its source.</small></p>\n</body></html>\n";
  return h;
}

}  // namespace trainsite::reports
