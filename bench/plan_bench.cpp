// The planner (models/plan.h): a full layout search of one cluster (target < 5 s) and the search over
// GPU type × cluster size (up to 16,384 GPUs) × five sites (target < 60 s on 2 cores). Analytic only,
// no DES re-check (that is a handful of `trainsite simulate` runs, see bench/RESULTS.md).
#include <benchmark/benchmark.h>

#include <thread>

#include "models/plan.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

using namespace trainsite;

const std::filesystem::path& dir() {
  static const auto d = scenarios::default_data_dir();
  return d;
}
const models::Catalog& catalog() {
  static const models::Catalog c = scenarios::load_catalog(dir());
  return c;
}
models::Scenario load(const std::string& name, const std::vector<std::string>& overrides = {}) {
  return scenarios::load_scenario(std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/" + name, catalog(),
                                  {dir(), overrides, false});
}
int jobs() {
  return int(std::max(1u, std::thread::hardware_concurrency()));
}

void layout_search(benchmark::State& state, const std::string& name) {
  const models::Scenario sc = load(name);
  models::SearchOptions o;
  o.jobs = jobs();
  long evaluated = 0, searched = 0;
  for (auto _ : state) {
    const auto s = models::search_layouts(sc, o);
    benchmark::DoNotOptimize(s.best.data());
    evaluated = s.counts.evaluated;
    searched = s.counts.searched;
  }
  state.counters["layouts"] = double(searched);
  state.counters["evaluated"] = double(evaluated);
}
BENCHMARK_CAPTURE(layout_search, Gpt3A800_1024, std::string("gpt3-175b-a800-ulanqab-vs-shanghai.yaml"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(layout_search, Llama3_70bH800_1024, std::string("llama3-70b-h800-1024.yaml"))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// GPT-3 175B on every GPU type of the catalog × 22 cluster sizes (1 to 2,048 servers) × the five sites.
void BM_PlanGpuTypesSizesFiveSites(benchmark::State& state) {
  const models::Scenario sc = load("gpt3-175b-a800-ulanqab-vs-shanghai.yaml",
                                   {"sites=[ulanqab, shanghai, beijing, guizhou, singapore]"});
  std::vector<models::Scenario> variants;
  for (const auto& g : catalog().gpus) {
    models::Scenario v = sc;
    v.cluster.gpu = g;
    v.cluster.gpus_per_node = g.node_gpus;
    v.cluster.node_power_kw.reset();
    v.cluster.cal = scenarios::load_calibration(dir(), sc.cluster.calibration, g);
    variants.push_back(v);
  }
  models::PlanOptions o;
  o.auto_nodes = true;
  o.max_gpus = 16384;
  o.search.jobs = jobs();
  models::PlanCounts c;
  for (auto _ : state) {
    const auto r = models::plan(sc, variants, o);
    benchmark::DoNotOptimize(r.plans.data());
    c = r.counts;
  }
  state.counters["gpu_types"] = double(variants.size());
  state.counters["clusters"] = double(c.clusters);
  state.counters["layouts"] = double(c.layouts.searched);
  state.counters["evaluated"] = double(c.layouts.evaluated);
  state.counters["site_evals"] = double(c.site_evaluations);
}
BENCHMARK(BM_PlanGpuTypesSizesFiveSites)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
