#include "reports/report.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

using namespace trainsite;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  models::Scenario sc =
      scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/small-16gpu.yaml", cat,
                               {scenarios::default_data_dir(), {}, false});
  models::Result r = models::estimate(sc);
  reports::ReportData d = reports::scenario_report(sc, r, models::estimate);
};

std::string capture(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p.get())) out += buf;
  return out;
}

}  // namespace

TEST(Report, HtmlHoldsTheSiteTableValuesAndCharts) {
  const Fixture f;
  const std::string html = reports::report_html(f.d);
  for (const auto& s : f.r.sites) {
    EXPECT_NE(html.find("<td>" + s.site + "</td>"), std::string::npos);
    // The total cost cell, formatted as in the table (thousands separators, whole units).
    EXPECT_NE(html.find("<td>" + reports::thousands(s.cost.total) + "</td>"), std::string::npos) << s.site;
  }
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, static
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
}

TEST(Report, TornadoMovesCostTheRightWay) {
  const Fixture f;
  const reports::Chart* tornado = nullptr;
  for (const auto& c : f.d.charts)
    if (c.kind == "tornado") tornado = &c;
  ASSERT_NE(tornado, nullptr);
  ASSERT_EQ(tornado->categories[0], "electricity tariff");
  ASSERT_EQ(tornado->categories[3], "GPU server price");
  // A cheaper tariff or cheaper servers can only lower the total; dearer ones only raise it.
  for (size_t i : {size_t(0), size_t(3)}) {
    EXPECT_LT(tornado->series[0].values[i], tornado->reference) << tornado->categories[i];
    EXPECT_GT(tornado->series[1].values[i], tornado->reference) << tornado->categories[i];
  }
}

TEST(Report, CsvRoundTrips) {
  const Fixture f;
  const auto records = reports::parse_csv(reports::report_csv(f.d));
  const auto& table = f.d.tables.front();
  // Find the table's header record, then its rows follow verbatim.
  size_t at = 0;
  while (at < records.size() && records[at] != table.header) ++at;
  ASSERT_LT(at, records.size());
  for (size_t i = 0; i < table.rows.size(); ++i) EXPECT_EQ(records[at + 1 + i], table.rows[i]);
  EXPECT_EQ(records[2][1], f.d.answer);
}

TEST(Report, PdfHasPagesWithTheSitesAndTheirCosts) {
  const fs::path dir = fs::temp_directory_path() / "report_test_pdf";
  fs::create_directories(dir);
  const std::string pdf = (dir / "r.pdf").string();
  fs::remove(pdf);
  const std::string bin = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";
  const std::string out = capture(bin + " report " + TRAINSITE_SOURCE_DIR +
                                  "/scenarios/library/small-16gpu.yaml --out " + pdf + " 2>&1");
  if (out.find("no PDF support") != std::string::npos) GTEST_SKIP() << "built without Qt (TRAINSITE_GUI=OFF)";
  ASSERT_TRUE(fs::exists(pdf)) << out;
  if (std::system("command -v pdfinfo >/dev/null && command -v pdftotext >/dev/null") != 0)
    GTEST_SKIP() << "poppler-utils (pdfinfo, pdftotext) not installed";
  const std::string info = capture("pdfinfo " + pdf);
  const auto pos = info.find("Pages:");
  ASSERT_NE(pos, std::string::npos) << info;
  EXPECT_GE(std::stoi(info.substr(pos + 6)), 3);  // title, tables, charts (+ assumptions)
  const std::string text = capture("pdftotext -layout " + pdf + " -");
  const Fixture f;
  for (const auto& s : f.r.sites) {
    EXPECT_NE(text.find(s.site), std::string::npos);
    EXPECT_NE(text.find(reports::thousands(s.cost.total)), std::string::npos) << s.site;
  }
  EXPECT_NE(text.find("Data sources"), std::string::npos);
}
