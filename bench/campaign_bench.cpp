// Campaign model speed: a ~90-day GPT-3 175B run on 1,024 A800s (tokens scaled from 300e9 to 1.2e12),
// hour by hour, at both sites of the shipped comparison. Target (DESIGN.md §4): < 0.5 s per 90-day campaign.
#include <benchmark/benchmark.h>

#include "models/estimate.h"
#include "models/step/iteration.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;

const models::Scenario& scenario() {
  static const models::Scenario sc = [] {
    scenarios::LoadOptions opt;
    opt.data_dir = scenarios::default_data_dir();
    opt.overrides = {"workload.tokens=1.2e12"};
    const auto cat = scenarios::load_catalog(opt.data_dir);
    return scenarios::load_scenario(
        std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml", cat,
        opt);
  }();
  return sc;
}

void run(benchmark::State& state, const char* engine) {
  const models::Scenario& sc = scenario();
  const models::Iteration it = models::analytic_iteration(sc);
  double days = 0;
  for (auto _ : state) {
    const models::Result r = models::evaluate(sc, it, engine);
    days = r.sites[0].wall_clock_days;
    benchmark::DoNotOptimize(days);
  }
}

void BM_CampaignExpected(benchmark::State& s) {
  run(s, "analytic");
}
void BM_CampaignDrawn(benchmark::State& s) {
  run(s, "des");
}
BENCHMARK(BM_CampaignExpected)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CampaignDrawn)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
