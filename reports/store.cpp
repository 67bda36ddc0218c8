#include "reports/store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <stdexcept>

#include "reports/json.h"

namespace trainsite::reports {

namespace {

// Column, SQL type; the order is the table's and the CSV's.
const std::vector<std::pair<std::string, std::string>>& schema() {
  static const std::vector<std::pair<std::string, std::string>> s = {{"hash", "TEXT PRIMARY KEY"},
                                                                     {"idx", "INTEGER"},
                                                                     {"sweep", "TEXT"},
                                                                     {"point", "TEXT"},
                                                                     {"engine", "TEXT"},
                                                                     {"status", "TEXT"},
                                                                     {"reason", "TEXT"},
                                                                     {"site", "TEXT"},
                                                                     {"gpu", "TEXT"},
                                                                     {"fabric", "TEXT"},
                                                                     {"nodes", "INTEGER"},
                                                                     {"gpus", "INTEGER"},
                                                                     {"tp", "INTEGER"},
                                                                     {"pp", "INTEGER"},
                                                                     {"step_time_s", "REAL"},
                                                                     {"mfu", "REAL"},
                                                                     {"wall_clock_days", "REAL"},
                                                                     {"energy_mwh", "REAL"},
                                                                     {"cost_total", "REAL"},
                                                                     {"co2_t", "REAL"},
                                                                     {"currency", "TEXT"},
                                                                     {"scenario", "TEXT"},
                                                                     {"result", "TEXT"}};
  return s;
}

std::string all_columns() {
  std::string out;
  for (const auto& [c, t] : schema()) out += (out.empty() ? "" : ", ") + c;
  return out;
}

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw std::runtime_error(fmt::format("{} ({})", sqlite3_errmsg(db), sql));
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool step() {
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  void bind(int i, const std::string& s) {
    sqlite3_bind_text(st_, i, s.c_str(), int(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, double v) { sqlite3_bind_double(st_, i, v); }
  void bind(int i, long long v) { sqlite3_bind_int64(st_, i, v); }
  void bind(int i, const std::optional<double>& v) {
    if (v)
      bind(i, *v);
    else
      sqlite3_bind_null(st_, i);
  }
  std::string text(int i) const {
    const auto* p = sqlite3_column_text(st_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  long long integer(int i) const { return sqlite3_column_int64(st_, i); }
  std::optional<double> real(int i) const {
    if (sqlite3_column_type(st_, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(st_, i);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

void exec(sqlite3* db, const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error(fmt::format("{} ({})", msg, sql));
  }
}

PointRow read_row(const Stmt& s) {
  PointRow r;
  r.hash = s.text(0);
  r.idx = uint64_t(s.integer(1));
  r.sweep = s.text(2);
  r.point = s.text(3);
  r.engine = s.text(4);
  r.status = s.text(5);
  r.reason = s.text(6);
  r.site = s.text(7);
  r.gpu = s.text(8);
  r.fabric = s.text(9);
  r.nodes = int(s.integer(10));
  r.gpus = int(s.integer(11));
  r.tp = int(s.integer(12));
  r.pp = int(s.integer(13));
  r.step_time_s = s.real(14);
  r.mfu = s.real(15);
  r.wall_clock_days = s.real(16);
  r.energy_mwh = s.real(17);
  r.cost_total = s.real(18);
  r.co2_t = s.real(19);
  r.currency = s.text(20);
  r.scenario = s.text(21);
  r.result = s.text(22);
  return r;
}

// Refuses anything that is not a trainsite store, reading only: header bytes, then the meta table.
void check_store(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  if (in.gcount() != 16 || std::string(header, 16) != std::string("SQLite format 3\0", 16))
    throw std::runtime_error(
        fmt::format("{}: not a trainsite sweep database (not an SQLite file); refusing to touch it", path));
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error(fmt::format("{}: cannot open as SQLite; refusing to touch it", path));
  }
  std::string schema_value, error;
  try {
    Stmt s(db, "SELECT value FROM meta WHERE key = 'schema'");
    if (s.step()) schema_value = s.text(0);
  } catch (const std::exception& e) {
    error = e.what();
  }
  sqlite3_close(db);
  if (schema_value != kStoreSchema)
    throw std::runtime_error(fmt::format(
        "{}: not a trainsite sweep database ({}); refusing to overwrite it — choose another --db file", path,
        schema_value.empty() ? (error.empty() ? "no schema marker" : error) : "schema " + schema_value));
}

bool is_numeric_column(const std::string& c) {
  for (const auto& [name, type] : schema())
    if (name == c) return type != "TEXT" && type != "TEXT PRIMARY KEY";
  return false;
}

std::string fmt_num(const std::optional<double>& v) {
  if (!v) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", *v);
  return buf;
}

std::string csv_field(const std::string& f) {
  if (f.find_first_of(",\"\n\r") == std::string::npos) return f;
  std::string out = "\"";
  for (char c : f) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

const std::vector<std::string>& store_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> v;
    for (const auto& [c, t] : schema()) v.push_back(c);
    return v;
  }();
  return cols;
}

std::string column_for(const std::string& name) {
  static const std::map<std::string, std::string> aliases = {{"cost", "cost_total"},
                                                             {"cost.total", "cost_total"},
                                                             {"days", "wall_clock_days"},
                                                             {"energy", "energy_mwh"},
                                                             {"co2", "co2_t"},
                                                             {"step_time", "step_time_s"},
                                                             {"fabric.kind", "fabric"},
                                                             {"cluster.gpu", "gpu"},
                                                             {"cluster.nodes", "nodes"}};
  const auto a = aliases.find(name);
  std::string c = a != aliases.end() ? a->second : name;
  for (auto& ch : c)
    if (ch == '.') ch = '_';
  for (const auto& col : store_columns())
    if (col == c && c != "scenario" && c != "result") return c;
  std::string known;
  for (const auto& col : store_columns())
    if (col != "scenario" && col != "result") known += (known.empty() ? "" : ", ") + col;
  throw std::invalid_argument(
      fmt::format("unknown column '{}'; known: {} (and cost.total, days, energy, co2)", name, known));
}

void fill_row(PointRow& row, const models::Scenario& sc, const models::Result& r) {
  row.status = "ok";
  row.gpu = sc.cluster.gpu.id;
  row.fabric = sc.cluster.fabric.kind;
  row.nodes = sc.cluster.nodes;
  row.gpus = sc.cluster.gpus();
  row.tp = sc.parallelism.tp;
  row.pp = sc.parallelism.pp;
  row.result = result_to_json(r, false).dump();  // one row per point: no daily series
  if (r.sites.empty()) return;
  const auto& s = r.sites.front();
  row.site = s.site;
  row.step_time_s = tidy(s.step_time_s);
  row.mfu = tidy(s.mfu);
  row.wall_clock_days = tidy(s.wall_clock_days);
  row.energy_mwh = tidy(s.energy_mwh);
  row.cost_total = tidy(s.cost.total);
  row.co2_t = tidy(s.co2_t);
  row.currency = s.cost.currency;
}

Store::Store(const std::string& path, bool read_only) : path_(path) {
  const bool exists = std::filesystem::exists(path) && std::filesystem::file_size(path) > 0;
  if (exists || read_only) check_store(path);
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db_);
    sqlite3_close(db_);
    throw std::runtime_error(fmt::format("{}: {}", path, msg));
  }
  sqlite3_busy_timeout(db_, 30000);
  if (read_only) return;
  exec(db_, "PRAGMA journal_mode=WAL");
  exec(db_, "PRAGMA synchronous=NORMAL");
  if (!exists) {
    std::string cols;
    for (const auto& [c, t] : schema()) cols += (cols.empty() ? "" : ", ") + c + " " + t;
    exec(db_, "BEGIN");
    exec(db_, "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
    exec(db_, "CREATE TABLE IF NOT EXISTS points (" + cols + ")");
    for (const char* c : {"site", "gpu", "status", "cost_total", "wall_clock_days", "idx", "nodes"})
      exec(db_, fmt::format("CREATE INDEX IF NOT EXISTS points_{0} ON points({0})", c));
    exec(db_, fmt::format("INSERT OR REPLACE INTO meta VALUES ('schema', '{}')", kStoreSchema));
    exec(db_, "COMMIT");
  }
}

Store::~Store() {
  sqlite3_close(db_);
}

uint64_t Store::count() const {
  Stmt s(db_, "SELECT COUNT(*) FROM points");
  s.step();
  return uint64_t(s.integer(0));
}

std::set<std::string> Store::hashes() const {
  std::set<std::string> out;
  Stmt s(db_, "SELECT hash FROM points");
  while (s.step()) out.insert(s.text(0));
  return out;
}

void Store::insert(const std::vector<PointRow>& rows) {
  if (rows.empty()) return;
  std::string q;
  for (size_t i = 0; i < schema().size(); ++i) q += i ? ", ?" : "?";
  exec(db_, "BEGIN IMMEDIATE");
  try {
    Stmt s(db_, "INSERT OR IGNORE INTO points (" + all_columns() + ") VALUES (" + q + ")");
    for (const auto& r : rows) {
      s.reset();
      int i = 1;
      s.bind(i++, r.hash);
      s.bind(i++, static_cast<long long>(r.idx));
      for (const auto* t : {&r.sweep, &r.point, &r.engine, &r.status, &r.reason, &r.site, &r.gpu, &r.fabric})
        s.bind(i++, *t);
      for (int v : {r.nodes, r.gpus, r.tp, r.pp}) s.bind(i++, static_cast<long long>(v));
      for (const auto* v :
           {&r.step_time_s, &r.mfu, &r.wall_clock_days, &r.energy_mwh, &r.cost_total, &r.co2_t})
        s.bind(i++, *v);
      s.bind(i++, r.currency);
      s.bind(i++, r.scenario);
      s.bind(i++, r.result);
      s.step();
    }
  } catch (...) {
    exec(db_, "ROLLBACK");
    throw;
  }
  exec(db_, "COMMIT");
}

uint64_t Store::merge_from(const std::string& other_path) {
  { Store check(other_path, true); }  // refuses foreign or corrupt inputs before touching anything
  Stmt attach(db_, "ATTACH DATABASE ? AS src");
  attach.bind(1, other_path);
  attach.step();
  uint64_t added = 0;
  try {
    exec(db_, "BEGIN IMMEDIATE");
    exec(db_,
         "INSERT OR IGNORE INTO points (" + all_columns() + ") SELECT " + all_columns() + " FROM src.points");
    added = uint64_t(sqlite3_changes(db_));
    exec(db_, "COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    exec(db_, "DETACH DATABASE src");
    throw;
  }
  exec(db_, "DETACH DATABASE src");
  return added;
}

void Store::set_meta(const std::string& key, const std::string& value) {
  Stmt s(db_, "INSERT OR REPLACE INTO meta VALUES (?, ?)");
  s.bind(1, key);
  s.bind(2, value);
  s.step();
}

std::string Store::meta(const std::string& key) const {
  Stmt s(db_, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  return s.step() ? s.text(0) : "";
}

std::vector<PointRow> Store::query(const std::vector<std::string>& where, const std::string& by,
                                   bool descending, std::optional<uint64_t> limit, bool ok_only) const {
  static const std::regex clause(R"(^\s*([A-Za-z_.]+)\s*(<=|>=|!=|==|=|<|>)\s*(.*?)\s*$)");
  std::string sql = "SELECT " + all_columns() + " FROM points";
  std::vector<std::string> conds;
  std::vector<std::pair<std::string, bool>> values;  // value, numeric
  if (ok_only) conds.push_back("status = 'ok'");
  for (const auto& w : where) {
    std::smatch m;
    if (!std::regex_match(w, m, clause))
      throw std::invalid_argument(fmt::format("--where '{}': expected column=value (or != < <= > >=)", w));
    const std::string col = column_for(m[1]);
    const std::string op = m[2] == "==" ? "=" : std::string(m[2]);
    conds.push_back(col + " " + op + " ?");
    values.emplace_back(m[3], is_numeric_column(col));
  }
  for (size_t i = 0; i < conds.size(); ++i) sql += (i ? " AND " : " WHERE ") + conds[i];
  const std::string order = column_for(by);
  sql += fmt::format(" ORDER BY {} IS NULL, {} {}, hash", order, order, descending ? "DESC" : "ASC");
  if (limit) sql += fmt::format(" LIMIT {}", *limit);
  Stmt s(db_, sql);
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& [v, numeric] = values[i];
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (numeric && !v.empty() && end && *end == 0)
      s.bind(int(i + 1), d);
    else if (numeric)
      throw std::invalid_argument(fmt::format("--where: '{}' is not a number", v));
    else
      s.bind(int(i + 1), v);
  }
  std::vector<PointRow> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::string rows_to_csv(const std::vector<PointRow>& rows) {
  std::string out;
  for (const auto& c : store_columns())
    if (c != "scenario" && c != "result") out += (out.empty() ? "" : ",") + c;
  out += "\r\n";
  for (const auto& r : rows) {
    const std::vector<std::string> f = {r.hash,
                                        std::to_string(r.idx),
                                        r.sweep,
                                        r.point,
                                        r.engine,
                                        r.status,
                                        r.reason,
                                        r.site,
                                        r.gpu,
                                        r.fabric,
                                        std::to_string(r.nodes),
                                        std::to_string(r.gpus),
                                        std::to_string(r.tp),
                                        std::to_string(r.pp),
                                        fmt_num(r.step_time_s),
                                        fmt_num(r.mfu),
                                        fmt_num(r.wall_clock_days),
                                        fmt_num(r.energy_mwh),
                                        fmt_num(r.cost_total),
                                        fmt_num(r.co2_t),
                                        r.currency};
    for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + csv_field(f[i]);
    out += "\r\n";
  }
  return out;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, any = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"')
        field += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      rec.push_back(field), field.clear(), any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      rec.push_back(field), field.clear();
      out.push_back(rec), rec.clear(), any = false;
    } else {
      field += c, any = true;
    }
  }
  if (any || !field.empty()) rec.push_back(field), out.push_back(rec);
  return out;
}

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", tmp));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace trainsite::reports
