// Failures, checkpoints and goodput in expectation (Young 1974, Daly 2006; Llama 3 paper §3.3.4).
#include "models/site/reliability.h"

#include <gtest/gtest.h>

#include <cmath>

#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace trainsite::models {
namespace {

Scenario a800(const std::vector<std::string>& overrides = {}) {
  static const Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  return scenarios::load_scenario(
      std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml", cat,
      {scenarios::default_data_dir(), overrides, false});
}

TEST(Reliability, YoungDalyInterval) {
  // sqrt(2·δ·M): δ = 60 s, M = 1 day → sqrt(10,368,000) = 3219.94 s; δ = 10 s, M = 5 h → 600 s.
  EXPECT_NEAR(young_daly_interval_s(60, 86400), 3219.937887, 1e-6);
  EXPECT_NEAR(young_daly_interval_s(10, 18000), 600.0, 1e-9);
  EXPECT_DOUBLE_EQ(young_daly_interval_s(8, 9), std::sqrt(2.0 * 8 * 9));
}

TEST(Reliability, DefaultFailureRateFromLlama3Run) {
  // 419 interruptions / (16,384 GPUs · 54 days) = 4.735876e-4 per GPU-day = 0.4735876 per 1000.
  EXPECT_NEAR(default_fail_per_1000_gpu_day(), 419.0 / (16384.0 * 54.0) * 1000.0, 1e-15);
  EXPECT_NEAR(default_fail_per_1000_gpu_day(), 0.4735876, 1e-7);
  Reliability r;
  EXPECT_DOUBLE_EQ(fail_per_1000_gpu_day(r), default_fail_per_1000_gpu_day());
  r.gpu_fail_per_1000_gpu_day = 2.0;
  EXPECT_DOUBLE_EQ(fail_per_1000_gpu_day(r), 2.0);
}

TEST(Reliability, Gpt3A800CheckpointByHand) {
  // 1024 GPUs × 0.4735876e-3 per GPU-day = 0.484954 interruptions/day → MTBF 178,162 s (49.49 h).
  // Checkpoint = 14 B × 174,590,656,512 params = 2.4443e12 B written by 128 nodes at 2.2 GB/s:
  // δ = 8.67993 s. Young/Daly: sqrt(2 · 8.67993 · 178,162) = 1758.6 s.
  const Scenario sc = a800();
  const double mtbf = 86400.0 / (419.0 / (16384.0 * 54.0) * 1024.0);
  EXPECT_NEAR(cluster_mtbf_s(sc), mtbf, 1e-6 * mtbf);
  EXPECT_NEAR(mtbf / 3600, 49.49, 0.01);
  EXPECT_DOUBLE_EQ(checkpoint_bytes(sc), 14.0 * 174590656512.0);
  const double delta = 14.0 * 174590656512.0 / (128 * 2.2e9);
  EXPECT_NEAR(checkpoint_stall_s(sc), delta, 1e-9);
  EXPECT_NEAR(delta, 8.67993, 1e-5);
  EXPECT_NEAR(checkpoint_interval_s(sc), std::sqrt(2 * delta * mtbf), 1e-6);
  const Goodput g = expected_goodput(sc);
  // Waste per unit time: δ/τ + (τ/2 + 15 min)/M.
  const double tau = std::sqrt(2 * delta * mtbf);
  EXPECT_NEAR(g.fraction, 1.0 / (1.0 + delta / tau + (tau / 2 + 900) / mtbf), 1e-12);
}

TEST(Reliability, MoreFailuresLowerGoodput) {
  const Goodput base = expected_goodput(a800());
  const Goodput worse = expected_goodput(a800({"reliability.gpu_fail_per_1000_gpu_day=5"}));
  EXPECT_LT(worse.mtbf_s, base.mtbf_s);
  EXPECT_LT(worse.interval_s, base.interval_s);  // checkpoint more often when failures are frequent
  EXPECT_LT(worse.fraction, base.fraction);
  EXPECT_GT(base.fraction, 0.9);
  EXPECT_LT(base.fraction, 1.0);
}

TEST(Reliability, AsyncCheckpointStallsOnlyForTheHostCopy) {
  const Scenario sync = a800();
  const Scenario async = a800({"cluster.storage.checkpoint.async=true"});
  EXPECT_LT(checkpoint_stall_s(async), checkpoint_stall_s(sync));
  // An explicit interval wins over Young/Daly.
  EXPECT_DOUBLE_EQ(checkpoint_interval_s(a800({"cluster.storage.checkpoint.interval_min=30"})), 1800.0);
}

}  // namespace
}  // namespace trainsite::models
