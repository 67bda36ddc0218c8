// The planner's report section (reports/plan_section.h): arranges models::plan's result, per site the
// plan next to the scenario's own layout, what bounds it, runner-ups, and the Pareto chart when there
// is a front to draw.
#include "reports/plan_section.h"

#include <gtest/gtest.h>

#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;

models::Scenario library(const std::string& name) {
  const auto dir = scenarios::default_data_dir();
  static const models::Catalog cat = scenarios::load_catalog(dir);
  return scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name, cat,
                                  {dir, {}, false});
}

std::vector<const reports::Table*> tables(const reports::Section& s) {
  std::vector<const reports::Table*> out;
  for (const auto& b : s.blocks)
    if (const auto* t = std::get_if<reports::Table>(&b)) out.push_back(t);
  return out;
}

TEST(PlanSection, PlanAndScenarioRowsPerSiteWithBoundsAndRunnerUps) {
  const models::Scenario sc = library("small-16gpu.yaml");
  const models::PlanResult r = models::plan(sc, {}, {});
  const reports::Section s = reports::plan_section(r, sc);
  EXPECT_EQ(s.id, "plan");
  const auto t = tables(s);
  ASSERT_GE(t.size(), 1u);
  ASSERT_EQ(t[0]->rows.size(), 2 * sc.sites.size());  // plan + scenario per site
  EXPECT_EQ(t[0]->rows[0][0], sc.sites[0].id + ": plan");
  EXPECT_EQ(t[0]->rows[1][0], sc.sites[0].id + ": scenario");
  // The step column is the plan's and the scenario's engine step, plan first and never slower.
  EXPECT_LE(std::stod(t[0]->rows[0][3]), std::stod(t[0]->rows[1][3]));
  bool bounds = false, runner_ups = false;
  for (const auto* x : t) {
    bounds |= x->title.rfind("What bounds the plan at", 0) == 0 && !x->rows.empty();
    runner_ups |= x->title.rfind("Runner-ups at", 0) == 0 && !x->rows.empty();
  }
  EXPECT_TRUE(bounds);
  EXPECT_TRUE(runner_ups);
  // One cluster: a one-point front, so no chart.
  for (const auto& b : s.blocks) EXPECT_FALSE(std::holds_alternative<reports::Chart>(b));
}

TEST(PlanSection, ParetoChartWhenSeveralClustersAreSearched) {
  // GPT-3 175B: more servers finish sooner but cost more, so the front has several points.
  const models::Scenario sc = library("gpt3-175b-a800-ulanqab-vs-shanghai.yaml");
  models::PlanOptions o;
  o.nodes = {64, 128, 256};
  o.search.jobs = 2;
  const models::PlanResult r = models::plan(sc, {}, o);
  ASSERT_GE(r.pareto.size(), 2u);
  const reports::Section s = reports::plan_section(r, sc);
  const reports::Chart* chart = nullptr;
  for (const auto& b : s.blocks)
    if (const auto* c = std::get_if<reports::Chart>(&b)) chart = c;
  ASSERT_TRUE(chart);
  EXPECT_EQ(chart->kind, "scatter");
  EXPECT_EQ(chart->series[0].values.size(), r.pareto.size());
  EXPECT_EQ(chart->highlighted.size(), r.pareto.size());
}

}  // namespace
