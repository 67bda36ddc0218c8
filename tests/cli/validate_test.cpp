// `trainsite validate` over several sets (cli/validate.cpp): per-set and per-group summaries, the JSON
// keys, group assignment and records the model rejects. The validation files here are SYNTHETIC
// (made-up throughputs, written by the test), so nothing below depends on the step-time model's
// accuracy: only on which records exist, how they are grouped and how the errors are summarised.
#include "cli/validate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/cli/run_trainsite.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::trainsite::testing::kSource;
using ::trainsite::testing::Proc;
using ::trainsite::testing::run_trainsite;
using ::trainsite::testing::slurp;

const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("trainsite-validate-" + std::to_string(::getpid()));
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct Cleanup {
  ~Cleanup() {
    std::error_code ec;
    fs::remove_all(scratch(), ec);
  }
} cleanup;

std::string write(const fs::path& f, const std::string& text) {
  fs::create_directories(f.parent_path());
  std::ofstream(f) << text;
  return f.string();
}

// One synthetic record: a GPT-style model on `gpu` with FSDP (ZeRO-3), full recompute and
// FlashAttention so it fits easily; `extra` is appended to the parallelism block.
std::string record(const std::string& id, const std::string& gpu, const std::string& precision, int layers,
                   int hidden, int heads, int seq, int nodes, const std::string& extra = "") {
  const int gpus = 8 * nodes;
  return "  - id: " + id + "\n    source: synthetic test record (not a measurement)\n    scenario:\n" +
         "      workload: {model: {layers: " + std::to_string(layers) +
         ", hidden: " + std::to_string(hidden) + ", heads: " + std::to_string(heads) +
         ", seq_len: " + std::to_string(seq) + ", vocab: 50368}, global_batch: " + std::to_string(gpus) +
         ", precision: " + precision + ", recompute: full, flash_attention: true}\n" +
         "      parallelism: {tp: 1, pp: 1, dp: " + std::to_string(gpus) + ", micro_batch: 1" + extra +
         "}\n" + "      cluster: {gpu: " + gpu + ", gpus_per_node: 8, nodes: " + std::to_string(nodes) +
         ", fabric: {kind: infiniband, nic_gbps: 400, nics_per_node: 8}}\n" +
         "    measured: {tokens_per_s: 100000}\n    flop_convention: model\n";
}

const std::string kHead =
    "schema: trainsite/validation/v1\n# SYNTHETIC validation set for tests/cli/validate_test.cpp\nrecords:\n";

// set-a: a 0.1B model at 2k on A100 (<1B, <=2k), a 6.5B model at 16k in FP8 on H100 (1-10B, 8k-32k),
// and a 175B model on 8 A100s without sharding, which the memory check rejects (>100B, <=2k).
const std::string kSetA =
    kHead + record("synthetic-a100-2k-0.1b", "A100-SXM4-80GB", "bf16", 12, 768, 12, 2048, 1, ", zero: 3") +
    record("synthetic-h100-fp8-16k-6.5b", "H100-SXM5-80GB", "fp8", 32, 4096, 32, 16384, 2, ", zero: 3") +
    record("synthetic-a100-175b-does-not-fit", "A100-SXM4-80GB", "bf16", 96, 12288, 96, 2048, 1, ", zero: 0");
// set-b: a 30B model at 4k (10-100B, 2k-8k) and a 1.3B model at 64k (1-10B, >32k), both H100 BF16.
const std::string kSetB =
    kHead + record("synthetic-h100-4k-30b", "H100-SXM5-80GB", "bf16", 48, 7168, 56, 4096, 8, ", zero: 3") +
    record("synthetic-h100-64k-1.3b", "H100-SXM5-80GB", "bf16", 24, 2048, 16, 65536, 1, ", zero: 3");

json validate(const std::string& args) {
  const Proc r = run_trainsite("validate " + args + " --json");
  EXPECT_EQ(r.rc, 0) << r.err;
  return r.rc == 0 ? json::parse(r.out) : json::object();
}

const json* find_row(const json& rows, const std::string& key, const std::string& value) {
  for (const auto& r : rows)
    if (r.at(key) == value) return &r;
  return nullptr;
}

double median_abs(std::vector<double> e) {
  for (double& x : e) x = std::abs(x);
  std::sort(e.begin(), e.end());
  const size_t n = e.size();
  return n % 2 ? e[n / 2] : 0.5 * (e[n / 2 - 1] + e[n / 2]);
}

TEST(Validate, BandsHaveTheDocumentedEdges) {
  using trainsite::cli::seq_band;
  using trainsite::cli::size_band;
  EXPECT_EQ(seq_band(512), "<=2k");
  EXPECT_EQ(seq_band(2048), "<=2k");
  EXPECT_EQ(seq_band(2049), "2k-8k");
  EXPECT_EQ(seq_band(8192), "2k-8k");
  EXPECT_EQ(seq_band(8193), "8k-32k");
  EXPECT_EQ(seq_band(32768), "8k-32k");
  EXPECT_EQ(seq_band(32769), ">32k");
  EXPECT_EQ(size_band(125e6), "<1B");
  EXPECT_EQ(size_band(1e9), "1-10B");
  EXPECT_EQ(size_band(9.99e9), "1-10B");
  EXPECT_EQ(size_band(1e10), "10-100B");
  EXPECT_EQ(size_band(1e11), ">100B");
}

TEST(Validate, SeveralFilesGiveOneSummaryPerSetWithTheFilesCounts) {
  const std::string a = write(scratch() / "files/set-a.yaml", kSetA);
  const std::string b = write(scratch() / "files/set-b.yaml", kSetB);
  const json j = validate("--data " + a + " --data " + b);
  ASSERT_EQ(j.at("sets").size(), 2u);
  const json& sa = j["sets"][0];
  const json& sb = j["sets"][1];
  EXPECT_EQ(sa.at("name"), "set-a");
  EXPECT_EQ(sa.at("file"), a);
  EXPECT_EQ(sa.at("records"), 3);
  EXPECT_EQ(sa.at("predicted"), 2);
  EXPECT_EQ(sa.at("unsupported"), 1);
  EXPECT_EQ(sb.at("name"), "set-b");
  EXPECT_EQ(sb.at("records"), 2);
  EXPECT_EQ(sb.at("predicted"), 2);
  EXPECT_EQ(sb.at("unsupported"), 0);
  // Totals over both files (the keys DESIGN section 8 names).
  ASSERT_EQ(j.at("records").size(), 5u);
  EXPECT_EQ(j.at("predicted_records"), 4);
  EXPECT_EQ(j.at("unsupported_records"), 1);
  // Each set's figures are those of its own records.
  for (const auto& s : j["sets"]) {
    std::vector<double> e;
    double max = 0, sum = 0;
    for (const auto& r : j["records"])
      if (r.at("set") == s["name"] && !r.at("rel_error").is_null()) {
        e.push_back(r["rel_error"].get<double>());
        max = std::max(max, std::abs(e.back()));
        sum += e.back();
      }
    SCOPED_TRACE(s["name"].get<std::string>());
    EXPECT_NEAR(s.at("median_abs_rel_error").get<double>(), median_abs(e), 1e-5);
    EXPECT_NEAR(s.at("max_abs_rel_error").get<double>(), max, 1e-5);
    EXPECT_NEAR(s.at("signed_mean_rel_error").get<double>(), sum / double(e.size()), 1e-5);
  }
  std::vector<double> all;
  for (const auto& r : j["records"])
    if (!r.at("rel_error").is_null()) all.push_back(r["rel_error"].get<double>());
  EXPECT_NEAR(j.at("median_abs_rel_error").get<double>(), median_abs(all), 1e-5);
}

TEST(Validate, ADirectoryMeansItsYamlFilesInNameOrder) {
  const fs::path dir = scratch() / "dir";
  write(dir / "z-set-b.yaml", kSetB);
  write(dir / "m-set-a.yaml", kSetA);
  write(dir / "notes.txt", "not a validation file");
  const json j = validate("--data " + dir.string());
  ASSERT_EQ(j.at("sets").size(), 2u);
  EXPECT_EQ(j["sets"][0].at("name"), "m-set-a");
  EXPECT_EQ(j["sets"][0].at("records"), 3);
  EXPECT_EQ(j["sets"][1].at("name"), "z-set-b");
  EXPECT_EQ(j["sets"][1].at("records"), 2);
  EXPECT_EQ(j.at("records").size(), 5u);
}

TEST(Validate, RecordsAreGroupedByGpuPrecisionSequenceAndSize) {
  const json j = validate("--data " + write(scratch() / "groups/set-a.yaml", kSetA) + " --data " +
                          write(scratch() / "groups/set-b.yaml", kSetB));
  const std::map<std::string, std::array<std::string, 3>> expected = {
      {"synthetic-a100-2k-0.1b", {"A100-SXM4-80GB bf16", "<=2k", "<1B"}},
      {"synthetic-h100-fp8-16k-6.5b", {"H100-SXM5-80GB fp8", "8k-32k", "1-10B"}},
      {"synthetic-a100-175b-does-not-fit", {"A100-SXM4-80GB bf16", "<=2k", ">100B"}},
      {"synthetic-h100-4k-30b", {"H100-SXM5-80GB bf16", "2k-8k", "10-100B"}},
      {"synthetic-h100-64k-1.3b", {"H100-SXM5-80GB bf16", ">32k", "1-10B"}},
  };
  for (const auto& r : j.at("records")) {
    SCOPED_TRACE(r.dump());
    const auto& e = expected.at(r.at("id").get<std::string>());
    EXPECT_EQ(r.at("gpu_precision"), e[0]);
    EXPECT_EQ(r.at("seq_band"), e[1]);
    EXPECT_EQ(r.at("size_band"), e[2]);
  }
  // Group rows over both sets, bands in band order; counts by hand from the table above.
  const json& g = j.at("groups");
  auto names = [](const json& rows) {
    std::vector<std::string> v;
    for (const auto& r : rows) v.push_back(r.at("group"));
    return v;
  };
  EXPECT_EQ(names(g.at("seq_band")), (std::vector<std::string>{"<=2k", "2k-8k", "8k-32k", ">32k"}));
  EXPECT_EQ(names(g.at("size_band")), (std::vector<std::string>{"<1B", "1-10B", "10-100B", ">100B"}));
  EXPECT_EQ(names(g.at("gpu_precision")),
            (std::vector<std::string>{"A100-SXM4-80GB bf16", "H100-SXM5-80GB bf16", "H100-SXM5-80GB fp8"}));
  EXPECT_EQ((*find_row(g["seq_band"], "group", "<=2k")).at("records"), 2);
  EXPECT_EQ((*find_row(g["seq_band"], "group", "<=2k")).at("predicted"), 1);
  EXPECT_EQ((*find_row(g["seq_band"], "group", "<=2k")).at("unsupported"), 1);
  EXPECT_EQ((*find_row(g["size_band"], "group", "1-10B")).at("records"), 2);
  EXPECT_EQ((*find_row(g["size_band"], "group", ">100B")).at("predicted"), 0);
  EXPECT_TRUE((*find_row(g["size_band"], "group", ">100B")).at("median_abs_rel_error").is_null());
  EXPECT_EQ((*find_row(g["gpu_precision"], "group", "H100-SXM5-80GB bf16")).at("records"), 2);
  // A set carries its own groups: set-b has no A100 record.
  const json& gb = j["sets"][1].at("groups");
  EXPECT_EQ(names(gb.at("gpu_precision")), (std::vector<std::string>{"H100-SXM5-80GB bf16"}));
  EXPECT_EQ(names(gb.at("seq_band")), (std::vector<std::string>{"2k-8k", ">32k"}));
}

TEST(Validate, JsonKeysArePresent) {
  const json j = validate("--data " + write(scratch() / "keys/set-a.yaml", kSetA));
  for (const char* k :
       {"schema", "engine", "records", "predicted_records", "unsupported_records", "median_abs_rel_error",
        "max_abs_rel_error", "signed_mean_rel_error", "sets", "groups"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j.at("schema"), "trainsite/validation-result/v1");
  for (const char* k : {"name", "file", "records", "predicted", "unsupported", "median_abs_rel_error",
                        "max_abs_rel_error", "signed_mean_rel_error", "breakdown_share_mean", "groups"})
    EXPECT_TRUE(j["sets"][0].contains(k)) << k;
  for (const char* dim : {"gpu_precision", "seq_band", "size_band"}) {
    ASSERT_TRUE(j["groups"].contains(dim)) << dim;
    for (const auto& row : j["groups"][dim])
      for (const char* k : {"group", "records", "predicted", "unsupported", "median_abs_rel_error",
                            "max_abs_rel_error", "signed_mean_rel_error"})
        EXPECT_TRUE(row.contains(k)) << dim << "." << k;
  }
  for (const auto& r : j["records"]) {
    SCOPED_TRACE(r.dump());
    for (const char* k : {"id", "set", "metric", "measured", "predicted", "rel_error", "source",
                          "gpu_precision", "seq_band", "size_band", "seq_len", "parameters"})
      EXPECT_TRUE(r.contains(k)) << k;
    if (r["predicted"].is_null()) continue;
    // The breakdown shares of a predicted record cover the whole step.
    ASSERT_TRUE(r.contains("breakdown_share"));
    double sum = 0;
    for (const auto& [k, v] : r["breakdown_share"].items()) {
      EXPECT_GE(v.get<double>(), 0) << k;
      sum += v.get<double>();
    }
    EXPECT_NEAR(sum, 1.0, 1e-4);
    EXPECT_TRUE(r["breakdown_share"].contains("compute"));
  }
  double mean_sum = 0;
  for (const auto& [k, v] : j["sets"][0]["breakdown_share_mean"].items()) mean_sum += v.get<double>();
  EXPECT_NEAR(mean_sum, 1.0, 1e-4);
}

TEST(Validate, RejectedRecordsStayWithTheirReasonAndGroups) {
  const json j = validate("--data " + write(scratch() / "rejected/set-a.yaml", kSetA));
  const json* r = find_row(j.at("records"), "id", "synthetic-a100-175b-does-not-fit");
  ASSERT_NE(r, nullptr) << "the rejected record was dropped";
  EXPECT_TRUE(r->at("predicted").is_null());
  EXPECT_TRUE(r->at("rel_error").is_null());
  EXPECT_NE(r->at("reason").get<std::string>().find("does not fit"), std::string::npos) << r->dump();
  // The reason points at the record's own parallelism block: 3 header lines, 8 lines per record, so
  // the third record's `parallelism:` is line 3 + 2·8 + 5 = 24, column 7.
  EXPECT_NE(r->at("reason").get<std::string>().find("set-a.yaml:24:7: error: field 'parallelism'"),
            std::string::npos)
      << r->dump();
  EXPECT_FALSE(r->contains("breakdown_share"));
  EXPECT_EQ(r->at("seq_len"), 2048);
  EXPECT_GT(r->at("parameters").get<double>(), 1e11);
  // The text table lists it too.
  const Proc t = run_trainsite("validate --data " + (scratch() / "rejected/set-a.yaml").string());
  ASSERT_EQ(t.rc, 0) << t.err;
  EXPECT_NE(t.out.find("synthetic-a100-175b-does-not-fit"), std::string::npos);
  EXPECT_NE(t.out.find("unsupported: "), std::string::npos);
  EXPECT_NE(t.out.find("per set"), std::string::npos);
  EXPECT_NE(t.out.find("per model-size band"), std::string::npos);
}

TEST(Validate, DesEngineOverSeveralFiles) {
  const json j = validate("--engine des --data " + write(scratch() / "des/set-a.yaml", kSetA) + " --data " +
                          write(scratch() / "des/set-b.yaml", kSetB));
  EXPECT_EQ(j.at("engine"), "des");
  ASSERT_EQ(j.at("sets").size(), 2u);
  EXPECT_EQ(j.at("predicted_records"), 4);
  EXPECT_EQ(j.at("unsupported_records"), 1);
}

TEST(Validate, NoDataMeansEveryShippedSet) {
  const json j = validate("");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(kSource) / "data/validation"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(j.at("sets").size(), files.size());
  size_t total = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string yaml = slurp(files[i]);
    size_t ids = 0;  // records are list items starting with "- id:" (indented or not)
    for (size_t pos = 0; (pos = yaml.find("- id:", pos)) != std::string::npos; ++pos) ++ids;
    EXPECT_EQ(j["sets"][i].at("name"), files[i].stem().string());
    EXPECT_EQ(j["sets"][i].at("records"), ids) << files[i];
    // Every shipped record is predicted: none comes back unsupported (issue 14).
    EXPECT_EQ(j["sets"][i].at("unsupported"), 0) << files[i];
    EXPECT_EQ(j["sets"][i].at("predicted"), ids) << files[i];
    total += ids;
  }
  EXPECT_EQ(j.at("records").size(), total);
  EXPECT_EQ(j.at("unsupported_records"), 0);
  for (const auto& rec : j.at("records"))
    EXPECT_TRUE(rec.at("predicted").is_number()) << rec.at("id") << ": " << rec.value("reason", "");
}

TEST(Validate, ADirectoryWithoutYamlIsBadInput) {
  const fs::path dir = scratch() / "empty";
  fs::create_directories(dir);
  const Proc r = run_trainsite("validate --data " + dir.string());
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("the directory has no *.yaml validation file"), std::string::npos) << r.err;
}

TEST(Validate, PlotWritesTwoPngs) {
  const fs::path out = scratch() / "plots";
  const Proc r = run_trainsite("validate --data " + write(scratch() / "plot/set-b.yaml", kSetB) + " --plot " +
                               out.string());
#ifdef TRAINSITE_HAVE_PLOTS
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* f : {"error-vs-seq.png", "error-vs-size.png"}) {
    const std::string png = slurp(out / f);
    ASSERT_GE(png.size(), 24u) << f;
    EXPECT_EQ(png.substr(1, 3), "PNG") << f;
    EXPECT_EQ(png.substr(12, 4), "IHDR") << f;
  }
#else
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("TRAINSITE_GUI=ON"), std::string::npos) << r.err;
#endif
}

}  // namespace
