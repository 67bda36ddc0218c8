// `trainsite calibrate` and `trainsite validate --microbench`: fits on the shipped real inputs
// (published nccl-tests log, the H100 suite run), a synthetic suite JSON generated here from the
// model with known parameters, the calibration file round trip through load_calibration, and the
// direction in which a calibration moves `estimate`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "cli/commands.h"
#include "models/estimate.h"
#include "models/step/gemm.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/loader.h"

namespace {

namespace fs = std::filesystem;
using namespace trainsite;
using namespace trainsite::models;

const std::string kSource = TRAINSITE_SOURCE_DIR;
const std::string kBinary = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";
const std::string kGb200Log = kSource + "/data/microbench/nccl-tests-gb200-nvl72-allreduce.log";
const std::string kH100Json = kSource + "/data/microbench/h100-sxm5-80gb-2026-11-26.json";
const std::string kH800 = kSource + "/scenarios/library/gpt3-175b-h800-ulanqab-vs-shanghai.yaml";

// A scratch copy of data/ so calibration files can be written next to default.yaml.
struct ScratchData {
  fs::path dir;
  ScratchData() {
    dir = fs::temp_directory_path() / ("trainsite-calib-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::copy(kSource + "/data", dir, fs::copy_options::recursive);
    for (auto& e : fs::recursive_directory_iterator(dir))
      fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  ~ScratchData() { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& yaml) const {
    std::ofstream(dir / "calibration" / (name + ".yaml")) << yaml;
  }
};

Result estimate_with(const fs::path& data, const std::vector<std::string>& sets) {
  const Catalog cat = scenarios::load_catalog(data);
  return estimate(scenarios::load_scenario(kH800, cat, {data, sets, false}));
}

std::pair<int, std::string> run(const std::string& args) {
  const std::string cmd = "'" + kBinary + "' " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST(Calibrate, PublishedGb200AllReduceGivesNvlinkEfficiencyThatSpeedsUpTensorParallelism) {
  const ScratchData data;
  const Catalog cat = scenarios::load_catalog(data.dir);
  cli::CalibrateOptions o;
  o.name = "gb200-test";
  o.link_GBps = 900;  // NVLink 5: 1.8 TB/s bidirectional per GB200 GPU = 900 GB/s one way
  const auto in = std::vector{calibration::load_measurements(kGb200Log)};
  const cli::CalibrationDoc d = cli::calibrate(in, cat, Calibration{}, nullptr, o);
  // Largest measured busbw 846.82 GB/s = 0.94 of 900; the fitted asymptote lies near it.
  EXPECT_GT(d.values.nvlink_busbw_eff, 0.88);
  EXPECT_LT(d.values.nvlink_busbw_eff, 1.0);
  EXPECT_GT(d.values.collective_step_latency_s, 0);
  EXPECT_LT(d.values.collective_step_latency_s, 20e-6);
  EXPECT_NE(d.yaml.find("nccl.all_reduce.n72"), std::string::npos);
  EXPECT_EQ(d.yaml.find("\ngpu:"), std::string::npos);  // no catalog GPU: applies to any

  // Round trip: the written file loads back to the fitted values; the rest stay hopper defaults.
  data.write("gb200-test", d.yaml);
  const Gpu& h800 = *cat.find_gpu("H800-SXM5-80GB");
  const Calibration back = scenarios::load_calibration(data.dir, "gb200-test", h800);
  const Calibration def = scenarios::load_calibration(data.dir, "default", h800);
  EXPECT_DOUBLE_EQ(back.nvlink_busbw_eff, d.values.nvlink_busbw_eff);
  EXPECT_DOUBLE_EQ(back.collective_step_latency_s, d.values.collective_step_latency_s);
  EXPECT_DOUBLE_EQ(back.gemm_eff_max, def.gemm_eff_max);
  EXPECT_EQ(back.name, "gb200-test");

  // Direction: a more efficient NVLink (0.78 default → ~0.93) shortens TP communication.
  const Result base = estimate_with(data.dir, {});
  const Result cal = estimate_with(data.dir, {"cluster.calibration=gb200-test"});
  EXPECT_LT(cal.iteration.tp_comm_s, base.iteration.tp_comm_s);
  EXPECT_LE(cal.iteration.step_time_s, base.iteration.step_time_s);
  EXPECT_DOUBLE_EQ(cal.iteration.compute_s, base.iteration.compute_s);
}

TEST(Calibrate, SyntheticSuiteJsonRecoversParametersAndSlowsComputeWhenEfficiencyIsLower) {
  // A suite JSON generated from the model with gemm_eff_max 0.60 (below hopper's default 0.72),
  // launch 5 µs, hbm_eff 0.88 and 1% noise, for the catalog's H100 SXM5.
  const ScratchData data;
  const Catalog cat = scenarios::load_catalog(data.dir);
  const Gpu& g = *cat.find_gpu("H100-SXM5-80GB");
  Calibration truth;
  truth.gemm_eff_max = 0.60;
  truth.kernel_launch_s = 5e-6;
  truth.hbm_eff = 0.88;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  nlohmann::ordered_json doc;
  doc["schema"] = "trainsite/microbench/v1";
  doc["source"] = "synthetic (generated by calibrate_test from the model; not a measurement)";
  doc["system"] = {{"gpu_name", "NVIDIA H100 80GB HBM3"}, {"gpu_count", 1}};
  auto gemm = nlohmann::ordered_json::array();
  const Device d = device_for(g, Precision::bf16, truth);
  for (double n : {2048.0, 4096.0, 8192.0, 12288.0})
    for (double k : {1536.0, 6144.0, 12288.0})
      gemm.push_back({{"name", "synthetic"},
                      {"dtype", "bf16"},
                      {"m", 4096},
                      {"n", n},
                      {"k", k},
                      {"batch", 1},
                      {"time_s", gemm_time_s(d, 4096, n, k) * (1 + noise(rng))}});
  doc["gemm"] = {{"status", "ok"}, {"results", gemm}};
  auto hbm = nlohmann::ordered_json::array();
  for (double bytes : {2.0e8, 8.0e8, 3.2e9})
    hbm.push_back(
        {{"kind", "copy"}, {"bytes", bytes}, {"time_s", memory_bound_s(d, bytes) * (1 + noise(rng))}});
  doc["hbm"] = {{"status", "ok"}, {"results", hbm}};
  const fs::path json = data.dir / "synthetic.json";
  std::ofstream(json) << doc.dump(1);

  const auto [rc, out] = run("--data-dir '" + data.dir.string() + "' calibrate '" + json.string() + "' --out '" +
                             (data.dir / "calibration" / "synthetic-h100.yaml").string() + "'");
  ASSERT_EQ(rc, 0) << out;
  const Calibration c = scenarios::load_calibration(data.dir, "synthetic-h100", g);
  EXPECT_NEAR(c.gemm_eff_max, 0.60, 0.02);
  EXPECT_NEAR(c.hbm_eff, 0.88, 0.02);

  const std::vector<std::string> h100 = {"cluster.gpu=H100-SXM5-80GB"};
  std::vector<std::string> with = h100;
  with.push_back("cluster.calibration=synthetic-h100");
  const Result base = estimate_with(data.dir, h100);
  const Result cal = estimate_with(data.dir, with);
  EXPECT_GT(cal.iteration.compute_s, base.iteration.compute_s);  // 0.60 < 0.72: slower GEMMs
  EXPECT_GT(cal.iteration.step_time_s, base.iteration.step_time_s);

  // validate --microbench: near-zero errors under the fitted calibration, larger under default.
  const auto [rc2, fitted] = run("--data-dir '" + data.dir.string() + "' validate --microbench '" +
                                 json.string() + "' --calibration synthetic-h100 --json");
  ASSERT_EQ(rc2, 0) << fitted;
  const auto [rc3, dflt] =
      run("--data-dir '" + data.dir.string() + "' validate --microbench '" + json.string() + "' --json");
  ASSERT_EQ(rc3, 0) << dflt;
  const auto jf = nlohmann::json::parse(fitted), jd = nlohmann::json::parse(dflt);
  EXPECT_EQ(jf["gpu"], "H100-SXM5-80GB");
  EXPECT_EQ(jf["benchmarks"].size(), 15u);
  EXPECT_LT(jf["median_abs_rel_error"].get<double>(), 0.03);
  EXPECT_GT(jd["by_kind"]["gemm"]["median_abs_rel_error"].get<double>(), 0.1);
}

TEST(Calibrate, RealH100SuiteRunFitsPlausibleFigures) {
  const Catalog cat = scenarios::load_catalog(kSource + "/data");
  const auto in = std::vector{calibration::load_measurements(kH100Json)};
  const Gpu* g = cli::resolve_gpu(cat, "", in);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->id, "H100-SXM5-80GB");  // from "NVIDIA H100 80GB HBM3"
  cli::CalibrateOptions o;
  o.name = "h100-test";
  const Calibration base = scenarios::load_calibration(kSource + "/data", "default", *g);
  const cli::CalibrationDoc d = cli::calibrate(in, cat, base, g, o);
  // STREAM triad on 1 GiB arrays ran at 2890 GB/s = 0.863 of the 3350 GB/s datasheet figure.
  EXPECT_NEAR(d.values.hbm_eff, 0.86, 0.03);
  // Large BF16 GEMMs ran at 700-800 TFLOP/s of 989 in short bursts.
  EXPECT_GT(d.values.gemm_eff_max, 0.6);
  EXPECT_LT(d.values.gemm_eff_max, 0.85);
  // The GEMM power load drew 697 W of the 700 W TDP.
  EXPECT_NEAR(d.values.gpu_power_compute_frac, 0.996, 0.01);
}

TEST(Calibrate, CliErrorsAreBadInput) {
  const auto [rc, out] =
      run("calibrate '" + kSource + "/data/microbench/megatron-format-sample.log' --out /tmp/x.yaml");
  EXPECT_EQ(rc, 2) << out;  // end-to-end iterations only: nothing to fit
  const auto [rc2, out2] = run("calibrate '" + kGb200Log + "' --out /tmp/x.yaml");
  EXPECT_EQ(rc2, 2) << out2;  // unknown GPU and no --link-GBps
  EXPECT_NE(out2.find("--link-GBps"), std::string::npos) << out2;
  const auto [rc3, out3] = run("calibrate '" + kGb200Log + "' --gpu H1OO --out /tmp/x.yaml");
  EXPECT_EQ(rc3, 2) << out3;
}
