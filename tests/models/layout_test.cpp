// Layout rules (models/layout.h): the list the loader and the planner share. Each test starts from
// the shipped GPT-3 175B A800 scenario (1,024 GPUs, tp 8 · pp 16 · dp 8, valid) and breaks one rule.
#include "models/layout.h"

#include <gtest/gtest.h>

#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;
using namespace trainsite::models;

const Scenario& a800() {
  static const Scenario sc = [] {
    const auto dir = scenarios::default_data_dir();
    const Catalog cat = scenarios::load_catalog(dir);
    return scenarios::load_scenario(
        std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml", cat,
        {dir, {}, false});
  }();
  return sc;
}

TEST(Layout, ShippedLayoutHasNoProblems) {
  EXPECT_TRUE(layout_problems(a800()).empty());
}

TEST(Layout, DegreesThatDoNotDivideTheGpusEndTheList) {
  Scenario sc = a800();
  sc.parallelism.pp = 12;  // 8·12 = 96 does not divide 1,024; heads and layers checks would be noise
  const auto p = layout_problems(sc);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].field, "parallelism");
  EXPECT_EQ(p[0].message, "tp·pp·cp = 8·12·1 = 96 does not divide the 1024 GPUs");
  EXPECT_EQ(p[0].rule, LayoutRule::divisibility);
}

TEST(Layout, ListsEveryIndependentDivisibilityProblemInLoaderOrder) {
  Scenario sc = a800();
  sc.parallelism.pp = 64;             // 96 layers / 64 does not divide; 8·64 = 512 divides 1,024 (dp 2)
  sc.parallelism.micro_batch = 1024;  // 1,536 / (2·1,024) does not divide
  const auto p = layout_problems(sc);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].field, "parallelism.pp");
  EXPECT_EQ(p[1].field, "workload.global_batch");
}

TEST(Layout, MemoryIsCheckedOnlyOnAnOtherwiseValidLayout) {
  Scenario sc = a800();
  sc.parallelism.tp = 1;  // 175B over pp 16 alone: ~11B parameters per GPU, ~180 GB of model states
  sc.parallelism.zero = 0;
  const auto p = layout_problems(sc);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rule, LayoutRule::memory);
  EXPECT_NE(p[0].message.find("the model does not fit"), std::string::npos);
}

TEST(Layout, ExpertParallelismOnADenseModelIsOneProblem) {
  Scenario sc = a800();
  sc.parallelism.ep = 2;
  const auto p = layout_problems(sc);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].message, "expert parallelism needs a MoE model");
}

TEST(Layout, LoaderThrowsTheFirstProblem) {
  Scenario sc = a800();
  sc.parallelism.pp = 64;
  sc.parallelism.micro_batch = 1024;
  try {
    scenarios::check_layout(sc, "x.yaml");
    FAIL() << "no error";
  } catch (const scenarios::InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.pp");
    EXPECT_EQ(e.message(), layout_problems(sc).front().message);
  }
}

}  // namespace
