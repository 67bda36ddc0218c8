// Speed of the analytic engine (DESIGN section 4: an estimate in under 1 ms). The scenario is
// loaded once, outside the timed loop; only the model evaluation is measured.
#include <benchmark/benchmark.h>

#include "models/estimate.h"
#include "models/site/sensitivity.h"
#include "models/step/iteration.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;

models::Scenario load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  const auto dir = scenarios::default_data_dir();
  const models::Catalog cat = scenarios::load_catalog(dir);
  return scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name + ".yaml",
                                  cat, {dir, overrides, false});
}

// estimate() end to end, as `trainsite estimate` runs it: virtual_stages auto (searches the
// interleaving degree), iteration, memory, goodput and both sites.
void BM_EstimateGpt3A800(benchmark::State& state) {
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai");
  for (auto _ : state) {
    models::Result r = models::estimate(sc);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EstimateGpt3A800)->Unit(benchmark::kMicrosecond);

// One analytic iteration with virtual_stages fixed (no search).
void BM_AnalyticIterationFixedV(benchmark::State& state) {
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai", {"parallelism.virtual_stages=3"});
  for (auto _ : state) {
    models::Iteration it = models::analytic_iteration(sc);
    benchmark::DoNotOptimize(it);
  }
}
BENCHMARK(BM_AnalyticIterationFixedV)->Unit(benchmark::kMicrosecond);

// The analytic engine alone with virtual_stages auto (searches the interleaving degree).
void BM_AnalyticIterationAutoV(benchmark::State& state) {
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai");
  for (auto _ : state) {
    models::Iteration it = models::analytic_iteration(sc);
    benchmark::DoNotOptimize(it);
  }
}
BENCHMARK(BM_AnalyticIterationAutoV)->Unit(benchmark::kMicrosecond);

// The per-site part of estimate() alone (memory, goodput, campaign/energy/cost for both sites)
// on a precomputed iteration.
void BM_EvaluateSitesGpt3A800(benchmark::State& state) {
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai");
  const models::Iteration it = models::analytic_iteration(sc);
  for (auto _ : state) {
    models::Result r = models::evaluate(sc, it, "analytic");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EvaluateSitesGpt3A800)->Unit(benchmark::kMicrosecond);

// The other shipped large scenarios, for scale.
void BM_EstimateLlama3_70bH800(benchmark::State& state) {
  const models::Scenario sc = load("llama3-70b-h800-1024");
  for (auto _ : state) {
    models::Result r = models::estimate(sc);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EstimateLlama3_70bH800)->Unit(benchmark::kMicrosecond);

// The robustness runs behind `estimate --json`, `report` and the GUI's second compare page
// (models::add_robustness): 7 sensitivity inputs x 2 ends per site, 12 start months, break-even searches.
// Not part of estimate() itself.
void BM_RobustnessGpt3A800(benchmark::State& state) {
  const auto dir = scenarios::default_data_dir();
  const models::Catalog cat = scenarios::load_catalog(dir);
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai");
  const models::Result base = models::estimate(sc);
  for (auto _ : state) {
    models::Result r = base;
    models::add_robustness(sc, cat.sensitivity, r);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RobustnessGpt3A800)->Unit(benchmark::kMillisecond);

void BM_RobustnessLlama3_70bH800(benchmark::State& state) {
  const auto dir = scenarios::default_data_dir();
  const models::Catalog cat = scenarios::load_catalog(dir);
  const models::Scenario sc = load("llama3-70b-h800-1024");
  const models::Result base = models::estimate(sc);
  for (auto _ : state) {
    models::Result r = base;
    models::add_robustness(sc, cat.sensitivity, r);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RobustnessLlama3_70bH800)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
