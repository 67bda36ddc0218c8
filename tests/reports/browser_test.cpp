// The HTML report in a real browser: Debian's chromium renders it headless; a small script appended
// to a copy of the report writes layout facts into the DOM (charts present and drawn, page not wider
// than the viewport), --dump-dom returns them, and the browser's log must hold no console error.
// A control page with a blank chart, an over-wide block and a broken image proves each check can fail.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "report_fixture.h"

using namespace trainsite;
namespace fs = std::filesystem;

namespace {

constexpr int kViewportW = 800, kViewportH = 900;

// Measures after load: every svg.chart has a box and at least one drawn mark (bar, line or point);
// the document is not wider than the viewport; which charts stick out.
// Head: record console.error/warn calls, uncaught errors and failed loads (error events, captured).
const char* kHeadProbe = R"(<script>
window.__errors = [];
window.addEventListener('error', function (e) {
  var t = e.target;
  window.__errors.push(t && t !== window && (t.src || t.href) ? 'failed to load ' + (t.src || t.href)
                                                             : 'uncaught: ' + e.message);
}, true);
['error', 'warn'].forEach(function (k) {
  var original = console[k];
  console[k] = function () {
    window.__errors.push('console.' + k + ': ' + Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
});
</script>)";

// After load: every svg.chart has a box and at least one drawn mark (bar, line or point); the document
// is not wider than the viewport; which charts stick out; the errors recorded since the head.
const char* kProbe = R"(<script>
window.addEventListener('load', function () {
  var f = {viewport: window.innerWidth, scroll_width: document.documentElement.scrollWidth,
           charts: 0, blank: [], outside: [], errors: window.__errors};
  document.querySelectorAll('svg.chart').forEach(function (c, i) {
    f.charts++;
    var r = c.getBoundingClientRect(), drawn = 0;
    c.querySelectorAll('.mark').forEach(function (m) {
      var b = m.getBBox();
      if (b.width > 0 || b.height > 0) drawn++;
    });
    var title = c.querySelector('text') ? c.querySelector('text').textContent : '';
    if (r.width < 100 || r.height < 50 || drawn == 0) f.blank.push(i + ': ' + title);
    if (r.right > window.innerWidth + 0.5) f.outside.push(i + ': ' + title);
  });
  var pre = document.createElement('pre');
  pre.id = 'layout-facts';
  pre.textContent = JSON.stringify(f);
  document.body.appendChild(pre);
});
</script>)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Rendered {
  nlohmann::json facts;
  std::string console_errors;  // lines of the browser log that report a page error
  std::string log;
};

bool have_chromium() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

Rendered render(const std::string& html, const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("trainsite_browser_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path page = dir / (name + ".html"), dom = dir / (name + ".dom"), log = dir / (name + ".log");
  std::string probed = html;
  const auto at = probed.rfind("</body>");
  probed.insert(at == std::string::npos ? probed.size() : at, kProbe);
  const auto head = probed.find("<head>");
  probed.insert(head == std::string::npos ? 0 : head + 6, kHeadProbe);
  std::ofstream(page) << probed;
  // As root (CI containers) chromium needs --no-sandbox; no network, no first-run work, a private profile.
  const std::string cmd =
      "chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--disable-default-apps --user-data-dir=" +
      (dir / ("profile-" + name)).string() + " --window-size=" + std::to_string(kViewportW) + "," +
      std::to_string(kViewportH) +
      " --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom file://" + page.string() + " > " +
      dom.string() + " 2> " + log.string();
  Rendered r;
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string d = slurp(dom);
  r.log = slurp(log);
  const std::string open = "<pre id=\"layout-facts\">";
  const auto a = d.find(open), b = d.find("</pre>", a);
  if (a != std::string::npos && b != std::string::npos) {
    std::string text = d.substr(a + open.size(), b - a - open.size());
    for (auto [from, to] : {std::pair<std::string, std::string>{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}})
      for (size_t p; (p = text.find(from)) != std::string::npos;) text.replace(p, from.size(), to);
    r.facts = nlohmann::json::parse(text, nullptr, false);
  }
  // Console messages reach the log as "...:INFO:CONSOLE:<line>] "<text>", source: ..." whatever their
  // level; the report has no scripts and the probes log nothing, so any such line is an error.
  std::istringstream lines(r.log);
  for (std::string l; std::getline(lines, l);)
    if (l.find(":CONSOLE") != std::string::npos) r.console_errors += l + "\n";
  if (r.facts.is_object())
    for (const auto& e : r.facts["errors"]) r.console_errors += e.get<std::string>() + "\n";
  fs::remove_all(dir);
  return r;
}

}  // namespace

TEST(Browser, ReportRendersEveryChartWithinTheViewportAndWithoutConsoleErrors) {
  if (!have_chromium()) GTEST_SKIP() << "chromium not installed (scripts/deps.sh installs it)";
  const auto& f = trainsite::testing::Fixture::get();
  const Rendered r = render(reports::report_html(f.d), "report");
  ASSERT_TRUE(r.facts.is_object()) << "no layout facts in the dumped DOM; browser log:\n" << r.log;
  EXPECT_EQ(r.facts["charts"].get<size_t>(), f.d.charts().size());
  EXPECT_TRUE(r.facts["blank"].empty()) << "charts without drawn marks: " << r.facts["blank"].dump();
  EXPECT_TRUE(r.facts["outside"].empty()) << "charts wider than the viewport: " << r.facts["outside"].dump();
  EXPECT_LE(r.facts["scroll_width"].get<int>(), r.facts["viewport"].get<int>())
      << "the page scrolls sideways at " << kViewportW << " px";
  EXPECT_TRUE(r.console_errors.empty()) << r.console_errors;
}

TEST(Browser, TheChecksCatchABlankChartAWidePageAndAConsoleError) {
  if (!have_chromium()) GTEST_SKIP() << "chromium not installed (scripts/deps.sh installs it)";
  const std::string bad =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>control</title></head><body>"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"720\" height=\"360\"><text x=\"5\" "
      "y=\"15\">empty</text></svg><div style=\"width:3000px\">wide</div><img "
      "src=\"missing-chart.png\"><script>console.error(\"control\")</script>"
      "</body></html>";
  const Rendered r = render(bad, "control");
  ASSERT_TRUE(r.facts.is_object()) << r.log;
  EXPECT_EQ(r.facts["blank"].size(), 1u);
  EXPECT_GT(r.facts["scroll_width"].get<int>(), r.facts["viewport"].get<int>());
  EXPECT_EQ(r.facts["errors"].size(), 2u)
      << "the missing image and the console.error: " << r.facts["errors"].dump();
  EXPECT_NE(r.console_errors.find(":CONSOLE"), std::string::npos) << "the console.error in the browser log";
}
