// scenarios/microbench_io: parsers on the shipped, real nccl-tests log (data/microbench/), the
// Megatron format sample, the microbench JSON round trip, and located errors on bad input.
#include "calibration/microbench_io.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "scenarios/errors.h"

using namespace trainsite::calibration;
using trainsite::scenarios::InputError;

namespace {

const std::string kLog =
    std::string(TRAINSITE_SOURCE_DIR) + "/data/microbench/nccl-tests-gb200-nvl72-allreduce.log";

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST(NcclTestsLog, ParsesThePublishedGb200AllReduce) {
  const Measurements m = load_measurements(kLog);
  EXPECT_EQ(m.kind, "nccl-tests");
  ASSERT_EQ(m.collectives.size(), 10u);  // 5 sizes × (out-of-place, in-place)
  const CollectiveRecord& oop = m.collectives[8];
  const CollectiveRecord& inp = m.collectives[9];
  EXPECT_EQ(oop.op, "all_reduce");  // from "all_reduce_perf" in the header comment
  EXPECT_DOUBLE_EQ(oop.bytes, 8589934592.0);
  EXPECT_FALSE(oop.in_place);
  EXPECT_DOUBLE_EQ(oop.busbw_GBps, 834.57);
  EXPECT_DOUBLE_EQ(oop.algbw_GBps, 423.16);
  EXPECT_DOUBLE_EQ(oop.time_s, 20299e-6);  // printed in µs
  EXPECT_TRUE(inp.in_place);
  EXPECT_DOUBLE_EQ(inp.busbw_GBps, 846.82);
  EXPECT_EQ(oop.line, 10);
  // No "# Rank" lines in the excerpt: ranks from busbw/algbw = 2(n−1)/n on the fastest row,
  // 429.37 GB/s in-place at 8 GiB: 846.82/429.37 = 1.972238 → n = 2/(2 − 1.972238) = 72.04 → 72.
  EXPECT_EQ(oop.ranks, 72);
  EXPECT_EQ(oop.nodes, 1);
  EXPECT_DOUBLE_EQ(m.collectives[0].bytes, 536870912.0);
  EXPECT_DOUBLE_EQ(m.collectives[0].busbw_GBps, 586.06);
}

TEST(NcclTestsLog, HintsOverrideInference) {
  std::ifstream f(kLog);
  const Measurements m = parse_nccl_tests_log(f, kLog, {"all_reduce", 64, 2});
  EXPECT_EQ(m.collectives.front().ranks, 64);
  EXPECT_EQ(m.collectives.front().nodes, 2);
}

TEST(NcclTestsLog, TruncatedRowIsALocatedError) {
  std::string text = slurp(kLog);
  // Cut the log in the middle of the 8 GiB row (line 10), as a killed job leaves it.
  text = text.substr(0, text.find("  8589934592") + 50);
  std::istringstream in(text);
  try {
    parse_nccl_tests_log(in, "cut.log");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, "cut.log");
    EXPECT_EQ(e.where().line, 10);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(NcclTestsLog, CorruptNumberNamesLineColumnAndField) {
  std::string text = slurp(kLog);
  const size_t at = text.find("834.57");
  text.replace(at, 6, "83x.57");
  std::istringstream in(text);
  try {
    parse_nccl_tests_log(in, "bad.log");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 10);
    EXPECT_EQ(e.field(), "busbw");
    const std::string line10 =
        "  8589934592    2147483648     float     sum      -1    20299  423.16  83x.57";
    EXPECT_EQ(e.where().column, int(line10.find("83x")) + 1);
  }
}

TEST(NcclTestsLog, NoRowsIsAnError) {
  std::istringstream in("# nThread 1 nGpus 8\n# only comments\n");
  EXPECT_THROW(parse_nccl_tests_log(in, "empty.log"), InputError);
}

TEST(NcclTestsLog, RankLinesGiveRanksNodesAndGpuName) {
  // The standard nccl-tests preamble: one "#  Rank" line per rank with host and device.
  std::string text =
      "# nThread 1 nGpus 1 minBytes 8 maxBytes 128 step: 2(factor) warmup iters: 5 iters: 20\n"
      "# Collective test starting: all_gather_perf\n";
  for (int r = 0; r < 4; ++r)
    text += "#  Rank  " + std::to_string(r) + " Group  0 Pid  100 on  node" + std::to_string(r / 2) +
            " device  " + std::to_string(r % 2) + " [0x07] NVIDIA A100-SXM4-80GB\n";
  text +=
      "#       size         count      type   redop    root     time   algbw   busbw #wrong     time   algbw "
      "  busbw "
      "#wrong\n"
      "         128            8     float    none      -1    20.00    0.01    0.00      0    19.00    0.01  "
      "  0.01    "
      "N/A\n";
  std::istringstream in(text);
  const Measurements m = parse_nccl_tests_log(in, "ag.log");
  ASSERT_EQ(m.collectives.size(), 2u);
  EXPECT_EQ(m.collectives[0].op, "all_gather");
  EXPECT_EQ(m.collectives[0].ranks, 4);
  EXPECT_EQ(m.collectives[0].nodes, 2);
  EXPECT_EQ(m.gpu_name, "NVIDIA A100-SXM4-80GB");
  EXPECT_DOUBLE_EQ(m.collectives[1].time_s, 19e-6);
}

TEST(MegatronLog, ParsesTheFormatSample) {
  const Measurements m =
      load_measurements(std::string(TRAINSITE_SOURCE_DIR) + "/data/microbench/megatron-format-sample.log");
  EXPECT_EQ(m.kind, "megatron-log");
  ASSERT_EQ(m.training.size(), 4u);
  EXPECT_EQ(m.training[0].iteration, 10);
  EXPECT_DOUBLE_EQ(m.training[0].step_time_s, 2.0);  // 2000.0 ms
  EXPECT_DOUBLE_EQ(m.training[1].tflops_per_gpu, 200.0);
  EXPECT_DOUBLE_EQ(m.training[1].global_batch, 512);
  EXPECT_DOUBLE_EQ(m.training[3].tflops_per_gpu, 200.0);  // the older "TFLOPs:" column
}

TEST(MegatronLog, TruncatedIterationLineIsALocatedError) {
  std::istringstream in(
      "noise\n iteration      100/  500000 | consumed samples:        51200 | elapsed time per iteration "
      "(ms): 1234.5 |\n"
      " iteration      200/  500000 | consumed samples:       102400 | elapsed ti\n");
  try {
    parse_megatron_log(in, "train.log");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, "train.log");
    EXPECT_EQ(e.where().line, 3);
  }
}

TEST(MicrobenchJson, RoundTripsThroughToJson) {
  const Measurements log = load_measurements(kLog);
  const std::string text = to_json(log).dump();
  const Measurements back = parse_microbench_json(text, "again.json");
  ASSERT_EQ(back.collectives.size(), log.collectives.size());
  EXPECT_DOUBLE_EQ(back.collectives[8].busbw_GBps, 834.57);
  EXPECT_EQ(back.collectives[8].ranks, 72);
  EXPECT_TRUE(back.collectives[9].in_place);
  EXPECT_EQ(back.kind, "nccl-tests");
}

TEST(MicrobenchJson, ReadsSuiteSectionsAndSkipsErrorRecords) {
  const std::string text = R"({"schema": "trainsite/microbench/v1",
    "system": {"gpu_name": "NVIDIA H100 80GB HBM3", "gpu_count": 1},
    "gemm": {"status": "ok", "results": [
      {"name": "square.4096", "dtype": "bf16", "m": 4096, "n": 4096, "k": 4096, "batch": 1, "time_s": 1.7e-4},
      {"name": "broken", "dtype": "fp8", "m": 8, "n": 8, "k": 8, "error": "no algorithm"}]},
    "p2p": {"status": "skipped: 1 GPU", "results": []}})";
  const Measurements m = parse_microbench_json(text, "x.json");
  ASSERT_EQ(m.gemm.size(), 1u);
  EXPECT_DOUBLE_EQ(m.gemm[0].k, 4096);
  EXPECT_EQ(m.status.at("p2p"), "skipped: 1 GPU");
  EXPECT_EQ(m.gpu_name, "NVIDIA H100 80GB HBM3");
}

TEST(MicrobenchJson, BadJsonAndWrongSchemaAreLocated) {
  try {
    parse_microbench_json("{\n  \"schema\": \"trainsite/microbench/v1\",\n  \"gemm\": [,]\n}", "bad.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 3);
  }
  try {
    parse_microbench_json(R"({"schema": "trainsite/microbench/v1", "gemm": [{"dtype": "bf16", "m": 1}]})",
                          "f.json");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "gemm.results[0].n");
  }
  EXPECT_THROW(parse_microbench_json(R"({"schema": "other"})", "s.json"), InputError);
}

// The sections of the kernel-level compute model (microbench/attention.cu, elementwise.cu, launch.cu).
// Record values below are SYNTHETIC (round numbers typed here), not measurements.
namespace {
const std::string kKernelSections = R"json({"schema": "trainsite/microbench/v1",
  "system": {"gpu_name": "NVIDIA H100 80GB HBM3", "gpu_count": 1, "cudnn": "9.19.0"},
  "attention": {"status": "partial; 1 records with a cuDNN error (see their \"error\")", "results": [
    {"name": "sdpa.b8.h16.s16384.d128.causal", "dtype": "bf16", "batch": 8, "heads": 16, "kv_heads": 16,
     "seq_q": 16384, "seq_k": 16384, "head_dim": 128, "head_dim_v": 128, "causal": true, "direction": "fwd",
     "impl": "cudnn-sdpa", "time_s": 0.025, "tflops": 500},
    {"batch": 1, "heads": 8, "seq_q": 512, "head_dim": 64, "causal": false, "direction": "bwd", "time_s": 2e-5},
    {"name": "x", "batch": 1, "heads": 8, "seq_q": 512, "head_dim": 64, "causal": false, "direction": "bwd",
     "error": "no cuDNN engine builds this graph"}]},
  "elementwise": {"status": "ok", "results": [
    {"kind": "layernorm_bwd", "tokens": 8192, "hidden": 4096, "elements": 33554432, "bytes": 2.2e8,
     "kernels": 2, "time_s": 9e-5, "GBps": 2444},
    {"kind": "adam_step", "elements": 16777216, "bytes": 503316480, "time_s": 2e-4}]},
  "launch": {"status": "ok", "results": [
    {"kind": "empty", "kernels": 5000, "time_s_per_kernel": 2.1e-6},
    {"kind": "graph_chain", "kernels": 5000, "time_s_per_kernel": 9e-7}]}})json";

void expect_field(const std::string& text, const std::string& field) {
  try {
    parse_microbench_json(text, "k.json");
    FAIL() << "expected an InputError for " << field;
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, "k.json");
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

// kKernelSections with the first occurrence of `from` replaced by `to`.
std::string with(const std::string& from, const std::string& to) {
  std::string s = kKernelSections;
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}
}  // namespace

TEST(MicrobenchJson, ReadsAttentionElementwiseAndLaunchWithDefaults) {
  const Measurements m = parse_microbench_json(kKernelSections, "k.json");
  EXPECT_EQ(m.cudnn, "9.19.0");
  ASSERT_EQ(m.attention.size(), 2u);  // the record carrying "error" is dropped
  const AttentionRecord& a = m.attention[0];
  EXPECT_EQ(a.direction, "fwd");
  EXPECT_EQ(a.impl, "cudnn-sdpa");
  EXPECT_TRUE(a.causal);
  EXPECT_DOUBLE_EQ(a.seq_k, 16384);
  EXPECT_DOUBLE_EQ(a.time_s, 0.025);
  // Omitted: kv_heads = heads, seq_k = seq_q, head_dim_v = head_dim, impl cudnn-sdpa, dtype bf16.
  const AttentionRecord& b = m.attention[1];
  EXPECT_DOUBLE_EQ(b.kv_heads, 8);
  EXPECT_DOUBLE_EQ(b.seq_k, 512);
  EXPECT_DOUBLE_EQ(b.head_dim_v, 64);
  EXPECT_FALSE(b.causal);
  EXPECT_EQ(b.dtype, "bf16");
  ASSERT_EQ(m.elementwise.size(), 2u);
  EXPECT_EQ(m.elementwise[0].kernels, 2);
  EXPECT_DOUBLE_EQ(m.elementwise[0].bytes, 2.2e8);
  EXPECT_EQ(m.elementwise[1].kernels, 1);
  EXPECT_DOUBLE_EQ(m.elementwise[1].elements, 16777216);
  ASSERT_EQ(m.launch.size(), 2u);
  EXPECT_EQ(m.launch[1].kind, "graph_chain");
  EXPECT_DOUBLE_EQ(m.launch[0].time_s_per_kernel, 2.1e-6);
  EXPECT_EQ(m.status.at("attention").substr(0, 7), "partial");
}

TEST(MicrobenchJson, KernelSectionsRoundTripThroughToJson) {
  const Measurements m = parse_microbench_json(kKernelSections, "k.json");
  const Measurements back = parse_microbench_json(to_json(m).dump(), "again.json");
  ASSERT_EQ(back.attention.size(), m.attention.size());
  ASSERT_EQ(back.elementwise.size(), m.elementwise.size());
  ASSERT_EQ(back.launch.size(), m.launch.size());
  for (size_t i = 0; i < m.attention.size(); ++i) {
    EXPECT_EQ(back.attention[i].causal, m.attention[i].causal);
    EXPECT_EQ(back.attention[i].direction, m.attention[i].direction);
    EXPECT_DOUBLE_EQ(back.attention[i].kv_heads, m.attention[i].kv_heads);
    EXPECT_DOUBLE_EQ(back.attention[i].time_s, m.attention[i].time_s);
  }
  EXPECT_EQ(back.elementwise[0].kernels, 2);
  EXPECT_DOUBLE_EQ(back.elementwise[1].bytes, 503316480);
  EXPECT_DOUBLE_EQ(back.launch[1].time_s_per_kernel, 9e-7);
  EXPECT_EQ(back.cudnn, "9.19.0");
  EXPECT_EQ(back.status.at("attention"), m.status.at("attention"));
  // A document without the new sections does not grow them.
  EXPECT_FALSE(to_json(load_measurements(kLog)).contains("attention"));
}

TEST(MicrobenchJson, BadKernelRecordsNameTheField) {
  expect_field(with(R"("direction": "fwd")", R"("direction": "forward")"), "attention.results[0].direction");
  expect_field(with(R"("direction": "fwd",)", ""), "attention.results[0].direction");
  expect_field(with(R"("impl": "cudnn-sdpa")", R"("impl": "flash")"), "attention.results[0].impl");
  expect_field(with(R"("causal": true)", R"("causal": "yes")"), "attention.results[0].causal");
  expect_field(with(R"("causal": false, "direction": "bwd")", R"("direction": "bwd")"),
               "attention.results[1].causal");
  expect_field(with(R"("seq_q": 512)", R"("seq_q": 0)"), "attention.results[1].seq_q");
  expect_field(with(R"("kv_heads": 16)", R"("kv_heads": 32)"), "attention.results[0].kv_heads");
  expect_field(with(R"("dtype": "bf16")", R"("dtype": "fp8")"), "attention.results[0].dtype");
  expect_field(with(R"("time_s": 0.025)", R"("time_s": "fast")"), "attention.results[0].time_s");
  expect_field(with(R"("kernels": 2)", R"("kernels": 0)"), "elementwise.results[0].kernels");
  expect_field(with(R"("bytes": 2.2e8)", R"("bytes": -1)"), "elementwise.results[0].bytes");
  expect_field(with(R"("kind": "layernorm_bwd")", R"("kind": "Layer Norm")"), "elementwise.results[0].kind");
  expect_field(with(R"("time_s_per_kernel": 2.1e-6)", R"("time_per_kernel": 2.1e-6)"),
               "launch.results[0].time_s_per_kernel");
  expect_field(with(R"("kind": "empty")", R"("kind": "")"), "launch.results[0].kind");
}
