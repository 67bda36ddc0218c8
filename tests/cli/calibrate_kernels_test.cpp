// `trainsite calibrate` and `trainsite validate --microbench` on the kernel-level sections (attention,
// elementwise, launch), end to end through the binary. The suite JSON is SYNTHETIC: generated here
// from the model with known constants (tests/calibration/synthetic_suite.h), never a measurement.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "scenarios/catalog_loader.h"
#include "tests/calibration/synthetic_suite.h"
#include "tests/cli/run_trainsite.h"

namespace {

namespace fs = std::filesystem;
using namespace trainsite;
using namespace trainsite::models;
using trainsite::testing::kSource;
using trainsite::testing::run_trainsite;

// A scratch copy of data/ so a calibration can be written next to default.yaml.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("trainsite-kernels-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(kSource + "/data", dir / "data", fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(dir))
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
  std::string data() const { return (dir / "data").string(); }
};

// H100 constants away from the Hopper defaults (fa3 0.66/0.52, hbm_eff and launch from default.yaml).
Calibration truth(const Gpu& g, const std::string& data) {
  Calibration c = scenarios::load_calibration(data, "default", g);
  c.fa3_fwd_eff = 0.55;
  c.fa3_bwd_eff = 0.40;
  c.hbm_eff = 0.80;
  c.kernel_launch_s = 3.0e-6;
  return c;
}

}  // namespace

TEST(CalibrateKernels, SyntheticSuiteIsFittedAndValidatedPerKind) {
  const Scratch s;
  const Catalog cat = scenarios::load_catalog(s.data());
  const Gpu& g = *cat.find_gpu("H100-SXM5-80GB");
  const std::string json = s.write(
      "suite.json", synthetic::kernel_suite(g, truth(g, s.data()), AttentionKernel::fa3, 0.01).dump(1));

  const auto cal = run_trainsite("--data-dir '" + s.data() + "' calibrate '" + json + "' --out '" + s.data() +
                                 "/calibration/synthetic-kernels.yaml'");
  ASSERT_EQ(cal.rc, 0) << cal.out << cal.err;
  EXPECT_NE(cal.out.find("fa3_fwd_eff"), std::string::npos) << cal.out;
  const Calibration c = scenarios::load_calibration(s.data(), "synthetic-kernels", g);
  EXPECT_NEAR(c.fa3_fwd_eff, 0.55, 0.55 * 0.01);
  EXPECT_NEAR(c.fa3_bwd_eff, 0.40, 0.40 * 0.01);
  EXPECT_NEAR(c.hbm_eff, 0.80, 0.80 * 0.01);
  EXPECT_NEAR(c.kernel_launch_s, 3.0e-6, 0.3e-6);

  const auto fitted = run_trainsite("--data-dir '" + s.data() + "' validate --microbench '" + json +
                                    "' --calibration synthetic-kernels --json");
  ASSERT_EQ(fitted.rc, 0) << fitted.err;
  const auto jf = nlohmann::json::parse(fitted.out);
  const auto& groups = jf["by_group"];
  for (const char* g4 : {"attention.fwd.causal", "attention.fwd.non_causal", "attention.bwd.causal",
                         "attention.bwd.non_causal"}) {
    ASSERT_TRUE(groups.contains(g4)) << g4;
    EXPECT_EQ(groups[g4]["count"], 16) << g4;  // 2 head dims × 2 sizes × 4 lengths
    EXPECT_LT(groups[g4]["median_abs_rel_error"].get<double>(), 0.03) << g4;
  }
  for (const char* op : {"layernorm_fwd", "layernorm_bwd", "rmsnorm_fwd", "gelu_fwd", "gelu_bwd",
                         "swiglu_fwd", "bias_dropout_add", "cast_transpose_fp8", "adam_step"}) {
    const std::string key = std::string("elementwise.") + op;
    ASSERT_TRUE(groups.contains(key)) << key;
    EXPECT_LT(groups[key]["median_abs_rel_error"].get<double>(), 0.03) << key;
  }
  ASSERT_TRUE(groups.contains("launch"));
  EXPECT_EQ(groups["launch"]["count"], 2);  // the CUDA-graph chain is listed, not predicted
  EXPECT_EQ(jf["by_kind"]["attention"]["count"], 64);
  EXPECT_EQ(jf["by_kind"]["elementwise"]["count"], 76);
  EXPECT_EQ(jf["unsupported_benchmarks"], 1);
  bool graph_row = false;
  for (const auto& b : jf["benchmarks"])
    if (b["id"] == "launch.graph_chain") {
      graph_row = true;
      EXPECT_TRUE(b["predicted"].is_null());
      EXPECT_NE(b["reason"].get<std::string>().find("CUDA graph"), std::string::npos);
    }
  EXPECT_TRUE(graph_row);

  // The Hopper defaults (fa3 0.66 fwd, 0.52 bwd) over-predict the speed of this synthetic GPU.
  const auto dflt =
      run_trainsite("--data-dir '" + s.data() + "' validate --microbench '" + json + "' --json");
  ASSERT_EQ(dflt.rc, 0) << dflt.err;
  const auto jd = nlohmann::json::parse(dflt.out);
  EXPECT_GT(jd["by_group"]["attention.bwd.causal"]["median_abs_rel_error"].get<double>(), 0.1);
  EXPECT_GT(jd["by_group"]["attention.fwd.non_causal"]["median_abs_rel_error"].get<double>(), 0.05);

  const auto table = run_trainsite("--data-dir '" + s.data() + "' validate --microbench '" + json +
                                   "' --calibration synthetic-kernels");
  ASSERT_EQ(table.rc, 0) << table.err;
  for (const char* line : {"attention.bwd.non_causal", "elementwise.cast_transpose_fp8", "launch ", "kind"})
    EXPECT_NE(table.out.find(line), std::string::npos) << line << "\n" << table.out;
}

TEST(CalibrateKernels, ShippedH100RunIsGroupedByPrecision) {
  const auto r = run_trainsite("validate --microbench '" + kSource +
                               "/data/microbench/h100-sxm5-80gb-2026-11-26.json' --json");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  int gemm = 0;
  for (const char* p : {"gemm.bf16", "gemm.fp16", "gemm.fp8"}) {
    ASSERT_TRUE(j["by_group"].contains(p)) << p;
    gemm += j["by_group"][p]["count"].get<int>();
  }
  EXPECT_EQ(gemm, j["by_kind"]["gemm"]["count"].get<int>());
  EXPECT_TRUE(j["by_group"].contains("hbm"));
  EXPECT_TRUE(j["by_group"].contains("host"));
  for (const auto& b : j["benchmarks"]) EXPECT_FALSE(b["group"].get<std::string>().empty()) << b["id"];
}

TEST(CalibrateKernels, BadAttentionRecordIsBadInputNamingTheField) {
  const Scratch s;
  const std::string f = s.write("bad.json", R"({"schema": "trainsite/microbench/v1",
    "system": {"gpu_name": "NVIDIA H100 80GB HBM3"},
    "attention": {"status": "ok", "results": [
      {"batch": 1, "heads": 8, "seq_q": 512, "head_dim": 64, "causal": true, "time_s": 2e-5}]}})");
  for (const std::string& cmd :
       {"calibrate '" + f + "' --out '" + s.dir.string() + "/x.yaml'", "validate --microbench '" + f + "'"}) {
    const auto r = run_trainsite(cmd);
    EXPECT_EQ(r.rc, 2) << cmd << r.out << r.err;
    EXPECT_NE(r.err.find("attention.results[0].direction"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;
  }
}
