#include "reports/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace trainsite::reports;

namespace {

std::string temp_path(const std::string& name) {
  const auto p = std::filesystem::temp_directory_path() / ("store_test_" + name);
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + ext);
  return p.string();
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PointRow row(const std::string& hash, uint64_t idx, const std::string& site, double cost) {
  PointRow r;
  r.hash = hash;
  r.idx = idx;
  r.sweep = "t";
  r.point = "sites=[" + site + "]; cluster.note=\"a, b\"";  // quotes and commas exercise CSV quoting
  r.site = site;
  r.gpu = "H800-SXM5-80GB";
  r.fabric = "roce";
  r.nodes = 128;
  r.gpus = 1024;
  r.tp = 8;
  r.pp = 16;
  r.step_time_s = 12.3456;
  r.mfu = 0.412345;
  r.wall_clock_days = 20.5;
  r.energy_mwh = 4321;
  r.cost_total = cost;
  r.co2_t = 1234.5;
  r.currency = "USD";
  r.result = "{}";
  return r;
}

}  // namespace

TEST(Store, ForeignSqliteDatabaseIsRefusedAndUnchanged) {
  const auto path = temp_path("foreign.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "CREATE TABLE customers (id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'x');",
               nullptr, nullptr, nullptr);
  sqlite3_close(db);
  const std::string before = bytes_of(path);
  try {
    Store s(path);
    FAIL() << "a foreign database was opened";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a trainsite sweep database"), std::string::npos) << e.what();
  }
  EXPECT_EQ(bytes_of(path), before);
}

TEST(Store, CorruptFileIsRefusedAndUnchanged) {
  const auto path = temp_path("corrupt.sqlite");
  std::ofstream(path, std::ios::binary) << "this is not a database, just some bytes\n";
  const std::string before = bytes_of(path);
  EXPECT_THROW(Store s(path), std::runtime_error);
  EXPECT_EQ(bytes_of(path), before);
}

TEST(Store, InsertIsIdempotentOnTheHash) {
  const auto path = temp_path("insert.sqlite");
  Store s(path);
  s.insert({row("a", 0, "ulanqab", 100), row("b", 1, "shanghai", 50)});
  s.insert({row("a", 0, "ulanqab", 100)});
  EXPECT_EQ(s.count(), 2u);
  EXPECT_EQ(s.hashes(), (std::set<std::string>{"a", "b"}));
}

TEST(Store, MergeTwiceChangesNothing) {
  const auto a = temp_path("merge_a.sqlite"), b = temp_path("merge_b.sqlite"),
             out = temp_path("merge_out.sqlite");
  {
    Store sa(a), sb(b);
    sa.insert({row("h1", 0, "ulanqab", 1), row("h2", 1, "shanghai", 2)});
    sb.insert({row("h3", 2, "beijing", 3), row("h2", 1, "shanghai", 2)});
  }
  Store o(out);
  EXPECT_EQ(o.merge_from(a) + o.merge_from(b), 3u);  // h2 is in both: counted once
  const auto first = rows_to_csv(o.all());
  EXPECT_EQ(o.merge_from(a) + o.merge_from(b), 0u);
  EXPECT_EQ(rows_to_csv(o.all()), first);
  EXPECT_EQ(o.count(), 3u);
}

TEST(Store, QueryFiltersAndSortsByHeadlineColumns) {
  const auto path = temp_path("query.sqlite");
  Store s(path);
  s.insert({row("a", 0, "ulanqab", 300), row("b", 1, "shanghai", 100), row("c", 2, "ulanqab", 200)});
  const auto top = s.query({"site=ulanqab"}, column_for("cost.total"), false, 10, true);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].hash, "c");  // 200 < 300
  EXPECT_EQ(s.query({"cost<250"}, "cost", true, 1, true).front().hash, "c");
  EXPECT_THROW(column_for("nonsense"), std::invalid_argument);
}

TEST(Store, CsvRoundTrips) {
  const auto path = temp_path("csv.sqlite");
  Store s(path);
  s.insert({row("a", 0, "ulanqab", 1.5e8), row("b", 1, "shanghai", 123456)});
  const auto rows = s.all();
  const auto parsed = parse_csv(rows_to_csv(rows));
  ASSERT_EQ(parsed.size(), rows.size() + 1);  // header + rows
  const auto& header = parsed[0];
  auto col = [&](const std::string& name) {
    return size_t(std::find(header.begin(), header.end(), name) - header.begin());
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& f = parsed[i + 1];
    ASSERT_EQ(f.size(), header.size());
    EXPECT_EQ(f[col("hash")], rows[i].hash);
    EXPECT_EQ(f[col("point")], rows[i].point);
    EXPECT_EQ(std::stod(f[col("cost_total")]), *rows[i].cost_total);
    EXPECT_EQ(std::stod(f[col("mfu")]), *rows[i].mfu);
    EXPECT_EQ(std::stoi(f[col("gpus")]), rows[i].gpus);
  }
}
