#include "calibration/microbench_io.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "scenarios/errors.h"

namespace trainsite::calibration {

using scenarios::InputError;

using Json = nlohmann::ordered_json;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError({path, 0, 0}, "", "cannot open file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// --------------------------------------------------------------------------------------------- JSON

struct JsonReader {
  const std::string& file;

  [[noreturn]] void fail(const std::string& field, const std::string& msg) const {
    throw InputError({file, 0, 0}, field, msg);
  }

  double number(const Json& j, const std::string& key, const std::string& path, bool required,
                double fallback = 0) const {
    if (!j.contains(key) || j[key].is_null()) {
      if (required) fail(path + "." + key, "missing number");
      return fallback;
    }
    if (!j[key].is_number()) fail(path + "." + key, fmt::format("expected a number, got {}", j[key].dump()));
    return j[key].get<double>();
  }
  std::string string(const Json& j, const std::string& key, const std::string& path,
                     const std::string& fallback) const {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (!j[key].is_string()) fail(path + "." + key, fmt::format("expected a string, got {}", j[key].dump()));
    return j[key].get<std::string>();
  }
  bool boolean(const Json& j, const std::string& key, const std::string& path, bool fallback) const {
    if (!j.contains(key) || j[key].is_null()) return fallback;
    if (j[key].is_boolean()) return j[key].get<bool>();
    if (j[key].is_number() && (j[key].get<double>() == 0 || j[key].get<double>() == 1))
      return j[key].get<double>() != 0;
    fail(path + "." + key, fmt::format("expected true or false, got {}", j[key].dump()));
  }
  // A required string that must be one of `allowed`.
  std::string choice(const Json& j, const std::string& key, const std::string& path,
                     const std::string& fallback, const std::vector<std::string>& allowed) const {
    const std::string v = string(j, key, path, fallback);
    if (v.empty()) fail(path + "." + key, fmt::format("missing (one of {})", fmt::join(allowed, ", ")));
    if (std::find(allowed.begin(), allowed.end(), v) == allowed.end())
      fail(path + "." + key, fmt::format("unknown value '{}' (one of {}){}", v, fmt::join(allowed, ", "),
                                         scenarios::did_you_mean(v, allowed)));
    return v;
  }
  // Results of a section ({"status", "results"} or a bare list); records carrying "error" are dropped.
  std::vector<std::pair<std::string, Json>> results(const Json& doc, const std::string& section,
                                                    Measurements& m) const {
    std::vector<std::pair<std::string, Json>> out;
    if (!doc.contains(section)) return out;
    const Json& s = doc[section];
    Json list;
    if (s.is_object()) {
      m.status[section] = string(s, "status", section, "ok");
      list = s.contains("results") ? s["results"] : Json::array();
    } else {
      list = s;
    }
    if (!list.is_array()) fail(section + ".results", "expected a list of records");
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string path = fmt::format("{}.results[{}]", section, i);
      if (!list[i].is_object()) fail(path, "expected an object");
      if (list[i].contains("error")) continue;
      out.push_back({path, list[i]});
    }
    return out;
  }
};

}  // namespace

Measurements parse_microbench_json(const std::string& text, const std::string& file) {
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    const size_t at = std::min<size_t>(e.byte, text.size());
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + long(at ? at - 1 : 0), '\n'));
    const size_t nl = text.rfind('\n', at ? at - 1 : 0);
    const int col = static_cast<int>(at - (nl == std::string::npos ? 0 : nl + 1));
    throw InputError({file, line, std::max(col, 1)}, "", fmt::format("invalid JSON: {}", e.what()));
  }
  const JsonReader r{file};
  if (!doc.is_object()) r.fail("", "expected a JSON object");
  const std::string schema = r.string(doc, "schema", "", "");
  if (schema != "trainsite/microbench/v1")
    r.fail("schema", fmt::format("expected 'trainsite/microbench/v1', got '{}'", schema));
  Measurements m;
  m.file = file;
  m.kind = r.string(doc, "kind", "", "microbench");
  if (doc.contains("system") && doc["system"].is_object()) {
    const Json& s = doc["system"];
    m.gpu_name = r.string(s, "gpu_name", "system", "");
    m.gpu_count = static_cast<int>(r.number(s, "gpu_count", "system", false, 0));
    m.driver = r.string(s, "driver_version", "system", "");
    m.cuda = r.string(s, "cuda_runtime", "system", "");
    m.nccl = r.string(s, "nccl", "system", "");
    m.cudnn = r.string(s, "cudnn", "system", "");
  }
  for (const auto& [p, j] : r.results(doc, "gemm", m)) {
    GemmRecord g;
    g.name = r.string(j, "name", p, "");
    g.dtype = r.string(j, "dtype", p, "bf16");
    if (g.dtype != "bf16" && g.dtype != "fp16" && g.dtype != "fp8")
      r.fail(p + ".dtype", fmt::format("unknown dtype '{}' (bf16, fp16, fp8)", g.dtype));
    g.m = r.number(j, "m", p, true);
    g.n = r.number(j, "n", p, true);
    g.k = r.number(j, "k", p, true);
    g.batch = r.number(j, "batch", p, false, 1);
    g.time_s = r.number(j, "time_s", p, true);
    if (g.m <= 0 || g.n <= 0 || g.k <= 0 || g.batch <= 0 || g.time_s <= 0)
      r.fail(p, "sizes and time must be > 0");
    m.gemm.push_back(g);
  }
  for (const char* sec : {"hbm", "host"})
    for (const auto& [p, j] : r.results(doc, sec, m)) {
      MemoryRecord x{r.string(j, "kind", p, ""), r.number(j, "bytes", p, true),
                     r.number(j, "time_s", p, true)};
      if (x.bytes <= 0 || x.time_s <= 0) r.fail(p, "bytes and time must be > 0");
      (std::string(sec) == "hbm" ? m.hbm : m.host).push_back(x);
    }
  for (const auto& [p, j] : r.results(doc, "p2p", m)) {
    P2pRecord x;
    x.src = static_cast<int>(r.number(j, "src", p, true));
    x.dst = static_cast<int>(r.number(j, "dst", p, true));
    x.bytes = r.number(j, "bytes", p, true);
    x.time_s = r.number(j, "time_s", p, true);
    x.latency_s = r.number(j, "latency_s", p, false, 0);
    if (x.bytes <= 0 || x.time_s <= 0) r.fail(p, "bytes and time must be > 0");
    m.p2p.push_back(x);
  }
  for (const auto& [p, j] : r.results(doc, "nccl", m)) {
    CollectiveRecord c;
    c.op = r.string(j, "op", p, "");
    c.ranks = static_cast<int>(r.number(j, "ranks", p, true));
    c.nodes = static_cast<int>(r.number(j, "nodes", p, false, 1));
    c.bytes = r.number(j, "bytes", p, true);
    c.time_s = r.number(j, "time_s", p, true);
    c.algbw_GBps = r.number(j, "algbw_GBps", p, false, c.bytes / c.time_s / 1e9);
    c.busbw_GBps = r.number(j, "busbw_GBps", p, false, 0);
    c.in_place = r.number(j, "in_place", p, false, 0) != 0;
    if (c.ranks < 2 || c.bytes <= 0 || c.time_s <= 0) r.fail(p, "needs ranks >= 2, bytes > 0 and time_s > 0");
    m.collectives.push_back(c);
  }
  for (const auto& [p, j] : r.results(doc, "power", m)) {
    PowerRecord x;
    x.load = r.string(j, "load", p, "");
    x.cls = r.string(j, "class", p, "");
    x.gpus = static_cast<int>(r.number(j, "gpus", p, false, 1));
    x.power_w = r.number(j, "power_w", p, true);
    x.power_limit_w = r.number(j, "power_limit_w", p, false, 0);
    x.sm_clock_mhz = r.number(j, "sm_clock_mhz", p, false, 0);
    x.tflops = r.number(j, "tflops", p, false, 0);
    m.power.push_back(x);
  }
  for (const auto& [p, j] : r.results(doc, "attention", m)) {
    AttentionRecord a;
    a.name = r.string(j, "name", p, "");
    a.dtype = r.choice(j, "dtype", p, "bf16", {"bf16", "fp16"});
    a.direction = r.choice(j, "direction", p, "", {"fwd", "bwd"});
    a.impl = r.choice(j, "impl", p, "cudnn-sdpa", {"cudnn-sdpa", "fa1", "fa2", "fa3", "unfused"});
    a.batch = r.number(j, "batch", p, true);
    a.heads = r.number(j, "heads", p, true);
    a.kv_heads = r.number(j, "kv_heads", p, false, a.heads);
    a.seq_q = r.number(j, "seq_q", p, true);
    a.seq_k = r.number(j, "seq_k", p, false, a.seq_q);
    a.head_dim = r.number(j, "head_dim", p, true);
    a.head_dim_v = r.number(j, "head_dim_v", p, false, a.head_dim);
    if (!j.contains("causal")) r.fail(p + ".causal", "missing (true or false)");
    a.causal = r.boolean(j, "causal", p, true);
    a.time_s = r.number(j, "time_s", p, true);
    for (const auto& [key, v] : {std::pair{"batch", a.batch},
                                 {"heads", a.heads},
                                 {"kv_heads", a.kv_heads},
                                 {"seq_q", a.seq_q},
                                 {"seq_k", a.seq_k},
                                 {"head_dim", a.head_dim},
                                 {"head_dim_v", a.head_dim_v},
                                 {"time_s", a.time_s}})
      if (!(v > 0)) r.fail(p + "." + key, fmt::format("must be > 0, got {}", v));
    if (a.kv_heads > a.heads) r.fail(p + ".kv_heads", "more key/value heads than query heads");
    m.attention.push_back(a);
  }
  for (const auto& [p, j] : r.results(doc, "elementwise", m)) {
    ElementwiseRecord e;
    e.kind = r.string(j, "kind", p, "");
    if (e.kind.empty() ||
        e.kind.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos)
      r.fail(p + ".kind", fmt::format("expected an operator name like 'layernorm_fwd', got '{}'", e.kind));
    e.tokens = r.number(j, "tokens", p, false, 0);
    e.hidden = r.number(j, "hidden", p, false, 0);
    e.elements = r.number(j, "elements", p, false, e.tokens * e.hidden);
    e.bytes = r.number(j, "bytes", p, true);
    e.time_s = r.number(j, "time_s", p, true);
    const double kernels = r.number(j, "kernels", p, false, 1);
    if (!(e.bytes > 0)) r.fail(p + ".bytes", fmt::format("must be > 0, got {}", e.bytes));
    if (!(e.time_s > 0)) r.fail(p + ".time_s", fmt::format("must be > 0, got {}", e.time_s));
    if (kernels < 1 || kernels != std::floor(kernels))
      r.fail(p + ".kernels", fmt::format("must be a whole number >= 1, got {}", kernels));
    e.kernels = static_cast<int>(kernels);
    m.elementwise.push_back(e);
  }
  for (const auto& [p, j] : r.results(doc, "launch", m)) {
    LaunchRecord l;
    l.kind = r.string(j, "kind", p, "");
    if (l.kind.empty()) r.fail(p + ".kind", "missing (empty, dependent_chain, graph_chain)");
    const double kernels = r.number(j, "kernels", p, false, 1);
    if (kernels < 1 || kernels != std::floor(kernels))
      r.fail(p + ".kernels", fmt::format("must be a whole number >= 1, got {}", kernels));
    l.kernels = static_cast<int>(kernels);
    l.time_s_per_kernel = r.number(j, "time_s_per_kernel", p, true);
    if (!(l.time_s_per_kernel > 0))
      r.fail(p + ".time_s_per_kernel", fmt::format("must be > 0, got {}", l.time_s_per_kernel));
    m.launch.push_back(l);
  }
  for (const auto& [p, j] : r.results(doc, "training", m)) {
    TrainingRecord t;
    t.iteration = static_cast<long>(r.number(j, "iteration", p, false, 0));
    t.step_time_s = r.number(j, "step_time_s", p, true);
    t.tflops_per_gpu = r.number(j, "tflops_per_gpu", p, false, 0);
    t.global_batch = r.number(j, "global_batch", p, false, 0);
    m.training.push_back(t);
  }
  return m;
}

Measurements load_microbench_json(const std::string& path) {
  return parse_microbench_json(read_file(path), path);
}

// ------------------------------------------------------------------------------------------- Logs

namespace {

std::vector<std::pair<std::string, int>> tokens_with_columns(const std::string& line) {
  std::vector<std::pair<std::string, int>> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.push_back({line.substr(start, i - start), int(start) + 1});
  }
  return out;
}

bool parse_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

bool all_digits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

std::string op_from_text(const std::string& text) {
  static const std::regex perf(
      R"((all_reduce|all_gather|reduce_scatter|alltoall|sendrecv|allreduce|allgather|reducescatter)(_perf)?)");
  std::smatch mt;
  if (!std::regex_search(text, mt, perf)) return "";
  std::string s = mt[1];
  if (s == "allreduce") return "all_reduce";
  if (s == "allgather") return "all_gather";
  if (s == "reducescatter") return "reduce_scatter";
  return s;
}

}  // namespace

Measurements parse_nccl_tests_log(std::istream& in, const std::string& file, const LogHints& hints) {
  Measurements m;
  m.file = file;
  m.kind = "nccl-tests";
  std::string op = hints.op, op_comment, line;
  int expected_cols = 0, rank_lines = 0, lineno = 0;
  std::set<std::string> hosts;
  static const std::regex rank_re(
      R"(#\s*Rank\s+\d+\s+Group\s+\d+\s+Pid\s+\d+\s+on\s+(\S+)\s+device\s+\d+\s+\[[^\]]*\]\s+(.*))");
  static const std::regex start_re(R"(Collective test starting:\s*(\S+))");
  std::vector<CollectiveRecord> rows;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto toks = tokens_with_columns(line);
    if (toks.empty()) continue;
    if (toks[0].first[0] == '#') {
      std::smatch mt;
      if (std::regex_search(line, mt, rank_re)) {
        ++rank_lines;
        hosts.insert(mt[1]);
        if (m.gpu_name.empty()) m.gpu_name = mt[2];
      } else if (std::regex_search(line, mt, start_re)) {
        if (op.empty()) op = op_from_text(mt[1]);
      } else if (line.find("size") != std::string::npos && line.find("count") != std::string::npos &&
                 line.find("type") != std::string::npos) {
        expected_cols = line.find("redop") != std::string::npos ? 13 : 11;
      } else if (op_comment.empty()) {
        op_comment = op_from_text(line);
      }
      continue;
    }
    if (!all_digits(toks[0].first)) continue;  // NCCL INFO/WARN lines and other chatter
    const int ncols = static_cast<int>(toks.size());
    if (ncols < 11 || (expected_cols && ncols != expected_cols))
      throw InputError(
          {file, lineno, toks.back().second}, "row",
          fmt::format("truncated or malformed nccl-tests row: expected {} columns (size count type{} "
                      "time algbw busbw #wrong, out-of-place then in-place), got {}",
                      expected_cols ? expected_cols : 13, expected_cols == 11 ? "" : " redop root", ncols));
    double size = 0;
    if (!parse_double(toks[0].first, size) || size <= 0)
      throw InputError({file, lineno, toks[0].second}, "size", fmt::format("bad size '{}'", toks[0].first));
    for (int place = 0; place < 2; ++place) {
      const int base = ncols - 8 + 4 * place;
      double v[3];
      const char* names[] = {"time", "algbw", "busbw"};
      for (int c = 0; c < 3; ++c)
        if (!parse_double(toks[base + c].first, v[c]) || v[c] < 0)
          throw InputError({file, lineno, toks[base + c].second}, names[c],
                           fmt::format("expected a number for {} ({}), got '{}'", names[c],
                                       place ? "in-place" : "out-of-place", toks[base + c].first));
      CollectiveRecord r;
      r.bytes = size;
      r.time_s = v[0] * 1e-6;  // nccl-tests prints microseconds
      r.algbw_GBps = v[1];
      r.busbw_GBps = v[2];
      r.in_place = place == 1;
      r.line = lineno;
      if (r.time_s > 0) rows.push_back(r);
    }
  }
  if (rows.empty())
    throw InputError({file, lineno, 0}, "",
                     "no nccl-tests result rows found (truncated or not an nccl-tests log?)");
  if (op.empty()) op = op_comment;
  if (op.empty()) op = op_from_text(file);
  if (op.empty())
    throw InputError({file, 1, 1}, "op",
                     "cannot tell which collective this log measures; name it (e.g. --op all_reduce)");

  int ranks = hints.ranks > 0 ? hints.ranks : rank_lines;
  if (ranks == 0) {
    // busbw/algbw = 2(n−1)/n (all-reduce) or (n−1)/n: solve for n on the largest-bandwidth row.
    const auto best = std::max_element(
        rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.algbw_GBps < b.algbw_GBps; });
    const double ratio = best->algbw_GBps > 0 ? best->busbw_GBps / best->algbw_GBps : 0;
    const double full = op == "all_reduce" ? 2.0 : 1.0;
    if (op == "sendrecv")
      ranks = 2;
    else if (ratio > 0 && ratio < full)
      ranks = static_cast<int>(std::lround(full / (full - ratio)));
    if (ranks < 2)
      throw InputError({file, best->line, 1}, "ranks",
                       "cannot infer the rank count from busbw/algbw; name it (e.g. --ranks 8)");
  }
  const int nodes = hints.nodes > 0 ? hints.nodes : std::max<int>(1, static_cast<int>(hosts.size()));
  for (auto& r : rows) {
    r.op = op;
    r.ranks = ranks;
    r.nodes = nodes;
    m.collectives.push_back(r);
  }
  m.gpu_count = ranks;
  m.status["nccl"] = "ok";
  return m;
}

Measurements parse_megatron_log(std::istream& in, const std::string& file) {
  Measurements m;
  m.file = file;
  m.kind = "megatron-log";
  static const std::regex iter_re(R"(\biteration\s+(\d+)\s*/\s*(\d+)\s*\|)");
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    std::smatch mt;
    if (!std::regex_search(line, mt, iter_re)) continue;
    TrainingRecord t;
    t.iteration = std::stol(mt[1]);
    t.line = lineno;
    bool have_time = false;
    size_t pos = 0;
    while (pos < line.size()) {
      size_t bar = line.find('|', pos);
      if (bar == std::string::npos) bar = line.size();
      const std::string field = line.substr(pos, bar - pos);
      const size_t colon = field.rfind(':');
      if (colon != std::string::npos) {
        std::string key = field.substr(0, colon), val = field.substr(colon + 1);
        key.erase(0, key.find_first_not_of(' '));
        key.erase(key.find_last_not_of(' ') + 1);
        val.erase(0, val.find_first_not_of(' '));
        val.erase(val.find_last_not_of(' ') + 1);
        double v = 0;
        const int col = static_cast<int>(pos + colon + 2);
        auto need = [&](const char* what) {
          if (!parse_double(val, v))
            throw InputError({file, lineno, col}, key,
                             fmt::format("expected a number for {}, got '{}'", what, val));
        };
        if (key == "elapsed time per iteration (ms)") {
          need("the iteration time");
          t.step_time_s = v / 1000.0;
          have_time = true;
        } else if (key == "throughput per GPU (TFLOP/s/GPU)" || key == "TFLOPs" || key == "tflops") {
          need("TFLOP/s per GPU");
          t.tflops_per_gpu = v;
        } else if (key == "global batch size") {
          need("the global batch size");
          t.global_batch = v;
        }
      }
      pos = bar + 1;
    }
    if (!have_time)
      throw InputError(
          {file, lineno, 1}, "elapsed time per iteration (ms)",
          fmt::format("Megatron iteration {} has no 'elapsed time per iteration (ms)' (truncated line?)",
                      t.iteration));
    m.training.push_back(t);
  }
  if (m.training.empty())
    throw InputError({file, lineno, 0}, "", "no Megatron 'iteration N/ M | ...' lines found");
  m.status["training"] = "ok";
  return m;
}

Measurements load_measurements(const std::string& path, const LogHints& hints) {
  const std::string text = read_file(path);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') return parse_microbench_json(text, path);
  std::istringstream in(text);
  if (text.find("elapsed time per iteration (ms)") != std::string::npos) return parse_megatron_log(in, path);
  return parse_nccl_tests_log(in, path, hints);
}

Json to_json(const Measurements& m) {
  Json doc;
  doc["schema"] = "trainsite/microbench/v1";
  doc["kind"] = m.kind;
  doc["source"] = m.file;
  doc["system"] = {{"gpu_name", m.gpu_name},
                   {"gpu_count", m.gpu_count},
                   {"driver_version", m.driver},
                   {"cuda_runtime", m.cuda},
                   {"nccl", m.nccl}};
  if (!m.cudnn.empty()) doc["system"]["cudnn"] = m.cudnn;
  auto section = [&](const std::string& name, Json results) {
    const auto it = m.status.find(name);
    doc[name] = {
        {"status", it != m.status.end() ? it->second : std::string(results.empty() ? "absent" : "ok")},
        {"results", std::move(results)}};
  };
  Json g = Json::array(), hbm = Json::array(), host = Json::array(), p2p = Json::array(),
       nccl = Json::array(), power = Json::array(), train = Json::array();
  for (const auto& x : m.gemm)
    g.push_back({{"name", x.name},
                 {"dtype", x.dtype},
                 {"m", x.m},
                 {"n", x.n},
                 {"k", x.k},
                 {"batch", x.batch},
                 {"time_s", x.time_s}});
  for (const auto& x : m.hbm) hbm.push_back({{"kind", x.kind}, {"bytes", x.bytes}, {"time_s", x.time_s}});
  for (const auto& x : m.host) host.push_back({{"kind", x.kind}, {"bytes", x.bytes}, {"time_s", x.time_s}});
  for (const auto& x : m.p2p)
    p2p.push_back({{"src", x.src},
                   {"dst", x.dst},
                   {"bytes", x.bytes},
                   {"time_s", x.time_s},
                   {"latency_s", x.latency_s}});
  for (const auto& x : m.collectives)
    nccl.push_back({{"op", x.op},
                    {"ranks", x.ranks},
                    {"nodes", x.nodes},
                    {"bytes", x.bytes},
                    {"time_s", x.time_s},
                    {"algbw_GBps", x.algbw_GBps},
                    {"busbw_GBps", x.busbw_GBps},
                    {"in_place", x.in_place ? 1 : 0}});
  for (const auto& x : m.power)
    power.push_back({{"load", x.load},
                     {"class", x.cls},
                     {"gpus", x.gpus},
                     {"power_w", x.power_w},
                     {"power_limit_w", x.power_limit_w},
                     {"sm_clock_mhz", x.sm_clock_mhz},
                     {"tflops", x.tflops}});
  for (const auto& x : m.training)
    train.push_back({{"iteration", x.iteration},
                     {"step_time_s", x.step_time_s},
                     {"tflops_per_gpu", x.tflops_per_gpu},
                     {"global_batch", x.global_batch}});
  section("gemm", g);
  section("hbm", hbm);
  section("host", host);
  section("p2p", p2p);
  section("nccl", nccl);
  section("power", power);
  // Sections added with the kernel-level compute model: written when the input has them, so documents
  // of older runs and logs stay as they were.
  Json attn = Json::array(), elem = Json::array(), launch = Json::array();
  for (const auto& x : m.attention)
    attn.push_back({{"name", x.name},
                    {"dtype", x.dtype},
                    {"batch", x.batch},
                    {"heads", x.heads},
                    {"kv_heads", x.kv_heads},
                    {"seq_q", x.seq_q},
                    {"seq_k", x.seq_k},
                    {"head_dim", x.head_dim},
                    {"head_dim_v", x.head_dim_v},
                    {"causal", x.causal},
                    {"direction", x.direction},
                    {"impl", x.impl},
                    {"time_s", x.time_s}});
  for (const auto& x : m.elementwise)
    elem.push_back({{"kind", x.kind},
                    {"tokens", x.tokens},
                    {"hidden", x.hidden},
                    {"elements", x.elements},
                    {"bytes", x.bytes},
                    {"kernels", x.kernels},
                    {"time_s", x.time_s}});
  for (const auto& x : m.launch)
    launch.push_back({{"kind", x.kind}, {"kernels", x.kernels}, {"time_s_per_kernel", x.time_s_per_kernel}});
  if (!attn.empty() || m.status.count("attention")) section("attention", attn);
  if (!elem.empty() || m.status.count("elementwise")) section("elementwise", elem);
  if (!launch.empty() || m.status.count("launch")) section("launch", launch);
  section("training", train);
  return doc;
}

}  // namespace trainsite::calibration
