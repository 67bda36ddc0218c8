#include "scenarios/sweep_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scenarios/errors.h"

using namespace trainsite::scenarios;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto p = std::filesystem::temp_directory_path() / name;
  std::ofstream(p) << text;
  return p.string();
}

const std::string kBase =
    std::string("base: ") + TRAINSITE_SOURCE_DIR + "/scenarios/library/small-16gpu.yaml\n";

}  // namespace

TEST(SweepFile, GeometricRangeZipAndOrder) {
  const auto path = write_temp("sweep_file_test_a.yaml", "schema: trainsite/sweep/v1\n" + kBase + R"(
axes:
  sites: [ulanqab, shanghai]
  cluster.nodes: {from: 2, to: 16, factor: 2}
  zip: {parallelism.tp: [2, 4], parallelism.pp: [2, 1]}
)");
  const SweepFile sw = load_sweep_file(path);
  // 2 sites × {2, 4, 8, 16} nodes × 2 layouts = 16 points.
  EXPECT_EQ(sw.point_count(), 16u);
  const auto p0 = sw.point_overrides(0);
  ASSERT_EQ(p0.size(), 4u);
  EXPECT_EQ(p0[0], (std::pair<std::string, std::string>{"sites", "[ulanqab]"}));  // single ids wrapped
  EXPECT_EQ(p0[1].second, "2");
  EXPECT_EQ(p0[2], (std::pair<std::string, std::string>{"parallelism.tp", "2"}));
  // Last axis fastest: point 1 changes the layout only; point 2 the node count.
  EXPECT_EQ(sw.point_overrides(1)[2].second, "4");
  EXPECT_EQ(sw.point_overrides(1)[3].second, "1");
  EXPECT_EQ(sw.point_overrides(2)[1].second, "4");
  EXPECT_EQ(sw.point_overrides(15)[0].second, "[shanghai]");
  EXPECT_EQ(sw.point_overrides(15)[1].second, "16");
}

TEST(SweepFile, ArithmeticRangeIncludesTheEnd) {
  const auto path = write_temp("sweep_file_test_b.yaml",
                               "schema: trainsite/sweep/v1\n" + kBase +
                                   "axes: {workload.tokens: {from: 1e9, to: 3e9, step: 0.5e9}}\n");
  const SweepFile sw = load_sweep_file(path);
  ASSERT_EQ(sw.point_count(), 5u);  // 1, 1.5, 2, 2.5, 3 (×1e9)
  EXPECT_EQ(sw.point_overrides(4)[0].second, "3000000000");
}

TEST(SweepFile, UnequalZipIsALocatedError) {
  const auto path = write_temp("sweep_file_test_c.yaml",
                               "schema: trainsite/sweep/v1\n" + kBase +
                                   "axes:\n  zip: {parallelism.tp: [2, 4], parallelism.pp: [1]}\n");
  try {
    load_sweep_file(path);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("equal lengths"), std::string::npos) << e.what();
    EXPECT_GT(e.where().line, 0);
  }
}

TEST(SweepFile, ConstraintsReadTheResolvedPoint) {
  const YAML::Node doc =
      YAML::Load("{cluster: {nodes: 4, gpus_per_node: 8, gpu: H20}, parallelism: {tp: 8}, sites: [a]}");
  EXPECT_TRUE(eval_constraint("cluster.nodes * cluster.gpus_per_node / parallelism.tp == 4", doc));
  EXPECT_TRUE(eval_constraint("cluster.gpu == 'H20' && !(parallelism.tp > 8)", doc));
  EXPECT_FALSE(eval_constraint("cluster.gpu != 'H20' || cluster.nodes % 3 == 0", doc));
  EXPECT_TRUE(eval_constraint("sites[0] == 'a'", doc));
  EXPECT_THROW(eval_constraint("cluster.missing > 1", doc), InputError);
  EXPECT_THROW(eval_constraint("(cluster.nodes > 1", doc), InputError);
}

TEST(SweepFile, CanonicalTextIgnoresKeyOrderAndHashIncludesEngine) {
  const auto a = canonical_yaml(YAML::Load("{b: 1, a: {y: 2, x: [3, 4]}}"));
  const auto b = canonical_yaml(YAML::Load("{a: {x: [3, 4], y: 2}, b: 1}"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(point_hash(a, "analytic"), point_hash(b, "analytic"));
  EXPECT_NE(point_hash(a, "analytic"), point_hash(a, "des"));
  EXPECT_EQ(point_hash(a, "analytic").size(), 16u);
}

TEST(SweepFile, ShardParsing) {
  EXPECT_EQ(parse_shard("0/4"), (std::pair<uint64_t, uint64_t>{0, 4}));
  EXPECT_EQ(parse_shard("3/4"), (std::pair<uint64_t, uint64_t>{3, 4}));
  EXPECT_THROW(parse_shard("4/4"), InputError);
  EXPECT_THROW(parse_shard("1/0"), InputError);
  EXPECT_THROW(parse_shard("1/4x"), InputError);
}
