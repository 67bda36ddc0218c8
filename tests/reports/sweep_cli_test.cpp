// The sweep command as a user runs it: a real trainsite process, killed with SIGKILL mid-sweep,
// resumed; shards merged; a foreign database refused.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "reports/store.h"

extern char** environ;

using namespace trainsite::reports;
namespace fs = std::filesystem;

namespace {

const std::string kBinary = std::string(TRAINSITE_BINARY_DIR) + "/cli/trainsite";

fs::path temp_dir(const std::string& name) {
  // Per process: several build trees may run this suite at once.
  const fs::path d = fs::temp_directory_path() / ("sweep_cli_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A sweep of the small scenario: 4 token counts × 4 batch sizes × ... = `points` points, all valid.
std::string write_sweep(const fs::path& dir, int token_steps) {
  const fs::path p = dir / "sweep.yaml";
  std::ofstream(p) << "schema: trainsite/sweep/v1\nname: cli-test\nbase: " << TRAINSITE_SOURCE_DIR
                   << "/scenarios/library/small-16gpu.yaml\naxes:\n"
                   << "  sites: [ulanqab, shanghai]\n"
                   << "  workload.tokens: {from: 1e9, to: " << token_steps << "e9, step: 1e9}\n"
                   << "  zip: {parallelism.tp: [2, 4, 2], parallelism.pp: [2, 1, 4]}\n"
                   << "constraints:\n  - require: parallelism.pp < 4\n    reason: test skip\n";
  return p.string();
}

pid_t spawn(const std::vector<std::string>& args, const fs::path& out) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, (out.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, kBinary.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

int run(const std::vector<std::string>& args, const fs::path& out) {
  const pid_t pid = spawn(args, out);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "... N already in DB, M computed ..." from the summary line.
std::pair<uint64_t, uint64_t> already_and_computed(const std::string& text) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(R"((\d+) already in .*?, (\d+) computed)")))
    return {~0ull, ~0ull};
  return {std::stoull(m[1]), std::stoull(m[2])};
}

std::vector<std::pair<std::string, std::string>> rows_of(const std::string& db) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : Store(db, true).all())
    out.emplace_back(r.hash, r.status + "|" + r.reason + "|" + r.result);
  return out;
}

}  // namespace

TEST(SweepCli, SigkillThenResumeLosesNothingAndComputesNothingTwice) {
  const auto dir = temp_dir("resume");
  const auto sweep = write_sweep(dir, 1000);  // 2 × 1000 × 3 = 6,000 points
  const std::string db = (dir / "killed.sqlite").string(), clean = (dir / "clean.sqlite").string();
  const pid_t pid = spawn({kBinary, "sweep", sweep, "--db", db, "--jobs", "1"}, dir / "first.out");
  ASSERT_GT(pid, 0);
  // Kill as soon as at least one batch is committed (and before the end, which takes seconds).
  uint64_t rows = 0;
  for (int i = 0; i < 3000 && rows == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    try {
      if (fs::exists(db)) rows = Store(db, true).count();
    } catch (const std::exception&) {
      // the schema is being created
    }
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the sweep finished before it could be killed; make it bigger";
  const uint64_t after_kill = Store(db, true).count();
  ASSERT_GT(after_kill, 0u);
  ASSERT_LT(after_kill, 6000u);

  // Without --resume the non-empty database is refused (exit 2) naming the flag.
  EXPECT_EQ(run({kBinary, "sweep", sweep, "--db", db}, dir / "refused.out"), 2);
  EXPECT_NE(slurp(dir / "refused.out.err").find("--resume"), std::string::npos);

  ASSERT_EQ(run({kBinary, "sweep", sweep, "--db", db, "--jobs", "2", "--resume"}, dir / "resume.out"), 0);
  const auto [already, computed] = already_and_computed(slurp(dir / "resume.out"));
  EXPECT_EQ(already, after_kill);
  EXPECT_EQ(already + computed, 6000u);

  ASSERT_EQ(run({kBinary, "sweep", sweep, "--db", clean, "--jobs", "2"}, dir / "clean.out"), 0);
  const auto resumed_rows = rows_of(db), clean_rows = rows_of(clean);
  EXPECT_EQ(resumed_rows.size(), 6000u);  // one row per point: no hash twice (it is the primary key)
  EXPECT_EQ(resumed_rows, clean_rows);
  // A third run with --resume computes nothing.
  ASSERT_EQ(run({kBinary, "sweep", sweep, "--db", db, "--resume"}, dir / "again.out"), 0);
  EXPECT_EQ(already_and_computed(slurp(dir / "again.out")), (std::pair<uint64_t, uint64_t>{6000, 0}));
}

TEST(SweepCli, ShardsMergedEqualOneRunAndMergeIsIdempotent) {
  const auto dir = temp_dir("shards");
  const auto sweep = write_sweep(dir, 20);  // 120 points, 40 of them skipped by the constraint
  const std::string whole = (dir / "whole.sqlite").string(), merged = (dir / "merged.sqlite").string();
  ASSERT_EQ(run({kBinary, "sweep", sweep, "--db", whole, "--jobs", "2"}, dir / "whole.out"), 0);
  std::vector<std::string> merge = {kBinary, "sweep", "--merge", merged};
  for (int i = 0; i < 3; ++i) {
    const std::string shard = (dir / ("shard" + std::to_string(i) + ".sqlite")).string();
    ASSERT_EQ(
        run({kBinary, "sweep", sweep, "--db", shard, "--shard", std::to_string(i) + "/3"}, dir / "shard.out"),
        0);
    EXPECT_EQ(Store(shard, true).count(), 40u);  // 120 / 3
    merge.push_back(shard);
  }
  ASSERT_EQ(run(merge, dir / "merge1.out"), 0);
  const auto once = rows_of(merged);
  EXPECT_EQ(once, rows_of(whole));
  EXPECT_EQ(once.size(), 120u);
  size_t skipped = 0;
  for (const auto& r : Store(merged, true).all()) skipped += r.status == "skipped" && r.reason == "test skip";
  EXPECT_EQ(skipped, 40u);  // the pp=4 layout
  ASSERT_EQ(run(merge, dir / "merge2.out"), 0);
  EXPECT_EQ(rows_of(merged), once);
}

TEST(SweepCli, ForeignDatabaseIsRefusedWithExit2AndKeptAsIs) {
  const auto dir = temp_dir("foreign");
  const auto sweep = write_sweep(dir, 2);
  const auto db = dir / "notes.txt";
  std::ofstream(db) << "my precious notes\n";
  EXPECT_EQ(run({kBinary, "sweep", sweep, "--db", db.string()}, dir / "out"), 2);
  EXPECT_EQ(slurp(db), "my precious notes\n");
  EXPECT_NE(slurp(dir / "out.err").find("not a trainsite sweep database"), std::string::npos);
}

TEST(SweepCli, TopAndCsvExport) {
  const auto dir = temp_dir("top");
  const auto sweep = write_sweep(dir, 3);
  const std::string db = (dir / "s.sqlite").string();
  ASSERT_EQ(run({kBinary, "sweep", sweep, "--db", db}, dir / "run.out"), 0);
  ASSERT_EQ(
      run({kBinary, "sweep", "--db", db, "--top", "3", "--by", "cost.total", "--where", "site=shanghai"},
          dir / "top.out"),
      0);
  const std::string top = slurp(dir / "top.out");
  EXPECT_NE(top.find("shanghai"), std::string::npos);
  EXPECT_EQ(top.find("ulanqab"), std::string::npos);
  const std::string csv = (dir / "s.csv").string();
  ASSERT_EQ(run({kBinary, "sweep", "--db", db, "--csv", csv}, dir / "csv.out"), 0);
  const auto records = parse_csv(slurp(csv));
  EXPECT_EQ(records.size(), Store(db, true).count() + 1);
}
