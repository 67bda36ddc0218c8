#include "scenarios/loader.h"

#include <fmt/format.h>

#include "models/layout.h"
#include "models/site/weather.h"
#include "scenarios/catalog_loader.h"
#include "scenarios/epw.h"
#include "scenarios/software_stack.h"
#include "scenarios/yaml_reader.h"

namespace trainsite::scenarios {

using namespace trainsite::models;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> ids_of(const auto& items) {
  std::vector<std::string> out;
  for (const auto& x : items) out.push_back(x.id);
  return out;
}

[[noreturn]] void unknown_id(const Section& s, const std::string& key, const std::string& kind,
                             const std::string& id, const std::vector<std::string>& known) {
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  const std::string hint = did_you_mean(id, known);
  s.fail(key,
         fmt::format("unknown {} '{}'{}; known: {}", kind, id, hint.empty() ? "" : " (" + hint + ")", list));
}

Workload parse_workload(const Section& s, const Catalog& cat) {
  s.allow({"model", "tokens", "global_batch", "precision", "recompute", "flash_attention", "attention_kernel",
           "dropout", "fp8_activation_cache"});
  Workload w;
  const YAML::Node m = s.at("model");
  if (!m.IsDefined()) s.fail("model", "missing: name a preset from data/models.yaml or give the shape");
  if (m.IsScalar()) {
    const std::string id = m.as<std::string>();
    const ModelSpec* preset = cat.find_model(id);
    if (!preset) unknown_id(s, "model", "model", id, ids_of(cat.models));
    w.model = *preset;
  } else {
    const Section ms = s.child("model");
    ModelSpec base;
    base.id = "custom";
    if (ms.has("preset")) {
      const std::string id = ms.string("preset", "");
      const ModelSpec* preset = cat.find_model(id);
      if (!preset) unknown_id(ms, "preset", "model", id, ids_of(cat.models));
      base = *preset;
    }
    w.model = parse_model(ms, base);
  }
  w.tokens = s.positive("tokens", w.tokens);
  w.global_batch = s.positive_int("global_batch", w.global_batch);
  const std::string p = s.one_of("precision", "bf16", {"fp16", "bf16", "fp8"});
  w.precision = p == "fp16" ? Precision::fp16 : p == "fp8" ? Precision::fp8 : Precision::bf16;
  const std::string r = s.one_of("recompute", "none", {"none", "selective", "full"});
  w.recompute = r == "none" ? Recompute::none : r == "full" ? Recompute::full : Recompute::selective;
  w.flash_attention = s.boolean("flash_attention", w.flash_attention);
  // attention_kernel names the fused kernel; flash_attention alone means the FlashAttention-2 class.
  const std::string k = s.one_of("attention_kernel", "auto", {"auto", "unfused", "fa1", "fa2", "fa3"});
  if (k == "auto")
    w.attention_kernel = w.flash_attention ? AttentionKernel::fa2 : AttentionKernel::unfused;
  else
    w.attention_kernel = k == "unfused" ? AttentionKernel::unfused
                         : k == "fa1"   ? AttentionKernel::fa1
                         : k == "fa2"   ? AttentionKernel::fa2
                                        : AttentionKernel::fa3;
  if (s.has("attention_kernel") && s.has("flash_attention") && w.flash_attention != (k != "unfused"))
    s.fail("attention_kernel",
           fmt::format("attention_kernel {} contradicts flash_attention: {}", k, w.flash_attention));
  w.flash_attention = w.attention_kernel != AttentionKernel::unfused;
  w.dropout = s.non_negative("dropout", w.dropout);
  if (w.dropout >= 1)
    s.fail("dropout", fmt::format("a dropout probability must be below 1, got {}", w.dropout));
  w.fp8_activation_cache = s.boolean("fp8_activation_cache", w.fp8_activation_cache);
  return w;
}

Parallelism parse_parallelism(const Section& s) {
  s.allow({"tp", "pp", "dp", "cp", "ep", "micro_batch", "virtual_stages", "zero", "sequence_parallel",
           "overlap_grad_reduce", "schedule", "pipeline_layers", "comm_sms"});
  Parallelism p;
  p.tp = s.positive_int("tp", 1);
  p.pp = s.positive_int("pp", 1);
  p.dp = s.int_or_auto("dp").value_or(0);
  p.cp = s.positive_int("cp", 1);
  p.ep = s.positive_int("ep", 1);
  p.micro_batch = s.positive_int("micro_batch", 1);
  p.virtual_stages = s.int_or_auto("virtual_stages").value_or(s.is_auto("virtual_stages") ? 0 : 1);
  p.zero = s.integer("zero", p.zero);
  if (p.zero < 0 || p.zero > 3)
    s.fail("zero", fmt::format("ZeRO stage must be 0, 1, 2 or 3, got {}", p.zero));
  p.sequence_parallel = s.boolean("sequence_parallel", p.sequence_parallel);
  p.overlap_grad_reduce = s.boolean("overlap_grad_reduce", p.overlap_grad_reduce);
  p.comm_sms = s.integer("comm_sms", p.comm_sms);
  if (p.comm_sms < 0) s.fail("comm_sms", fmt::format("must be >= 0, got {}", p.comm_sms));
  if (p.sequence_parallel && p.tp == 1) s.fail("sequence_parallel", "sequence parallelism needs tp > 1");
  const std::string sched =
      s.one_of("schedule", "auto", {"auto", "1f1b", "interleaved", "dualpipe", "zero-bubble"});
  p.schedule = sched == "1f1b"          ? Schedule::one_f_one_b
               : sched == "interleaved" ? Schedule::interleaved
               : sched == "dualpipe"    ? Schedule::dualpipe
               : sched == "zero-bubble" ? Schedule::zero_bubble
                                        : Schedule::automatic;
  if (p.schedule == Schedule::one_f_one_b && p.virtual_stages > 1)
    s.fail("schedule",
           fmt::format("1f1b runs one model chunk per stage, but virtual_stages = {}", p.virtual_stages));
  if ((p.schedule == Schedule::dualpipe || p.schedule == Schedule::zero_bubble) && p.virtual_stages != 1)
    s.fail("virtual_stages",
           fmt::format("the {} schedule runs one model chunk per stage (virtual_stages: 1)", sched));
  if (p.schedule == Schedule::interleaved && s.has("virtual_stages") && p.virtual_stages == 1)
    s.fail("virtual_stages", "the interleaved schedule needs virtual_stages >= 2 (or auto)");
  if (p.schedule == Schedule::interleaved && !s.has("virtual_stages")) p.virtual_stages = 0;  // auto
  if (p.schedule == Schedule::dualpipe && (p.pp < 2 || p.pp % 2 != 0))
    s.fail("schedule",
           fmt::format("DualPipe pairs stages from both ends and needs an even pp >= 2, got {}", p.pp));
  if (s.has("pipeline_layers")) {
    const YAML::Node list = s.at("pipeline_layers");
    if (!list.IsSequence())
      s.fail("pipeline_layers", "expected a list of layers per stage, e.g. [7, 8, 8, 7]");
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].IsScalar()) s.fail("pipeline_layers", fmt::format("entry {} is not a number", i));
      try {
        p.pipeline_layers.push_back(list[i].as<int>());
      } catch (const YAML::Exception&) {
        s.fail("pipeline_layers", fmt::format("entry {} ('{}') is not an integer", i, list[i].Scalar()));
      }
    }
  }
  return p;
}

Cluster parse_cluster(const Section& s, const Catalog& cat, const LoadOptions& opt) {
  s.allow({"gpu", "gpus_per_node", "nodes", "node_power_kw", "fabric", "storage", "calibration"});
  Cluster c;
  const std::string id = s.string("gpu", "");
  if (id.empty()) s.fail("gpu", "missing: name a GPU from data/hardware.yaml");
  const Gpu* g = cat.find_gpu(id);
  if (!g) unknown_id(s, "gpu", "GPU", id, ids_of(cat.gpus));
  c.gpu = *g;
  c.gpus_per_node = s.positive_int("gpus_per_node", g->node_gpus);
  c.nodes = s.positive_int("nodes", 1);
  // GPU counts are ints throughout the models; 10 million is far beyond any planned cluster.
  if (long(c.nodes) * c.gpus_per_node > 10'000'000)
    s.fail("nodes", fmt::format("{} nodes × {} GPUs is beyond 10,000,000 GPUs", c.nodes, c.gpus_per_node));
  if (const auto kw = s.number_or_auto("node_power_kw")) {
    if (*kw <= 0) s.fail("node_power_kw", "must be > 0");
    c.node_power_kw = *kw;
  }
  const Section f = s.child("fabric");
  f.allow({"kind", "nic_gbps", "nics_per_node", "topology", "oversubscription", "routing", "leaf_radix",
           "latency_us"});
  c.fabric.kind = f.one_of("kind", "roce", {"roce", "infiniband"});
  c.fabric.nic_gbps = f.positive("nic_gbps", c.fabric.nic_gbps);
  c.fabric.nics_per_node = f.positive_int("nics_per_node", c.gpus_per_node);
  c.fabric.topology = f.one_of("topology", "rail-optimized", {"rail-optimized", "fat-tree"});
  c.fabric.oversubscription = f.number("oversubscription", 1.0);
  if (c.fabric.oversubscription < 1.0)
    f.fail("oversubscription",
           fmt::format("must be >= 1 (1 = non-blocking), got {}", c.fabric.oversubscription));
  c.fabric.routing = f.one_of("routing", c.fabric.kind == "infiniband" ? "adaptive" : "ecmp-hash",
                              {"ecmp-hash", "adaptive"});
  c.fabric.leaf_radix = f.positive_int("leaf_radix", c.fabric.leaf_radix);
  c.fabric.latency_us = f.non_negative("latency_us", c.fabric.latency_us);
  const Section st = s.child("storage");
  st.allow({"read_GBps_per_node", "write_GBps_per_node", "gpudirect", "checkpoint"});
  c.storage.read_GBps_per_node = st.positive("read_GBps_per_node", c.storage.read_GBps_per_node);
  c.storage.write_GBps_per_node = st.positive("write_GBps_per_node", c.storage.write_GBps_per_node);
  c.storage.gpudirect = st.boolean("gpudirect", c.storage.gpudirect);
  const Section ck = st.child("checkpoint");
  ck.allow({"interval_min", "async"});
  c.storage.checkpoint.interval_min = ck.number_or_auto("interval_min").value_or(0);
  if (c.storage.checkpoint.interval_min < 0) ck.fail("interval_min", "must be > 0 or auto");
  c.storage.checkpoint.async = ck.boolean("async", false);
  c.calibration = s.string("calibration", "default");
  try {
    c.cal = load_calibration(opt.data_dir, c.calibration, c.gpu);
  } catch (const InputError& e) {
    if (e.where().line == 0 && e.message() == "file not found")
      s.fail("calibration", fmt::format("no calibration '{}' in {}", c.calibration,
                                        (opt.data_dir / "calibration").string()));
    throw;
  }
  return c;
}

std::vector<Site> parse_sites(const Section& root, const Catalog& cat,
                              const std::filesystem::path& data_dir) {
  std::vector<Site> out;
  const YAML::Node list = root.at("sites");
  if (!list.IsDefined()) return out;
  if (!list.IsSequence())
    root.fail("sites", "expected a list of site ids (or mappings with an id and overrides)");
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string field = fmt::format("sites[{}]", i);
    std::string id = n.IsScalar()                                 ? n.as<std::string>()
                     : n.IsMap() && n["id"] && n["id"].IsScalar() ? n["id"].as<std::string>()
                                                                  : "";
    if (id.empty()) throw InputError(location_of(n, root.file()), field, "a site needs an id");
    const Site* base = cat.find_site(id);
    if (!base) {
      const auto known = ids_of(cat.sites);
      std::string all;
      for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
      const std::string hint = did_you_mean(id, known);
      throw InputError(
          location_of(n, root.file()), field,
          fmt::format("unknown site '{}'{}; known: {}", id, hint.empty() ? "" : " (" + hint + ")", all));
    }
    out.push_back(n.IsMap() ? parse_site(Section(n, field, root.file()), *base) : *base);
    if (Site& s = out.back(); s.weather_file != base->weather_file) {
      // A relative weather file is looked up next to the scenario, then under the data directory.
      fs::path wf = s.weather_file;
      if (wf.is_relative()) {
        const fs::path near = fs::path(root.file()).parent_path() / wf;
        wf = fs::exists(near) || data_dir.empty() ? near : data_dir / wf;
      }
      s.weather_file = wf.string();
      s.hourly.reset();
      load_site_weather(s);
    }
    // Derive the hourly year once per load (after any climate override), not per evaluation.
    if (Site& s = out.back(); !s.hourly)
      s.hourly = std::make_shared<const HourlyWeather>(synthetic_weather(s));
  }
  return out;
}

Economics parse_economics(const Section& s, const Catalog& cat, const Cluster& c) {
  s.allow({"currency", "server_price", "amortization_years", "start", "fx_to_usd"});
  Economics e;
  e.fx_to_usd = cat.economics.fx_to_usd;
  if (s.has("fx_to_usd")) {
    const Section fx = s.child("fx_to_usd");
    for (const auto& kv : fx.node())
      e.fx_to_usd[kv.first.as<std::string>()] = fx.positive(kv.first.as<std::string>(), 1);
  }
  e.currency = s.string("currency", "USD");
  if (!e.fx_to_usd.count(e.currency))
    s.fail("currency",
           fmt::format("no exchange rate for '{}'; add economics.fx_to_usd.{}", e.currency, e.currency));
  e.server_price_usd = s.number_or_auto("server_price").value_or(0);
  if (e.server_price_usd < 0) s.fail("server_price", "must be >= 0 or auto");
  e.amortization_years = s.positive("amortization_years", 4);
  if (s.has("start")) {
    e.start = s.string("start", e.start);
    int y = 0, m = 0, d = 0;
    if (std::sscanf(e.start.c_str(), "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12 || d < 1 || d > 31)
      s.fail("start", fmt::format("expected a date YYYY-MM-DD, got '{}'", e.start));
  }
  const auto net = cat.economics.network_cost_per_gpu_usd.find(c.fabric.kind);
  e.network_cost_per_gpu_usd = net == cat.economics.network_cost_per_gpu_usd.end() ? 0 : net->second;
  e.storage_cost_per_node_usd = cat.economics.storage_cost_per_node_usd;
  return e;
}

}  // namespace

void check_layout(const Scenario& sc, const std::string& file) {
  // The rules live in models/layout.h (shared with the planner); the first problem is the error.
  const auto problems = layout_problems(sc);
  if (!problems.empty()) throw InputError({file, 0, 0}, problems.front().field, problems.front().message);
}

void apply_override(YAML::Node root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError({"--set", 0, 0}, assignment, "expected key.path=value");
  const std::string path = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  if (root.IsDefined() && !root.IsNull() && !root.IsMap())
    throw InputError({"--set", 0, 0}, path, "the scenario is not a YAML mapping");
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    throw InputError({"--set", 0, 0}, path, "value is not valid YAML: " + e.msg);
  }
  std::vector<std::string> keys;
  size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    keys.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  YAML::Node cur;
  cur.reset(root);
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    if (keys[i].empty()) throw InputError({"--set", 0, 0}, path, "empty key in path");
    YAML::Node next = cur[keys[i]];
    if (next.IsScalar()) {
      // A preset id in the way: keep it as `preset` and refine it.
      YAML::Node m(YAML::NodeType::Map);
      m["preset"] = next.Scalar();
      cur[keys[i]] = m;
      next.reset(cur[keys[i]]);
    } else if (!next.IsDefined() || next.IsNull()) {
      cur[keys[i]] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[keys[i]]);
    } else if (!next.IsMap()) {
      throw InputError({"--set", 0, 0}, path, fmt::format("'{}' is not a mapping", keys[i]));
    }
    cur.reset(next);
  }
  cur[keys.back()] = parsed;
}

std::string apply_software_stack(YAML::Node root, const std::string& file, const Catalog& cat) {
  const Section s(root, "", file);
  const Section sw = s.child("software");
  std::vector<std::string> allowed = software_settings();
  allowed.push_back("stack");
  sw.allow(allowed);
  const std::string id = sw.string("stack", cat.default_stack);
  const SoftwareStack* stack = cat.find_stack(id);
  if (!stack) {
    std::vector<std::string> known;
    for (const auto& k : cat.stacks) known.push_back(k.id);
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    const std::string hint = did_you_mean(id, known);
    sw.fail("stack", fmt::format("unknown software stack '{}'{}; known: {}", id,
                                 hint.empty() ? "" : " (" + hint + ")", list));
  }
  // The GPU generation picks per-architecture values (an unknown GPU is reported by parse_cluster).
  std::string arch;
  if (const YAML::Node c = root["cluster"]; c.IsMap() && c["gpu"] && c["gpu"].IsScalar())
    if (const Gpu* g = cat.find_gpu(c["gpu"].Scalar())) arch = g->arch;
  int tp = 1;
  if (const YAML::Node p = root["parallelism"]; p.IsMap() && p["tp"] && p["tp"].IsScalar()) {
    try {
      tp = p["tp"].as<int>();
    } catch (const YAML::Exception&) {
    }  // parse_parallelism reports it
  }
  const auto section_of = [](const std::string& key) {
    return key == "sequence_parallel" || key == "zero" || key == "overlap_grad_reduce" || key == "schedule" ||
                   key == "comm_sms"
               ? "parallelism"
               : "workload";
  };
  for (const std::string& key : software_settings()) {
    YAML::Node value;
    if (sw.has(key)) {
      value = YAML::Clone(sw.at(key));
    } else {
      const std::string v = stack->value(key, arch);
      if (v.empty()) continue;
      value = YAML::Load(v);
    }
    const char* section = section_of(key);
    if (root[section] && !root[section].IsMap()) continue;  // parse_workload / parse_parallelism report it
    YAML::Node target = root[section];
    if (target && target[key]) continue;  // set explicitly
    if (key == "attention_kernel" && target && target["flash_attention"] &&
        target["flash_attention"].IsScalar()) {
      // flash_attention given explicitly: a fused stack kernel only where it asks for one.
      const bool flash = target["flash_attention"].Scalar() == "true";
      if (!flash || value.Scalar() == "unfused") continue;
    }
    if (key == "sequence_parallel" && value.IsScalar() && value.Scalar() == "true" && tp <= 1) continue;
    root[section][key] = value;
  }
  return id;
}

Scenario scenario_from_yaml(YAML::Node root, const std::string& file, const Catalog& cat,
                            const LoadOptions& opt) {
  for (const auto& o : opt.overrides) apply_override(root, o);
  const Section s(root, "", file);
  if (!root.IsMap()) throw InputError(location_of(root, file), "", "a scenario must be a YAML mapping");
  s.allow({"schema", "name", "description", "workload", "parallelism", "cluster", "reliability", "sites",
           "economics", "power_cap_policy", "software"});
  Scenario sc;
  sc.source_file = file;
  sc.software_stack = apply_software_stack(root, file, cat);
  if (!opt.partial) {
    const std::string schema = s.string("schema", "");
    if (schema.empty()) s.fail("schema", "missing: the first line should be `schema: trainsite/v1`");
    if (schema != "trainsite/v1")
      s.fail("schema", fmt::format("unsupported schema '{}'; expected trainsite/v1", schema));
  }
  sc.name = s.string("name", std::filesystem::path(file).stem().string());
  sc.workload = parse_workload(s.child("workload"), cat);
  sc.parallelism = parse_parallelism(s.child("parallelism"));
  sc.cluster = parse_cluster(s.child("cluster"), cat, opt);
  if (sc.workload.attention_kernel == AttentionKernel::fa3 && sc.cluster.gpu.arch != "hopper")
    s.child("workload")
        .fail("attention_kernel", fmt::format("FlashAttention-3 needs a Hopper GPU; {} is {}",
                                              sc.cluster.gpu.id, sc.cluster.gpu.arch));
  const Section r = s.child("reliability");
  r.allow({"gpu_fail_per_1000_gpu_day", "restart_min", "seed"});
  sc.reliability.gpu_fail_per_1000_gpu_day = r.number_or_auto("gpu_fail_per_1000_gpu_day").value_or(0);
  if (sc.reliability.gpu_fail_per_1000_gpu_day < 0)
    r.fail("gpu_fail_per_1000_gpu_day", "must be >= 0 or auto");
  sc.reliability.restart_min = r.non_negative("restart_min", 15);
  sc.reliability.seed = unsigned(r.integer("seed", 1));
  sc.sites = parse_sites(s, cat, opt.data_dir);
  if (!opt.partial && sc.sites.empty())
    s.fail("sites", "missing: list at least one site id from data/sites/");
  sc.economics = parse_economics(s.child("economics"), cat, sc.cluster);
  for (const auto& site : sc.sites)
    if (!sc.economics.fx_to_usd.count(site.currency))
      s.fail("economics", fmt::format("no exchange rate for site {}'s currency {}", site.id, site.currency));
  sc.power_cap_policy = s.one_of("power_cap_policy", "derate", {"derate", "refuse"});
  if (opt.parse_only) return sc;
  // Layout errors point at the parallelism block (or the field named in the message).
  try {
    check_layout(sc, file);
  } catch (const InputError& e) {
    const std::string top = e.field().substr(0, e.field().find('.'));
    const Section owner = s.child(top);
    const std::string leaf =
        e.field().find('.') == std::string::npos ? "" : e.field().substr(e.field().find('.') + 1);
    Location l = leaf.empty() ? s.location(top) : owner.location(leaf);
    if (l.line == 0) l = s.location(top);
    throw InputError(l.line ? l : Location{file, 0, 0}, e.field(), e.message());
  }
  return sc;
}

Scenario load_scenario(const std::string& path, const Catalog& cat, const LoadOptions& opt) {
  return scenario_from_yaml(load_yaml_file(path), path, cat, opt);
}

}  // namespace trainsite::scenarios
