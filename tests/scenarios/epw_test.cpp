#include "scenarios/epw.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "models/site/weather.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/errors.h"
#include "scenarios/loader.h"

using trainsite::scenarios::InputError;
using trainsite::scenarios::read_epw;

namespace {
const std::string kSample = std::string(TRAINSITE_SOURCE_DIR) + "/data/weather/CHN_NM_Ulanqab.SYNTHETIC.epw";

std::string write_lines(const std::string& name, int keep, const std::string& replace_line9 = "") {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ifstream in(kSample);
  std::ofstream out(path);
  std::string line;
  for (int i = 1; i <= keep && std::getline(in, line); ++i)
    out << (i == 9 && !replace_line9.empty() ? replace_line9 : line) << "\n";
  return path.string();
}
}  // namespace

TEST(Epw, ReadsTheShippedSampleYear) {
  const auto w = read_epw(kSample);
  EXPECT_EQ(w.drybulb_c.size(), 8760u);
  EXPECT_DOUBLE_EQ(w.latitude, 41.03);
  EXPECT_DOUBLE_EQ(w.elevation_m, 1400.0);
  // The synthetic year is built on Ulanqab's normals: January mean −12 °C, July 20 °C (± day-to-day noise).
  double jan = 0, jul = 0;
  for (int d = 1; d <= 31; ++d)
    for (int h = 0; h < 24; ++h) {
      jan += w.drybulb_c[trainsite::models::hour_of_year(1, d, h)] / 744;
      jul += w.drybulb_c[trainsite::models::hour_of_year(7, d, h)] / 744;
    }
  EXPECT_NEAR(jan, -12.0, 3.0);
  EXPECT_NEAR(jul, 20.0, 3.0);
  for (int i = 0; i < 8760; ++i) ASSERT_LE(w.wetbulb_c[i], w.drybulb_c[i] + 1e-9);
  // First row: −14.0 °C dry-bulb, −16.4 °C dew point at 85.6 kPa: the wet-bulb lies between them.
  EXPECT_DOUBLE_EQ(w.drybulb_c[0], -14.0);
  EXPECT_GT(w.wetbulb_c[0], -16.4);
  EXPECT_LT(w.wetbulb_c[0], -14.0);
}

TEST(Epw, TruncatedFileNamesFileAndLine) {
  const std::string path = write_lines("trainsite_truncated.epw", 108);  // 8 header + 100 rows
  try {
    read_epw(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().file, path);
    EXPECT_EQ(e.where().line, 108);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(Epw, CorruptValueNamesLineColumnAndField) {
  const std::string path =
      write_lines("trainsite_corrupt.epw", 20, "2026,1,1,1,60,*,abc,-16.4,80,85599,9999");
  try {
    read_epw(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where().line, 9);
    EXPECT_EQ(e.where().column, 17);  // "2026,1,1,1,60,*," is 16 characters, "abc" starts at column 17
    EXPECT_EQ(e.field(), "dry_bulb");
  }
}

TEST(Epw, NotAnEpwFile) {
  const auto path = std::filesystem::temp_directory_path() / "trainsite_not.epw";
  std::ofstream(path) << "hello\n";
  EXPECT_THROW(read_epw(path.string()), InputError);
}

TEST(Epw, ScenarioSiteOverrideLoadsTheWeatherFile) {
  trainsite::scenarios::LoadOptions opt;
  opt.data_dir = trainsite::scenarios::default_data_dir();
  opt.overrides = {"sites=[{id: ulanqab, weather_file: weather/CHN_NM_Ulanqab.SYNTHETIC.epw}]"};
  const auto cat = trainsite::scenarios::load_catalog(opt.data_dir);
  const auto sc = trainsite::scenarios::load_scenario(
      std::string(TRAINSITE_SOURCE_DIR) + "/scenarios/library/gpt3-175b-a800-ulanqab-vs-shanghai.yaml", cat,
      opt);
  ASSERT_EQ(sc.sites.size(), 1u);
  EXPECT_EQ(sc.sites[0].hourly->drybulb_c.size(), 8760u);
  EXPECT_EQ(trainsite::models::site_weather(sc.sites[0]).source.rfind("epw:", 0), 0u);
}
