// reports/validation_plot: the PNG scatter plots behind `trainsite validate --plot`, drawn from two
// synthetic points (not measurements) whose pixel positions are computed by hand below.
#include "reports/validation_plot.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <QColor>
#include <QImage>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>

namespace trainsite::reports {
namespace {

namespace fs = std::filesystem;

fs::path scratch_dir() {
  const fs::path d = fs::temp_directory_path() / ("trainsite-plot-test-" + std::to_string(getpid()));
  fs::remove_all(d);
  return d;
}

// Width and height from a PNG's IHDR chunk after checking the signature.
std::pair<uint32_t, uint32_t> png_size(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  unsigned char b[24] = {};
  in.read(reinterpret_cast<char*>(b), sizeof b);
  const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  EXPECT_TRUE(std::equal(sig, sig + 8, b)) << f << " is not a PNG";
  EXPECT_EQ(std::string(reinterpret_cast<char*>(b + 12), 4), "IHDR");
  auto be = [&](int i) {
    return uint32_t(b[i]) << 24 | uint32_t(b[i + 1]) << 16 | uint32_t(b[i + 2]) << 8 | b[i + 3];
  };
  return {be(16), be(20)};
}

const std::vector<ErrorPoint> kSynthetic = {{"synthetic-a", 2000, 2e9, +0.03},
                                            {"synthetic-b", 5000, 5e10, -0.08}};

TEST(ValidationPlot, AxesCoverTheDataInDecadesAndSteps) {
  // Errors +3 % and −8 %: 5 % steps, [−10 %, +5 %] (3 intervals); sequence 2,000-5,000: one decade.
  PlotAxes a = error_axes({2000, 5000}, {0.03, -0.08});
  EXPECT_DOUBLE_EQ(a.x_min_log10, 3);
  EXPECT_DOUBLE_EQ(a.x_max_log10, 4);
  EXPECT_DOUBLE_EQ(a.y_step, 0.05);
  EXPECT_NEAR(a.y_min, -0.10, 1e-12);
  EXPECT_NEAR(a.y_max, 0.05, 1e-12);
  // +159 % and −20 %: at 5 % or 10 % steps that is 36 or 18 intervals; 20 % gives [−20 %, +160 %], 9.
  a = error_axes({1e9}, {1.59, -0.2});
  EXPECT_DOUBLE_EQ(a.y_step, 0.2);
  EXPECT_NEAR(a.y_min, -0.2, 1e-12);
  EXPECT_NEAR(a.y_max, 1.6, 1e-12);
  EXPECT_DOUBLE_EQ(a.x_min_log10, 9);  // one point: one decade
  EXPECT_DOUBLE_EQ(a.x_max_log10, 10);
  // An error on a tick (−10 % at 5 % steps) adds no step.
  a = error_axes({100}, {-0.10});
  EXPECT_NEAR(a.y_min, -0.10, 1e-12);
  EXPECT_NEAR(a.y_max, 0.05, 1e-12);
}

TEST(ValidationPlot, WritesTwoPngsOfTheLayoutSize) {
  const fs::path dir = scratch_dir();
  const auto files = write_validation_plots(kSynthetic, dir.string());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(fs::path(files[0]).filename(), "error-vs-seq.png");
  EXPECT_EQ(fs::path(files[1]).filename(), "error-vs-size.png");
  for (const auto& f : files) {
    ASSERT_TRUE(fs::exists(f)) << f;
    EXPECT_EQ(png_size(f), std::make_pair(uint32_t(960), uint32_t(600))) << f;
    EXPECT_FALSE(fs::exists(f + ".tmp"));
  }
  fs::remove_all(dir);
}

TEST(ValidationPlot, PointsLandWhereTheirRecordsSay) {
  const fs::path dir = scratch_dir();
  write_validation_plots(kSynthetic, dir.string());
  const QImage seq((dir / "error-vs-seq.png").c_str()), size((dir / "error-vs-size.png").c_str());
  ASSERT_FALSE(seq.isNull());
  ASSERT_FALSE(size.isNull());
  const QColor a("#0072b2"), b("#d55e00");  // first and second set (Okabe-Ito blue, vermillion)
  // Plot area: x 80..760 (680 px), y 50..530 (480 px); y axis [−10 %, +5 %] (see above).
  // Sequence axis 10^3..10^4: x(2000) = 80 + 680·log10(2) = 284.7, x(5000) = 80 + 680·log10(5) = 555.3.
  // y(+3 %) = 50 + 480·(0.05 − 0.03)/0.15 = 114; y(−8 %) = 50 + 480·(0.05 + 0.08)/0.15 = 466.
  EXPECT_EQ(seq.pixelColor(284, 114), a);
  EXPECT_EQ(seq.pixelColor(555, 466), b);
  EXPECT_NE(seq.pixelColor(284, 466), a);  // nothing where no record is
  EXPECT_NE(seq.pixelColor(555, 114), b);
  // Size axis 10^9..10^11: x(2e9) = 80 + 680·0.30103/2 = 182.35, x(5e10) = 80 + 680·1.69897/2 = 657.65.
  EXPECT_EQ(size.pixelColor(182, 114), a);
  EXPECT_EQ(size.pixelColor(657, 466), b);
  // The same positions from the library's mapping.
  const PixelPoint p = to_pixel(5e10, -0.08, error_axes({2e9, 5e10}, {0.03, -0.08}));
  EXPECT_NEAR(p.x, 657.65, 0.01);
  EXPECT_NEAR(p.y, 466, 1e-9);
  fs::remove_all(dir);
}

TEST(ValidationPlot, SameInputSameBytes) {
  const fs::path d1 = scratch_dir() / "1", d2 = scratch_dir() / "2";
  write_validation_plots(kSynthetic, d1.string());
  write_validation_plots(kSynthetic, d2.string());
  auto slurp = [](const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(slurp(d1 / "error-vs-seq.png"), slurp(d2 / "error-vs-seq.png"));
  fs::remove_all(d1.parent_path());
}

}  // namespace
}  // namespace trainsite::reports
