// Every figure in data/ cites a public document a reader can find (a date and an address) or says
// plainly that it is an estimate; no source points at a file outside the repository (data/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "scenarios/catalog_loader.h"

using namespace trainsite;
namespace fs = std::filesystem;

namespace {

struct Source {
  std::string what, text;
};

std::vector<Source> all_sources(const models::Catalog& cat) {
  std::vector<Source> out;
  for (const auto& g : cat.gpus)
    for (const auto& [k, v] : g.sources) out.push_back({"hardware.yaml " + g.id + " " + k, v});
  for (const auto& m : cat.models) out.push_back({"models.yaml " + m.id, m.source});
  for (const auto& s : cat.sites)
    for (const auto& [k, v] : s.sources) out.push_back({"sites/" + s.id + ".yaml " + k, v});
  for (const auto& [k, v] : cat.economics.sources) out.push_back({"economics.yaml " + k, v});
  for (const auto& [k, r] : cat.sensitivity.classes)
    out.push_back({"sensitivity.yaml classes." + k, r.basis});
  for (const auto& [k, r] : cat.sensitivity.fixed) out.push_back({"sensitivity.yaml factors." + k, r.basis});
  for (const auto& [k, b] : cat.sensitivity.factor_basis) out.push_back({"sensitivity.yaml factors." + k, b});
  return out;
}

// A file outside the repository, or the project's internal briefing, named as a source.
const std::regex kOutside(R"(DOMAIN\.md|reference\.md|founding brief|shared/)", std::regex::icase);

}  // namespace

TEST(DataSources, EveryFigureCitesADatedAddressedDocumentOrSaysEstimate) {
  const models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  const std::regex year(R"((19|20)[0-9]{2})");
  // A web address, a DOI or an arXiv identifier.
  const std::regex address(
      R"(([a-z0-9-]+\.)+(com|org|gov|gov\.cn|net|cn|sg|edu|io|ai)(/|\b)|arXiv:[0-9]{4}\.[0-9]{4,5}|doi\.org/)");
  const auto sources = all_sources(cat);
  ASSERT_GT(sources.size(), 50u);
  for (const auto& s : sources) {
    EXPECT_FALSE(s.text.empty()) << s.what << ": no source";
    EXPECT_FALSE(std::regex_search(s.text, kOutside)) << s.what << ": " << s.text;
    const bool estimate = s.text.find("ESTIMATE") != std::string::npos;
    const bool cited = std::regex_search(s.text, year) && std::regex_search(s.text, address);
    EXPECT_TRUE(estimate || cited) << s.what << " neither cites a dated document with its address nor says "
                                   << "ESTIMATE: " << s.text;
  }
}

TEST(DataSources, ConfidenceLabelsCoverTheSensitivityInputs) {
  const models::Catalog cat = scenarios::load_catalog(scenarios::default_data_dir());
  for (const auto& s : cat.sites)
    for (const char* k : {"tariff", "pue", "colocation"})
      EXPECT_EQ(s.confidence.count(k), 1u) << s.id << " " << k;
  for (const auto& g : cat.gpus) EXPECT_EQ(g.confidence.count("price"), 1u) << g.id;
}

TEST(DataSources, NoFileInDataNamesAFileOutsideTheRepository) {
  // Every file under data/, calibration and validation sets included.
  const fs::path data = scenarios::default_data_dir();
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), data).string();
    const auto ext = e.path().extension().string();
    if (ext != ".yaml" && ext != ".md" && ext != ".py" && ext != ".json" && ext != ".log") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    ++files;
    std::smatch m;
    const std::string text = ss.str();
    EXPECT_FALSE(std::regex_search(text, m, kOutside)) << rel << " names '" << m.str() << "'";
  }
  EXPECT_GT(files, 8u);
}
