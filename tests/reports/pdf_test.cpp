// The PDF report as a reader gets it, checked with poppler: page 1 holds the question, the answer, the
// key figures and a chart; later pages hold the sensitivity, start-month and daily charts; no page is
// near-empty (measured on pdftoppm's rendering of each page).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "report_fixture.h"

using namespace trainsite;
namespace fs = std::filesystem;
using trainsite::testing::Fixture;

namespace {

std::string capture(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p.get())) out += buf;
  return out;
}

// Fraction of the page's height above the lowest row holding ink (a pixel darker than 200/255), from
// a grayscale PGM (P5) as pdftoppm -gray writes it.
double ink_extent(const fs::path& pgm) {
  std::ifstream in(pgm, std::ios::binary);
  std::string magic;
  int w = 0, h = 0, maxv = 0;
  in >> magic >> w >> h >> maxv;
  in.get();
  if (magic != "P5" || w <= 0 || h <= 0) return -1;
  std::string px(size_t(w) * size_t(h), '\0');
  in.read(px.data(), std::streamsize(px.size()));
  int last = -1;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      if (static_cast<unsigned char>(px[size_t(y) * size_t(w) + size_t(x)]) < 200) {
        last = y;
        break;
      }
  return double(last + 1) / h;
}

struct Pdf {
  fs::path dir = fs::temp_directory_path() / ("trainsite_pdf_" + std::to_string(::getpid()));
  fs::path file = dir / "report.pdf";
  std::string cli_output;
  int pages = 0;
  Pdf() {
    fs::create_directories(dir);
    const std::string bin = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";
    cli_output = capture("QT_QPA_PLATFORM=offscreen " + bin + " report " + Fixture::get().file + " --out " +
                         file.string() + " 2>&1");
    const std::string info = capture("pdfinfo " + file.string() + " 2>/dev/null");
    const auto pos = info.find("Pages:");
    if (pos != std::string::npos) pages = std::stoi(info.substr(pos + 6));
  }
  ~Pdf() { fs::remove_all(dir); }
  // Page text with the typographic ligatures the PDF's font uses (fi, fl, ff, ...) spelled out.
  std::string text(int first, int last) const {
    std::string t = capture("pdftotext -layout -f " + std::to_string(first) + " -l " + std::to_string(last) +
                            " " + file.string() + " -");
    for (auto [lig, plain] : {std::pair<std::string, std::string>{"\uFB00", "ff"},
                              {"\uFB01", "fi"},
                              {"\uFB02", "fl"},
                              {"\uFB03", "ffi"},
                              {"\uFB04", "ffl"}})
      for (size_t p; (p = t.find(lig)) != std::string::npos;) t.replace(p, lig.size(), plain);
    return t;
  }
  int images(int first, int last) const {
    const std::string list = capture("pdfimages -list -f " + std::to_string(first) + " -l " +
                                     std::to_string(last) + " " + file.string());
    int n = 0;
    std::istringstream lines(list);
    for (std::string l; std::getline(lines, l);)
      if (l.find(" image ") != std::string::npos) ++n;
    return n;
  }
};

bool have_poppler() {
  return std::system(
             "command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null && "
             "command -v pdfimages >/dev/null && command -v pdftoppm >/dev/null") == 0;
}

}  // namespace

TEST(Pdf, PageOneHoldsTheDecisionAndLaterPagesTheAnalysis) {
  if (!have_poppler()) GTEST_SKIP() << "poppler-utils not installed (scripts/deps.sh installs it)";
  const Pdf pdf;
  if (pdf.cli_output.find("no PDF support") != std::string::npos)
    GTEST_SKIP() << "built without Qt (TRAINSITE_GUI=OFF)";
  ASSERT_TRUE(fs::exists(pdf.file)) << pdf.cli_output;
  ASSERT_GE(pdf.pages, 3);
  const auto& f = Fixture::get();
  const std::string one = pdf.text(1, 1);
  for (const char* want : {"Question.", "Answer.", "Key figures per site", "all-in total cost",
                           "data-centre cost", "cost per million tokens", "wall-clock days", "MFU", "CO2"})
    EXPECT_NE(one.find(want), std::string::npos) << want << " not on page 1:\n" << one;
  for (const auto& s : f.r.sites) {
    EXPECT_NE(one.find(s.site), std::string::npos) << s.site;
    EXPECT_NE(one.find(reports::thousands(s.cost.total)), std::string::npos) << s.site << " total on page 1";
  }
  EXPECT_GE(pdf.images(1, 1), 1) << "page 1 has no chart";
  const std::string rest = pdf.text(2, pdf.pages);
  for (const char* want :
       {"What drives the answer", "Break-even", "When to start", "Over the run, day by day", "Data sources"})
    EXPECT_NE(rest.find(want), std::string::npos) << want;
  EXPECT_EQ(pdf.images(1, pdf.pages), int(f.d.charts().size())) << "every chart is in the PDF";
}

TEST(Pdf, NoPageIsNearlyEmpty) {
  if (!have_poppler()) GTEST_SKIP() << "poppler-utils not installed (scripts/deps.sh installs it)";
  const Pdf pdf;
  if (pdf.cli_output.find("no PDF support") != std::string::npos)
    GTEST_SKIP() << "built without Qt (TRAINSITE_GUI=OFF)";
  ASSERT_GE(pdf.pages, 3) << pdf.cli_output;
  for (int p = 1; p <= pdf.pages; ++p) {
    const fs::path prefix = pdf.dir / ("page" + std::to_string(p));
    ASSERT_EQ(std::system(("pdftoppm -gray -r 24 -f " + std::to_string(p) + " -l " + std::to_string(p) +
                           " -singlefile " + pdf.file.string() + " " + prefix.string())
                              .c_str()),
              0);
    const double used = ink_extent(prefix.string() + ".pgm");
    // The last page ends where the sources end; every other page is at least half full.
    EXPECT_GE(used, p == pdf.pages ? 0.15 : 0.5) << "page " << p << " of " << pdf.pages << " is near-empty";
  }
}
