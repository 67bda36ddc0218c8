#include "reports/report.h"

#include <gtest/gtest.h>

#include <cctype>
#include <regex>

#include "models/site/sensitivity.h"
#include "report_fixture.h"

using namespace trainsite;
using trainsite::testing::Fixture;

namespace {

const reports::Table* table_titled(const reports::ReportData& d, const std::string& prefix) {
  for (const auto* t : d.tables())
    if (t->title.rfind(prefix, 0) == 0) return t;
  return nullptr;
}

std::vector<const reports::Chart*> charts_of(const reports::Section* s) {
  std::vector<const reports::Chart*> out;
  if (!s) return out;
  for (const auto& b : s->blocks)
    if (const auto* c = std::get_if<reports::Chart>(&b)) out.push_back(c);
  return out;
}

size_t count_sentences(const std::string& text) {
  // A sentence ends with ". " or a final "." (decimal points are followed by digits, not spaces).
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '.' && (i + 1 == text.size() || text[i + 1] == ' ')) ++n;
  return n;
}

}  // namespace

TEST(Report, PageOneIsTheDecision) {
  const Fixture& f = Fixture::get();
  ASSERT_FALSE(f.d.sections.empty());
  const auto& first = f.d.sections.front();
  EXPECT_EQ(first.id, "decision");
  EXPECT_FALSE(first.new_page);  // shares page 1 with the question and the answer
  EXPECT_EQ(count_sentences(f.d.answer), 2u) << f.d.answer;
  // The key figures: one column per site, the rows the issue names, with units.
  const reports::Table* key = table_titled(f.d, "Key figures");
  ASSERT_NE(key, nullptr);
  ASSERT_EQ(key->header.size(), f.r.sites.size() + 1);
  std::string labels;
  for (const auto& row : key->rows) labels += row.front() + "|";
  for (const char* want :
       {"wall-clock days", "MFU", "energy (MWh)", "PUE", "all-in total cost (USD)",
        "cost per million tokens (USD)", "CO2 (t)", "data-centre cost: energy + facility (USD)"})
    EXPECT_NE(labels.find(want), std::string::npos) << want;
  // The data-centre row sits right above the all-in row, so a reader sees both.
  for (size_t i = 0; i + 1 < key->rows.size(); ++i) {
    if (key->rows[i].front().rfind("data-centre cost", 0) == 0) {
      EXPECT_EQ(key->rows[i + 1].front().rfind("all-in total", 0), 0u);
    }
  }
  const auto charts = charts_of(&first);
  ASSERT_EQ(charts.size(), 1u);
  EXPECT_EQ(charts[0]->kind, "stacked-bars");
}

TEST(Report, AnswerNamesTheCheaperSiteAndHowRobustItIs) {
  const Fixture& f = Fixture::get();
  const auto cheapest =
      std::min_element(f.r.sites.begin(), f.r.sites.end(),
                       [](const auto& a, const auto& b) { return a.cost.total < b.cost.total; });
  std::string name = cheapest->site;
  name[0] = char(std::toupper(name[0]));  // starts the sentence
  EXPECT_EQ(f.d.answer.rfind(name + " is the cheaper site", 0), 0u) << f.d.answer;
  EXPECT_NE(f.d.answer.find(reports::thousands(cheapest->cost.total)), std::string::npos);
  EXPECT_TRUE(f.d.answer.find("start month") != std::string::npos ||
              f.d.answer.find("start in") != std::string::npos)
      << f.d.answer;
}

TEST(Report, SensitivityHasATornadoPerSiteFromTheModelsBars) {
  const Fixture& f = Fixture::get();
  const auto tornados = charts_of(f.d.section("sensitivity"));
  ASSERT_EQ(tornados.size(), f.r.sites.size());
  for (size_t i = 0; i < f.r.sites.size(); ++i) {
    const auto& t = *tornados[i];
    const auto& s = f.r.sites[i];
    EXPECT_EQ(t.kind, "tornado");
    EXPECT_DOUBLE_EQ(t.reference, s.cost.total);
    ASSERT_EQ(t.categories.size(), s.sensitivity.size());
    // Every bar of the model is on the chart (sorted by swing): the same set of low/high costs.
    for (const auto& b : s.sensitivity) {
      bool seen = false;
      for (size_t k = 0; k < t.categories.size(); ++k)
        seen = seen || (t.series[0].values[k] == b.cost_low && t.series[1].values[k] == b.cost_high);
      EXPECT_TRUE(seen) << s.site << " " << b.factor;
    }
    ASSERT_EQ(t.markers.size(), 1u);  // the other site's total
  }
  EXPECT_NE(table_titled(f.d, "Break-even"), nullptr);
}

TEST(Report, StartMonthAndDailySections) {
  const Fixture& f = Fixture::get();
  const auto months = charts_of(f.d.section("start-month"));
  ASSERT_GE(months.size(), 1u);
  EXPECT_EQ(months[0]->categories.size(), 12u);
  ASSERT_EQ(months[0]->series.size(), f.r.sites.size());
  for (size_t i = 0; i < f.r.sites.size(); ++i)
    for (size_t m = 0; m < 12; ++m)
      EXPECT_DOUBLE_EQ(months[0]->series[i].values[m], f.r.sites[i].by_start_month[m].cost_total);
  const reports::Table* t = table_titled(f.d, "Cost, PUE and wall-clock days by start month");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->rows.size(), 12u);
  const auto daily = charts_of(f.d.section("daily"));
  ASSERT_EQ(daily.size(), 3u);  // power, PUE, cumulative cost
  EXPECT_EQ(daily[0]->categories.size(), f.r.sites.front().daily.size());
}

TEST(Report, MonthlyChartOnlyForRunsOfThreeMonthsOrMore) {
  const Fixture& f = Fixture::get();
  ASSERT_LT(f.r.sites.front().monthly.size(), 3u) << "the fixture is a short run";
  EXPECT_EQ(f.d.section("monthly"), nullptr);
  // Ten times the tokens: a run of several months.
  models::Scenario longer = f.sc;
  longer.workload.tokens *= 10;
  const models::Result r = models::estimate(longer);
  ASSERT_GE(r.sites.front().monthly.size(), 3u);
  EXPECT_NE(reports::scenario_report(longer, r).section("monthly"), nullptr);
}

TEST(Report, WithoutRobustnessTheReportSaysSo) {
  const Fixture& f = Fixture::get();
  const reports::ReportData d = reports::scenario_report(f.sc, models::estimate(f.sc));
  EXPECT_NE(d.answer.find("not computed"), std::string::npos);
  EXPECT_TRUE(charts_of(d.section("sensitivity")).empty());
}

TEST(Report, HtmlHoldsTheKeyFiguresAndEveryChart) {
  const Fixture& f = Fixture::get();
  const std::string html = reports::report_html(f.d);
  for (const auto& s : f.r.sites) {
    EXPECT_NE(html.find("<th>" + s.site + "</th>"), std::string::npos);
    EXPECT_NE(html.find(reports::thousands(s.cost.total)), std::string::npos) << s.site;
  }
  size_t svgs = 0;
  for (size_t at = 0; (at = html.find("<svg", at)) != std::string::npos; ++at) ++svgs;
  EXPECT_EQ(svgs, f.d.charts().size());
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, static
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  // No scientific notation anywhere in the charts (axes read 600,000, not 6e+05).
  EXPECT_FALSE(std::regex_search(html, std::regex(R"(>[-+]?[0-9.,]+e[-+]?[0-9]+)")));
}

TEST(Report, AxisNumbersUseThousandsSeparatorsAndNoExponent) {
  EXPECT_EQ(reports::axis_number(600000, 100000), "600,000");
  EXPECT_EQ(reports::axis_number(1250000, 250000), "1,250,000");
  EXPECT_EQ(reports::axis_number(1.125, 0.025), "1.125");
  EXPECT_EQ(reports::axis_number(0.5, 0.5), "0.5");
  EXPECT_EQ(reports::axis_number(-0.0, 1), "0");
  EXPECT_EQ(reports::thousands(1234567.891, 2), "1,234,567.89");
}

TEST(Report, CsvRoundTrips) {
  const Fixture& f = Fixture::get();
  const auto records = reports::parse_csv(reports::report_csv(f.d));
  const auto& table = *f.d.tables().front();
  size_t at = 0;
  while (at < records.size() && records[at] != table.header) ++at;
  ASSERT_LT(at, records.size());
  for (size_t i = 0; i < table.rows.size(); ++i) EXPECT_EQ(records[at + 1 + i], table.rows[i]);
  EXPECT_EQ(records[2][1], f.d.answer);
}

TEST(Report, SourcesNameNoFileOutsideTheRepository) {
  const Fixture& f = Fixture::get();
  ASSERT_FALSE(f.d.sources.empty());
  const std::regex outside(R"(DOMAIN\.md|reference\.md|founding brief|shared/)", std::regex::icase);
  for (const auto& [what, src] : f.d.sources)
    EXPECT_FALSE(std::regex_search(src, outside)) << what << ": " << src;
  bool economics = false, ranges = false;
  for (const auto& [what, src] : f.d.sources) {
    economics = economics || what.rfind("economics ", 0) == 0;
    ranges = ranges || what.rfind("sensitivity range", 0) == 0;
  }
  EXPECT_TRUE(economics);
  EXPECT_TRUE(ranges);
}
