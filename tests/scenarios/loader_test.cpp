// The scenario loader: one test per error class (each naming file:line:column and the field),
// --set overrides, and every shipped scenario and catalog entry loading.
#include "scenarios/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "models/estimate.h"
#include "models/step/pipeline.h"
#include "models/step/transformer.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"

namespace trainsite::scenarios {
namespace {

namespace fs = std::filesystem;

const models::Catalog& catalog() {
  static const models::Catalog c = load_catalog(default_data_dir());
  return c;
}

// A valid scenario, one key per line so that each test can replace a known line.
const std::vector<std::string> kBase = {
    "schema: trainsite/v1",       // 1
    "name: loader-test",          // 2
    "workload:",                  // 3
    "  model: gpt3-175b",         // 4
    "  global_batch: 1536",       // 5
    "  precision: bf16",          // 6
    "  recompute: selective",     // 7
    "  flash_attention: true",    // 8
    "parallelism:",               // 9
    "  tp: 8",                    // 10
    "  pp: 16",                   // 11
    "  dp: auto",                 // 12
    "  micro_batch: 1",           // 13
    "  zero: 1",                  // 14
    "  sequence_parallel: true",  // 15
    "cluster:",                   // 16
    "  gpu: A800-SXM4-80GB",      // 17
    "  nodes: 128",               // 18
    "sites: [ulanqab, shanghai]"  // 19
};

class Loader : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = (fs::temp_directory_path() /
             (std::string("trainsite-loader-") + info->name() + "-" + std::to_string(::getpid()) + ".yaml"))
                .string();
  }
  void TearDown() override { fs::remove(path_); }

  // kBase with the lines in `replace` (1-based) replaced and the lines equal to `drop` left out.
  std::string write(const std::map<int, std::string>& replace, const std::vector<std::string>& drop = {}) {
    std::ofstream out(path_);
    for (size_t i = 0; i < kBase.size(); ++i) {
      const int line = int(i) + 1;
      if (std::find(drop.begin(), drop.end(), kBase[i]) != drop.end()) continue;
      out << (replace.count(line) ? replace.at(line) : kBase[i]) << "\n";
    }
    return path_;
  }
  std::string write_text(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }

  models::Scenario load(const std::vector<std::string>& overrides = {}) {
    return load_scenario(path_, catalog(), {default_data_dir(), overrides, false});
  }

  // Loads and expects an InputError at line:column naming `field`, with `needle` in the message.
  void expect_error(int line, int column, const std::string& field, const std::string& needle,
                    const std::vector<std::string>& overrides = {}) {
    try {
      load(overrides);
      ADD_FAILURE() << "no error for " << field;
    } catch (const InputError& e) {
      const std::string what = e.what();
      const std::string where = path_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ":";
      EXPECT_NE(what.find(where), std::string::npos) << what << "\nexpected location " << where;
      EXPECT_EQ(e.where().line, line) << what;
      EXPECT_EQ(e.where().column, column) << what;
      EXPECT_EQ(e.field(), field) << what;
      if (!field.empty()) {
        EXPECT_NE(what.find("'" + field + "'"), std::string::npos) << what;
      }
      EXPECT_NE(what.find(needle), std::string::npos) << what << "\nexpected to contain: " << needle;
    }
  }

  std::string path_;
};

TEST_F(Loader, BaseScenarioLoads) {
  write({});
  const models::Scenario sc = load();
  EXPECT_EQ(sc.name, "loader-test");
  EXPECT_EQ(sc.workload.model.layers, 96);
  EXPECT_EQ(sc.parallelism.tp, 8);
  EXPECT_EQ(sc.parallelism.dp, 0);  // auto
  EXPECT_EQ(sc.cluster.gpus(), 1024);
  ASSERT_EQ(sc.sites.size(), 2u);
  EXPECT_EQ(sc.sites[1].id, "shanghai");
}

TEST_F(Loader, MalformedYaml) {
  // An unterminated flow list on line 10: the parser stops where the mapping cannot continue.
  write({{10, "  tp: [8, 16"}});
  try {
    load();
    ADD_FAILURE() << "malformed YAML accepted";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("malformed YAML"), std::string::npos) << what;
    EXPECT_GE(e.where().line, 10) << what;
    EXPECT_GT(e.where().column, 0) << what;
    EXPECT_NE(
        what.find(path_ + ":" + std::to_string(e.where().line) + ":" + std::to_string(e.where().column)),
        std::string::npos)
        << what;
  }
  // A tab-free bad indentation: a key at the wrong depth on line 6.
  write({{6, "    precision: bf16"}});
  expect_error(6, 14, "", "malformed YAML");
}

TEST_F(Loader, UnknownKeySuggestsTheClosest) {
  write({{13, "  micro_bach: 1"}});
  expect_error(13, 3, "parallelism.micro_bach", "did you mean 'micro_batch'?");
}

TEST_F(Loader, WrongType) {
  write({{5, "  global_batch: lots"}});
  expect_error(5, 3, "workload.global_batch", "expected an integer, got 'lots'");
  write({{8, "  flash_attention: maybe"}});
  expect_error(8, 3, "workload.flash_attention", "expected true or false");
  write({{9, "parallelism: [8, 16]"}, {10, ""}, {11, ""}, {12, ""}, {13, ""}, {14, ""}, {15, ""}});
  expect_error(9, 1, "parallelism", "expected a mapping");
}

TEST_F(Loader, UnknownGpu) {
  write({{17, "  gpu: A800-SXM4-80G"}});
  expect_error(17, 3, "cluster.gpu", "did you mean 'A800-SXM4-80GB'?");
}

TEST_F(Loader, UnknownModel) {
  write({{4, "  model: gpt3-17b"}});
  expect_error(4, 3, "workload.model", "unknown model 'gpt3-17b'");
  EXPECT_NO_THROW(catalog().find_model("gpt3-175b"));
}

TEST_F(Loader, UnknownSite) {
  // The offending list item: line 19, column 18 ("sites: [ulanqab, " is 17 characters).
  write({{19, "sites: [ulanqab, shanghia]"}});
  expect_error(19, 18, "sites[1]", "did you mean 'shanghai'?");
}

TEST_F(Loader, LayoutDoesNotMatchGpus) {
  // tp·pp·dp = 8·16·4 = 512 on 1024 GPUs.
  write({{12, "  dp: 4"}});
  expect_error(12, 3, "parallelism.dp", "tp·pp·cp·dp = 8·16·1·4 = 512 but the cluster has 1024 GPUs");
  // tp·pp = 8·12 = 96 does not divide 1024: reported on the parallelism block.
  write({{11, "  pp: 12"}});
  expect_error(9, 1, "parallelism", "does not divide the 1024 GPUs");
}

TEST_F(Loader, BatchNotDivisible) {
  // dp = 8, micro-batch 1: 1537 sequences do not split.
  write({{5, "  global_batch: 1537"}});
  expect_error(5, 3, "workload.global_batch", "not divisible by dp·micro_batch = 8·1 = 8");
}

TEST_F(Loader, ModelDoesNotFit) {
  // GPT-3 175B with tp = pp = 1 on 1024 GPUs (dp 1024): 16+ bytes per parameter on one GPU.
  write({{10, "  tp: 1"}, {11, "  pp: 1"}, {15, "  sequence_parallel: false"}, {5, "  global_batch: 1024"}});
  expect_error(9, 1, "parallelism", "the model does not fit");
}

TEST_F(Loader, Fp8OnA100) {
  write({{6, "  precision: fp8"}, {17, "  gpu: A100-SXM4-80GB"}});
  expect_error(6, 3, "workload.precision", "A100-SXM4-80GB has no fp8 tensor cores");
}

TEST_F(Loader, MissingSchema) {
  write({}, {"schema: trainsite/v1"});
  expect_error(1, 1, "schema", "missing");
  write({{1, "schema: trainsite/v2"}});
  expect_error(1, 1, "schema", "unsupported schema 'trainsite/v2'");
}

TEST_F(Loader, BadEnumValue) {
  write({{7, "  recompute: selectve"}});
  expect_error(7, 3, "workload.recompute", "did you mean 'selective'?");
}

TEST_F(Loader, OverrideNestedKey) {
  YAML::Node root = YAML::Load("parallelism: {tp: 8, pp: 16}");
  apply_override(root, "parallelism.tp=4");
  EXPECT_EQ(root["parallelism"]["tp"].as<int>(), 4);
  EXPECT_EQ(root["parallelism"]["pp"].as<int>(), 16);
  apply_override(root, "cluster.storage.checkpoint.async=true");  // creates missing mappings
  EXPECT_TRUE(root["cluster"]["storage"]["checkpoint"]["async"].as<bool>());
}

TEST_F(Loader, OverridePresetBecomesMapping) {
  YAML::Node root = YAML::Load("workload: {model: gpt3-175b}");
  apply_override(root, "workload.model.seq_len=4096");
  ASSERT_TRUE(root["workload"]["model"].IsMap());
  EXPECT_EQ(root["workload"]["model"]["preset"].as<std::string>(), "gpt3-175b");
  EXPECT_EQ(root["workload"]["model"]["seq_len"].as<int>(), 4096);
  // Through the loader: the preset keeps its shape with the new sequence length.
  write({});
  const models::Scenario sc = load({"workload.model.seq_len=4096", "workload.recompute=full"});
  EXPECT_EQ(sc.workload.model.seq_len, 4096);
  EXPECT_EQ(sc.workload.model.layers, 96);
  EXPECT_EQ(sc.workload.model.hidden, 12288);
}

TEST_F(Loader, OverrideListValue) {
  write({});
  const models::Scenario sc = load({"sites=[beijing, guizhou, singapore]", "parallelism.tp=4"});
  ASSERT_EQ(sc.sites.size(), 3u);
  EXPECT_EQ(sc.sites[0].id, "beijing");
  EXPECT_EQ(sc.sites[2].id, "singapore");
  EXPECT_EQ(sc.parallelism.tp, 4);
}

TEST_F(Loader, OverrideErrorsNameTheField) {
  write({});
  try {
    load({"parallelism.tpp=4"});
    ADD_FAILURE() << "unknown key from --set accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "parallelism.tpp");
    EXPECT_NE(std::string(e.what()).find("--set"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("did you mean 'tp'?"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load({"no-equals-sign"}), InputError);
}

TEST_F(Loader, PipelineLayersListMustMatchTheModelAndThePipeline) {
  // GPT-3 (96 layers) on pp 16; the list goes on a new line 16 after sequence_parallel.
  auto with_list = [&](const std::string& list) {
    write({{15, "  sequence_parallel: true\n  pipeline_layers: " + list}});
  };
  with_list("[48, 48]");
  expect_error(16, 3, "parallelism.pipeline_layers", "lists 2 stages but pp = 16");
  with_list("[6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5]");  // 95
  expect_error(16, 3, "parallelism.pipeline_layers", "the stages hold 95 layers but the model has 96");
  with_list("[0, 12, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6]");  // 96, but stage 0 is empty
  expect_error(16, 3, "parallelism.pipeline_layers", "stage 0 holds no layer");
  with_list("[6, six]");
  expect_error(16, 3, "parallelism.pipeline_layers", "entry 1 ('six') is not an integer");
  with_list("7");
  expect_error(16, 3, "parallelism.pipeline_layers", "expected a list of layers per stage");
  // A consistent list is taken as written.
  with_list("[5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7]");
  const models::Scenario sc = load();
  ASSERT_EQ(sc.parallelism.pipeline_layers.size(), 16u);
  EXPECT_EQ(sc.parallelism.pipeline_layers.front(), 5);
  EXPECT_EQ(sc.parallelism.pipeline_layers.back(), 7);
}

TEST_F(Loader, UnevenLayersAreAcceptedWithoutAList) {
  // 96 layers on pp 12 would be 8 each; on pp 10 they do not divide and Megatron's split applies:
  // 98 slots / 10 = 9 rem 8 → 9, 10 × 8, 9 → 8, 10 × 8, 8. tp 8 · pp 10 does not divide 1024 GPUs, so
  // 80 nodes (640 GPUs, dp 8).
  write({{11, "  pp: 10"}, {18, "  nodes: 80"}});
  const models::Scenario sc = load();
  EXPECT_EQ(sc.parallelism.pp, 10);
  EXPECT_TRUE(sc.parallelism.pipeline_layers.empty());
  const std::vector<int> expected = {8, 10, 10, 10, 10, 10, 10, 10, 10, 8};
  EXPECT_EQ(models::stage_layers(sc), expected);
}

// A scenario without software keys (a planner's plain description of the job), one key per line:
// 1 schema, 2 name, 3 workload:, 4 model, 5 precision, 6 parallelism:, 7 tp, 8 pp, 9 cluster:, 10 gpu,
// 11 nodes, 12 sites, then `extra`.
std::string bare(const std::string& model, const std::string& gpu, int nodes, int tp, int pp,
                 const std::string& extra = "") {
  return "schema: trainsite/v1\nname: bare\nworkload:\n  model: " + model +
         "\n  precision: bf16\nparallelism:\n  tp: " + std::to_string(tp) + "\n  pp: " + std::to_string(pp) +
         "\ncluster:\n  gpu: " + gpu + "\n  nodes: " + std::to_string(nodes) + "\nsites: [ulanqab]\n" + extra;
}

// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("no '" + from + "' in the test scenario");
  return text.replace(at, from.size(), to);
}

TEST_F(Loader, DefaultStackIsTodaysForTheGpuGeneration) {
  // data/software.yaml: default megatron-core-2024 (selective recompute, distributed optimizer = ZeRO 1,
  // sequence parallelism when tp > 1, gradient-reduce overlap, no dropout, Transformer Engine's fused
  // attention: FlashAttention-2 class on Ampere, FlashAttention-3 class on Hopper).
  write_text(bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16));
  const models::Scenario a800 = load();
  EXPECT_EQ(a800.software_stack, "megatron-core-2024");
  EXPECT_EQ(a800.workload.recompute, models::Recompute::selective);
  EXPECT_EQ(a800.workload.attention_kernel, models::AttentionKernel::fa2);
  EXPECT_TRUE(a800.workload.flash_attention);
  EXPECT_EQ(a800.workload.dropout, 0.0);
  EXPECT_EQ(a800.parallelism.zero, 1);
  EXPECT_TRUE(a800.parallelism.sequence_parallel);
  EXPECT_TRUE(a800.parallelism.overlap_grad_reduce);
  write_text(bare("gpt3-175b", "H800-SXM5-80GB", 128, 8, 16));
  EXPECT_EQ(load().workload.attention_kernel, models::AttentionKernel::fa3);
  // Sequence parallelism only where tp > 1 (Megatron refuses it otherwise).
  write_text(bare("megatron-1.7b", "A100-SXM4-80GB", 2, 1, 1));
  EXPECT_FALSE(load().parallelism.sequence_parallel);
}

TEST_F(Loader, ExplicitKeyBeatsTheSoftwareBlockWhichBeatsThePreset) {
  // The preset alone: megatron-2021 is SC21's stack (full recompute, unfused attention, dropout 0.1,
  // no sequence parallelism, no distributed optimizer, no overlap).
  write_text(bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16, "software: {stack: megatron-2021}\n"));
  const models::Scenario preset = load();
  EXPECT_EQ(preset.software_stack, "megatron-2021");
  EXPECT_EQ(preset.workload.recompute, models::Recompute::full);
  EXPECT_EQ(preset.workload.attention_kernel, models::AttentionKernel::unfused);
  EXPECT_FALSE(preset.workload.flash_attention);
  EXPECT_DOUBLE_EQ(preset.workload.dropout, 0.1);
  EXPECT_FALSE(preset.parallelism.sequence_parallel);
  EXPECT_EQ(preset.parallelism.zero, 0);
  EXPECT_FALSE(preset.parallelism.overlap_grad_reduce);
  // A setting in the software: block beats the preset; the rest still come from the preset.
  write_text(bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16,
                  "software: {stack: megatron-2021, recompute: selective, zero: 1}\n"));
  const models::Scenario block = load();
  EXPECT_EQ(block.workload.recompute, models::Recompute::selective);
  EXPECT_EQ(block.parallelism.zero, 1);
  EXPECT_EQ(block.workload.attention_kernel, models::AttentionKernel::unfused);
  EXPECT_DOUBLE_EQ(block.workload.dropout, 0.1);
  // The key itself under workload:/parallelism: beats both.
  std::string text = bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16,
                          "software: {stack: megatron-2021, recompute: selective, zero: 1}\n");
  text = replaced(text, "  precision: bf16\n", "  precision: bf16\n  recompute: full\n  dropout: 0\n");
  text = replaced(text, "  pp: 16\n", "  pp: 16\n  zero: 2\n");
  write_text(text);
  const models::Scenario expl = load();
  EXPECT_EQ(expl.workload.recompute, models::Recompute::full);
  EXPECT_EQ(expl.parallelism.zero, 2);
  EXPECT_EQ(expl.workload.dropout, 0.0);
  EXPECT_EQ(expl.software_stack, "megatron-2021");
  // flash_attention: false given explicitly keeps the default stack's fused kernel out.
  write_text(replaced(bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16), "  precision: bf16\n",
                      "  precision: bf16\n  flash_attention: false\n"));
  EXPECT_EQ(load().workload.attention_kernel, models::AttentionKernel::unfused);
}

TEST_F(Loader, UnknownSoftwareStackSuggestsTheClosest) {
  // software: on line 13, stack: on line 14.
  write_text(bare("gpt3-175b", "A800-SXM4-80GB", 128, 8, 16, "software:\n  stack: megatron-2020\n"));
  expect_error(14, 3, "software.stack",
               "unknown software stack 'megatron-2020' (did you mean 'megatron-2021'?)");
}

TEST_F(Loader, BareGpt3Fp8On128H100GetsAnAnswer) {
  // Issue 14: GPT-3 175B in FP8 on 16 × 8 H100, tp 4 · pp 8 (dp 4), no software keys. Under the 2021
  // stack's defaults this was "does not fit"; with the default stack (ZeRO 1, selective recompute, FA3,
  // sequence parallelism) it loads (the loader's memory check passes) and estimates.
  write_text(replaced(bare("gpt3-175b", "H100-SXM5-80GB", 16, 4, 8), "precision: bf16", "precision: fp8"));
  models::Scenario sc;
  ASSERT_NO_THROW(sc = load());
  EXPECT_EQ(sc.software_stack, "megatron-core-2024");
  EXPECT_EQ(sc.cluster.gpus(), 128);
  const models::Result r = models::estimate(sc);
  EXPECT_TRUE(r.memory.fits(sc.cluster.gpu)) << r.memory.total_GB() << " GB";
  EXPECT_GT(r.iteration.step_time_s, 0);
  ASSERT_FALSE(r.sites.empty());
  EXPECT_GT(r.sites.front().wall_clock_days, 0);
}

TEST(LoaderLibrary, EveryShippedScenarioLoads) {
  const fs::path dir = fs::path(TRAINSITE_SOURCE_DIR) / "scenarios" / "library";
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    SCOPED_TRACE(e.path().string());
    models::Scenario sc;
    EXPECT_NO_THROW(sc = load_scenario(e.path().string(), catalog(), {default_data_dir(), {}, false}));
    EXPECT_FALSE(sc.sites.empty());
    EXPECT_EQ(sc.name, e.path().stem().string());
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(LoaderLibrary, CatalogEntriesLoad) {
  const models::Catalog& cat = catalog();
  for (const std::string id : {"A100-SXM4-80GB", "A800-SXM4-80GB", "H100-SXM5-80GB", "H800-SXM5-80GB", "H20"})
    EXPECT_NE(cat.find_gpu(id), nullptr) << id;
  for (const std::string id : {"gpt3-175b", "llama2-70b", "llama3-70b", "llama3-405b", "bloom-176b"})
    EXPECT_NE(cat.find_model(id), nullptr) << id;
  for (const std::string id : {"ulanqab", "shanghai", "beijing", "guizhou", "singapore"})
    EXPECT_NE(cat.find_site(id), nullptr) << id;
  for (const auto& g : cat.gpus) {
    SCOPED_TRACE(g.id);
    EXPECT_TRUE(g.peak(models::Precision::bf16).has_value());
    EXPECT_GT(g.hbm_GB, 0);
    EXPECT_GT(g.hbm_GBps, 0);
    EXPECT_GT(g.nvlink_GBps, 0);
    EXPECT_GT(g.tdp_w, 0);
    EXPECT_GT(g.node_power_kw, 0);
    EXPECT_FALSE(g.sources.empty());
    EXPECT_NO_THROW(load_calibration(default_data_dir(), "default", g));
  }
  // A800 ~6 kW and H800 ~11 kW servers (issue 3).
  EXPECT_NEAR(cat.find_gpu("A800-SXM4-80GB")->node_power_kw, 6.0, 0.5);
  EXPECT_NEAR(cat.find_gpu("H800-SXM5-80GB")->node_power_kw, 11.0, 1.0);
  bool has_moe = false;
  for (const auto& m : cat.models) {
    SCOPED_TRACE(m.id);
    EXPECT_GT(models::parameters(m), 0);
    EXPECT_GT(m.seq_len, 0);
    EXPECT_FALSE(m.source.empty());
    has_moe = has_moe || m.moe.has_value();
  }
  EXPECT_TRUE(has_moe);
  for (const auto& s : cat.sites) {
    SCOPED_TRACE(s.id);
    EXPECT_GT(s.pue_avg, 1.0);
    EXPECT_GT(s.tariff_flat_per_kwh, 0);
    EXPECT_GT(s.carbon_kg_per_kwh, 0);
    EXPECT_FALSE(s.currency.empty());
    EXPECT_FALSE(s.sources.empty());
  }
}

}  // namespace
}  // namespace trainsite::scenarios
