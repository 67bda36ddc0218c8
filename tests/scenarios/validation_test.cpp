// The shipped validation sets (data/validation/*.yaml) as scenarios/validation.cpp reads them: every
// record is modelled (none comes back "unsupported"), and the SC21 records name the software stack they
// ran (megatron-2021) instead of inheriting today's default.
#include "scenarios/validation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "scenarios/catalog_loader.h"

namespace trainsite::scenarios {
namespace {

namespace fs = std::filesystem;

const models::Catalog& catalog() {
  static const models::Catalog c = load_catalog(default_data_dir());
  return c;
}

std::vector<fs::path> shipped_sets() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(TRAINSITE_SOURCE_DIR) / "data" / "validation"))
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ValidationSets, EveryShippedRecordIsModelled) {
  const auto files = shipped_sets();
  ASSERT_GE(files.size(), 3u);
  for (const auto& f : files) {
    SCOPED_TRACE(f.filename().string());
    const auto records = load_validation(f.string(), catalog(), {default_data_dir(), {}, true});
    EXPECT_FALSE(records.empty());
    for (const auto& r : records) {
      EXPECT_TRUE(r.scenario.has_value()) << r.id << ": " << r.unsupported_reason;
      EXPECT_EQ(r.unsupported_reason, "") << r.id;
    }
  }
}

TEST(ValidationSets, Sc21RecordsNameTheMegatron2021Stack) {
  // Narayanan et al., SC21, Table 1: full recomputation, unfused attention, no distributed optimizer.
  const auto records = load_validation(std::string(TRAINSITE_SOURCE_DIR) + "/data/validation/public.yaml",
                                       catalog(), {default_data_dir(), {}, true});
  int sc21 = 0;
  for (const auto& r : records) {
    if (r.id.rfind("megatron-sc21-", 0) != 0) continue;
    ++sc21;
    ASSERT_TRUE(r.scenario) << r.id << ": " << r.unsupported_reason;
    EXPECT_EQ(r.scenario->software_stack, "megatron-2021") << r.id;
    EXPECT_EQ(r.scenario->workload.recompute, models::Recompute::full) << r.id;
    EXPECT_EQ(r.scenario->workload.attention_kernel, models::AttentionKernel::unfused) << r.id;
    EXPECT_EQ(r.scenario->parallelism.zero, 0) << r.id;
  }
  EXPECT_EQ(sc21, 10);  // 1.7B ... 1008B
}

}  // namespace
}  // namespace trainsite::scenarios
