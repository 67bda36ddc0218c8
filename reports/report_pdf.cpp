#include "reports/report_pdf.h"

#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QFont>
#include <QImage>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSet>
#include <QSvgRenderer>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QUrl>
#include <algorithm>
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

// Charts are the HTML report's SVG (reports/report_html.cpp), rasterized at 3x so they stay sharp in
// print: one renderer, so the PDF and the HTML show the same axes, labels and number formats.
constexpr int kChartW = 720, kChartH = 330, kScale = 3;

QImage render_chart(const Chart& c) {
  QSvgRenderer svg(QByteArray::fromStdString(chart_svg(c, kChartW, kChartH)));
  QImage img(kChartW * kScale, kChartH * kScale, QImage::Format_RGB32);
  img.fill(Qt::white);
  QPainter p(&img);
  p.setRenderHint(QPainter::Antialiasing);
  p.setRenderHint(QPainter::TextAntialiasing);
  svg.render(&p);
  return img;
}

QString table_html(const Table& t) {
  QString h = "<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\"><tr>";
  for (const auto& c : t.header) h += "<th bgcolor=\"#eeeeee\">" + esc(c) + "</th>";
  h += "</tr>";
  for (const auto& r : t.rows) {
    h += "<tr>";
    for (size_t i = 0; i < r.size(); ++i)
      h += QString("<td align=\"%1\">").arg(i == 0 ? "left" : "right") + esc(r[i]) + "</td>";
    h += "</tr>";
  }
  return h + "</table>";
}

QString pairs_html(const std::vector<std::pair<std::string, std::string>>& rows, int px = 0) {
  QString h = QString("<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\" width=\"100%\"%1>")
                  .arg(px > 0 ? QString(" style=\"font-size:%1px\"").arg(px) : QString());
  for (const auto& [k, v] : rows)
    h += "<tr><td width=\"22%\">" + esc(k) + "</td><td>" + esc(v) + "</td></tr>";
  return h + "</table>";
}

QString image_name(const QTextBlock& b) {
  for (auto it = b.begin(); !it.atEnd(); ++it)
    if (it.fragment().charFormat().isImageFormat()) return it.fragment().charFormat().toImageFormat().name();
  return {};
}

// QTextDocument draws an inline image that crosses a page boundary on both pages (cut in two), and
// leaves a heading alone at the foot of a page. The first such block of a laid-out document, as a key of
// compose()'s page breaks ("chartN.png" or "hN", the N-th heading), or empty when there is none. A chart
// right under a heading takes the heading with it.
QString first_bad_break(QTextDocument& doc) {
  const double ph = doc.pageSize().height();
  auto page_of = [ph](double y) { return int(y / ph); };
  int heading = 0;
  QString pending_heading;  // the key of a heading directly above the current block
  for (QTextBlock b = doc.begin(); b.isValid(); b = b.next()) {
    const QRectF r = doc.documentLayout()->blockBoundingRect(b);
    const bool starts_page = r.top() < page_of(r.top()) * ph + 2;
    const QString img = image_name(b);
    if (!img.isEmpty() && page_of(r.top()) != page_of(r.bottom() - 1) && !starts_page)
      return pending_heading.isEmpty() ? img : pending_heading;
    if (b.blockFormat().headingLevel() > 0) {
      const QString key = QString("h%1").arg(heading++);
      if (pending_heading.isEmpty()) pending_heading = key;
      if (!b.next().isValid() || starts_page) continue;
      // Keep the heading with the first line (or image) of the next block.
      const QRectF n = doc.documentLayout()->blockBoundingRect(b.next());
      if (page_of(r.top()) != page_of(n.top() + std::min(n.height(), 40.0) - 1)) return pending_heading;
      continue;
    }
    pending_heading.clear();
  }
  return {};
}

// How much of the last page the laid-out document fills (0-1].
double last_page_fill(QTextDocument& doc) {
  const double ph = doc.pageSize().height(), h = doc.documentLayout()->documentSize().height();
  return (h - (doc.pageCount() - 1) * ph) / ph;
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
    pdf.setPageMargins(QMarginsF(14, 12, 14, 12), QPageLayout::Millimeter);
    pdf.setResolution(150);
    pdf.setTitle(q(d.title));
    pdf.setCreator("trainsite");
    QTextDocument doc;
    doc.setPageSize(QSizeF(pdf.width(), pdf.height()));
    doc.setDocumentMargin(0);
    QFont font("DejaVu Sans");
    font.setPixelSize(pdf.width() / 64);  // about 9.5 pt on A4
    doc.setDefaultFont(font);
    const int chart_w = int(pdf.width() * 0.97);
    int sources_px = font.pixelSize();
    int chart_no = 0;
    for (const auto& sec : d.sections)
      for (const auto& b : sec.blocks)
        if (const auto* c = std::get_if<Chart>(&b))
          doc.addResource(QTextDocument::ImageResource, QUrl(QString("chart%1.png").arg(chart_no++)),
                          render_chart(*c));
    // Page 1: the question, the answer and the decision section; the later sections flow on from page 2
    // (a section marked new_page starts a page), so no page is left near-empty. `breaks` holds the charts
    // and headings that must start a page so that none is cut or stranded (first_bad_break).
    auto compose = [&](const QSet<QString>& breaks) {
      int heading = 0, chart = 0;
      auto brk = [&](bool always, const QString& key) {
        return always || breaks.contains(key) ? QString(" style=\"page-break-before:always\"") : QString();
      };
      auto h_open = [&](const char* tag, bool always) {
        return QString("<%1%2>").arg(tag, brk(always, QString("h%1").arg(heading++)));
      };
      QString h = h_open("h2", false) + esc(d.title) + "</h2><p><b>Question.</b> " + esc(d.question) +
                  "</p><p style=\"background-color:#f4f8fb\"><b>Answer.</b> " + esc(d.answer) + "</p>";
      for (const auto& sec : d.sections) {
        h += h_open("h3", sec.new_page) + esc(sec.title) + "</h3>";
        for (const auto& b : sec.blocks) {
          if (const auto* p = std::get_if<std::string>(&b)) {
            h += "<p>" + esc(*p) + "</p>";
          } else if (const auto* t = std::get_if<Table>(&b)) {
            h += h_open("h4", false) + esc(t->title) + "</h4>" + table_html(*t);
          } else if (std::holds_alternative<Chart>(b)) {
            const QString url = QString("chart%1.png").arg(chart++);
            h += QString("<p align=\"center\"%1><img src=\"%2\" width=\"%3\" height=\"%4\"></p>")
                     .arg(brk(false, url), url)
                     .arg(chart_w)
                     .arg(chart_w * kChartH / kChartW);
          }
        }
      }
      h += h_open("h3", false) + "Assumptions</h3>" + pairs_html(d.assumptions);
      h += h_open("h3", false) + "Data sources</h3>" + pairs_html(d.sources, sources_px);
      return h;
    };
    QSet<QString> breaks;
    auto lay_out = [&] {
      doc.setHtml(compose(breaks));
      for (int pass = 0; pass < 100; ++pass) {
        const QString bad = first_bad_break(doc);
        if (bad.isEmpty() || breaks.contains(bad)) break;
        breaks.insert(bad);
        doc.setHtml(compose(breaks));
      }
    };
    lay_out();
    // A last page holding only the tail of the sources: set the sources a little smaller (down to about
    // 7.5 pt) if that pulls them back onto the page before.
    const int pages = doc.pageCount();
    const int full_px = sources_px;
    for (int px = full_px - 1; px >= full_px * 3 / 4 && last_page_fill(doc) < 0.25; --px) {
      sources_px = px;
      lay_out();
      if (doc.pageCount() < pages) break;
    }
    if (doc.pageCount() >= pages && sources_px != full_px) {
      sources_px = full_px;
      lay_out();
    }
    doc.print(&pdf);
  }
  if (!std::filesystem::exists(tmp) || std::filesystem::file_size(tmp) == 0)
    throw std::runtime_error("could not write the PDF " + tmp);
  std::filesystem::rename(tmp, path);
}

}  // namespace trainsite::reports
