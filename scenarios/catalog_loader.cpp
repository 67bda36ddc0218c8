#include "scenarios/catalog_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "scenarios/epw.h"

#ifndef TRAINSITE_DATA_DIR
#define TRAINSITE_DATA_DIR ""
#endif

namespace trainsite::scenarios {

namespace fs = std::filesystem;
using namespace trainsite::models;

fs::path default_data_dir() {
  if (const char* env = std::getenv("TRAINSITE_DATA"); env && *env) return env;
  if (fs::path built = TRAINSITE_DATA_DIR; !built.empty() && fs::exists(built / "hardware.yaml"))
    return built;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& p : {exe.parent_path() / "../share/trainsite/data", exe.parent_path() / "../data",
                              exe.parent_path() / "../../data"})
      if (fs::exists(p / "hardware.yaml")) return fs::weakly_canonical(p);
  }
  return "data";
}

namespace {

void expect_schema(const Section& s, const std::string& schema) {
  const std::string got = s.string("schema", "");
  if (got != schema) s.fail("schema", fmt::format("expected '{}', got '{}'", schema, got));
}

std::map<std::string, std::string> string_map(const Section& s, const std::string& key) {
  std::map<std::string, std::string> out;
  const YAML::Node n = s.at(key);
  if (!n.IsDefined() || !n.IsMap()) return out;
  for (const auto& kv : n)
    out[kv.first.Scalar()] = kv.second.IsScalar() ? kv.second.as<std::string>() : YAML::Dump(kv.second);
  return out;
}

// `confidence:` maps a figure group to cited | typical | estimate (data/README.md); the sensitivity
// ranges (data/sensitivity.yaml) are keyed by these classes.
std::map<std::string, std::string> confidence_map(const Section& s) {
  std::map<std::string, std::string> out = string_map(s, "confidence");
  for (const auto& [k, v] : out)
    if (v != "cited" && v != "typical" && v != "estimate")
      s.child("confidence").fail(k, fmt::format("'{}': expected cited, typical or estimate", v));
  return out;
}

Gpu parse_gpu(const Section& s) {
  s.allow({"id", "name", "arch", "sms", "boost_clock_mhz", "peak_tflops", "hbm_GB", "hbm_GBps", "nvlink_GBps",
           "pcie_GBps", "tdp_w", "idle_w", "node", "sources", "confidence", "notes"});
  Gpu g;
  g.id = s.string("id", "");
  if (g.id.empty()) s.fail("id", "missing GPU id");
  g.name = s.string("name", g.id);
  g.arch = s.one_of("arch", "ampere", {"ampere", "hopper", "blackwell"});
  g.sms = s.positive_int("sms", 108);
  g.boost_clock_mhz = s.positive("boost_clock_mhz", 1410);
  const Section peaks = s.child("peak_tflops");
  peaks.allow({"bf16", "fp16", "fp8", "tf32", "fp32"});
  for (const char* p : {"bf16", "fp16", "fp8", "tf32", "fp32"})
    if (peaks.has(p) && !peaks.is_auto(p)) g.peak_tflops[p] = peaks.positive(p, 0);
  if (!g.peak_tflops.count("bf16")) s.fail("peak_tflops", "a dense bf16 peak is required");
  g.hbm_GB = s.positive("hbm_GB", 80);
  g.hbm_GBps = s.positive("hbm_GBps", 2000);
  g.nvlink_GBps = s.positive("nvlink_GBps", 600);
  g.pcie_GBps = s.positive("pcie_GBps", 32);
  g.tdp_w = s.positive("tdp_w", 400);
  g.idle_w = s.positive("idle_w", 60);
  const Section node = s.child("node");
  node.allow({"gpus", "power_kw", "price_usd"});
  g.node_gpus = node.positive_int("gpus", 8);
  g.node_power_kw = node.positive("power_kw", 6.5);
  g.node_price_usd = node.non_negative("price_usd", 0);
  g.sources = string_map(s, "sources");
  g.confidence = confidence_map(s);
  return g;
}

}  // namespace

ModelSpec parse_model(const Section& s, ModelSpec m) {
  s.allow({"id", "preset", "layers", "hidden", "heads", "kv_heads", "ffn_hidden", "seq_len", "vocab",
           "activation", "attention", "mla", "tied_embeddings", "moe", "mtp_depth", "source", "notes"});
  if (s.has("id")) m.id = s.string("id", m.id);
  m.layers = s.positive_int("layers", m.layers);
  m.hidden = s.positive_int("hidden", m.hidden);
  m.heads = s.positive_int("heads", m.heads);
  m.kv_heads = s.positive_int("kv_heads", m.kv_heads > 0 ? m.kv_heads : m.heads);
  if (m.hidden > (1 << 28)) s.fail("hidden", fmt::format("{} is beyond any model (at most 2^28)", m.hidden));
  m.ffn_hidden = s.positive_int("ffn_hidden", m.ffn_hidden > 0 ? m.ffn_hidden : 4 * m.hidden);
  m.seq_len = s.positive_int("seq_len", m.seq_len > 0 ? m.seq_len : 2048);
  m.vocab = s.positive_int("vocab", m.vocab > 0 ? m.vocab : 51200);
  m.activation = s.one_of("activation", to_string(m.activation), {"gelu", "swiglu"}) == "swiglu"
                     ? Activation::swiglu
                     : Activation::gelu;
  const std::string attention = s.one_of("attention", m.mla ? "mla" : "mha", {"mha", "gqa", "mla"});
  if (attention == "mla" || s.has("mla")) {
    if (attention != "mla") s.fail("mla", "MLA settings need attention: mla");
    // DeepSeek-V3's dimensions unless given (DeepSeek-AI, arXiv 2412.19437, §4.2).
    Mla mla = m.mla.value_or(Mla{});
    const Section a = s.child("mla");
    a.allow({"q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"});
    mla.q_lora_rank = a.integer("q_lora_rank", mla.q_lora_rank);
    if (mla.q_lora_rank < 0) a.fail("q_lora_rank", "must be >= 0 (0 = a full-rank query projection)");
    mla.kv_lora_rank = a.positive_int("kv_lora_rank", mla.kv_lora_rank);
    mla.qk_nope_head_dim = a.positive_int("qk_nope_head_dim", mla.qk_nope_head_dim);
    mla.qk_rope_head_dim = a.positive_int("qk_rope_head_dim", mla.qk_rope_head_dim);
    mla.v_head_dim = a.positive_int("v_head_dim", mla.v_head_dim);
    m.mla = mla;
  } else {
    m.mla.reset();
  }
  m.mtp_depth = s.integer("mtp_depth", m.mtp_depth);
  if (m.mtp_depth < 0 || m.mtp_depth > 8)
    s.fail("mtp_depth", fmt::format("must be between 0 and 8, got {}", m.mtp_depth));
  m.tied_embeddings = s.boolean("tied_embeddings", m.tied_embeddings);
  if (s.has("moe")) {
    const Section e = s.child("moe");
    e.allow({"experts", "shared_experts", "top_k", "expert_ffn_hidden", "dense_layers", "max_nodes_per_token",
             "load_imbalance", "dispatch_precision"});
    Moe moe = m.moe.value_or(Moe{});
    moe.experts = e.positive_int("experts", moe.experts);
    moe.shared_experts = e.integer("shared_experts", moe.shared_experts);
    moe.top_k = e.positive_int("top_k", moe.top_k > 0 ? moe.top_k : 2);
    moe.expert_ffn_hidden =
        e.positive_int("expert_ffn_hidden", moe.expert_ffn_hidden > 0 ? moe.expert_ffn_hidden : m.ffn_hidden);
    moe.dense_layers = e.integer("dense_layers", moe.dense_layers);
    moe.max_nodes_per_token = e.integer("max_nodes_per_token", moe.max_nodes_per_token);
    if (moe.max_nodes_per_token < 0) e.fail("max_nodes_per_token", "must be >= 0 (0 = no limit)");
    moe.load_imbalance = e.number("load_imbalance", moe.load_imbalance);
    if (moe.load_imbalance < 1)
      e.fail("load_imbalance",
             fmt::format("the busiest rank's share over the mean is >= 1, got {}", moe.load_imbalance));
    moe.dispatch_fp8 =
        e.one_of("dispatch_precision", moe.dispatch_fp8 ? "fp8" : "bf16", {"bf16", "fp8"}) == "fp8";
    if (moe.experts <= 0) e.fail("experts", "a MoE model needs experts > 0");
    if (moe.top_k > moe.experts)
      e.fail("top_k", fmt::format("top_k {} exceeds experts {}", moe.top_k, moe.experts));
    if (moe.dense_layers < 0 || moe.dense_layers > m.layers)
      e.fail("dense_layers", fmt::format("must be between 0 and layers ({})", m.layers));
    m.moe = moe;
  }
  m.source = s.string("source", m.source);
  if (m.layers <= 0) s.fail("layers", "missing: a model needs layers");
  if (m.hidden <= 0) s.fail("hidden", "missing: a model needs hidden");
  if (m.heads <= 0) s.fail("heads", "missing: a model needs heads");
  if (m.hidden % m.heads != 0)
    s.fail("heads", fmt::format("hidden {} is not divisible by heads {}", m.hidden, m.heads));
  if (m.heads % m.kv_heads != 0)
    s.fail("kv_heads", fmt::format("heads {} is not a multiple of kv_heads {}", m.heads, m.kv_heads));
  return m;
}

Site parse_site(const Section& s, Site site) {
  s.allow({"schema",
           "id",
           "name",
           "country",
           "currency",
           "carbon_kg_per_kwh",
           "green_share",
           "pue_avg",
           "tariff",
           "climate",
           "cooling",
           "pue_limit",
           "power_capacity_mw",
           "rack_power_limit_kw",
           "colocation_per_kw_month",
           "construction_per_mw",
           "timezone_utc_offset_h",
           "weather_file",
           "sources",
           "confidence",
           "notes"});
  site.id = s.string("id", site.id);
  site.name = s.string("name", site.name.empty() ? site.id : site.name);
  site.country = s.string("country", site.country);
  site.currency = s.string("currency", site.currency);
  site.carbon_kg_per_kwh = s.non_negative("carbon_kg_per_kwh", site.carbon_kg_per_kwh);
  site.green_share = s.non_negative("green_share", site.green_share);
  if (site.green_share > 1) s.fail("green_share", "must be a fraction between 0 and 1");
  site.pue_avg = s.number("pue_avg", site.pue_avg);
  if (site.pue_avg < 1.0) s.fail("pue_avg", fmt::format("PUE cannot be below 1.0, got {}", site.pue_avg));
  const Section t = s.child("tariff");
  t.allow({"flat_per_kwh", "tou", "summer_peak_surcharge", "source"});
  site.tariff_flat_per_kwh = t.non_negative("flat_per_kwh", site.tariff_flat_per_kwh);
  if (t.has("tou")) {
    const YAML::Node tou = t.at("tou");
    if (!tou.IsSequence()) t.fail("tou", "expected a list of periods");
    site.tou.clear();
    std::array<int, 24> covered{};
    for (size_t i = 0; i < tou.size(); ++i) {
      const Section p(tou[i], t.field("tou") + fmt::format("[{}]", i), s.file());
      p.allow({"period", "hours", "price_per_kwh"});
      TouPeriod period;
      period.period = p.string("period", "flat");
      period.price_per_kwh = p.non_negative("price_per_kwh", 0);
      const YAML::Node hours = p.at("hours");
      if (!hours.IsDefined() || !hours.IsSequence())
        p.fail("hours", "expected a list of [start, end) hour pairs");
      for (const auto& h : hours) {
        if (!h.IsSequence() || h.size() != 2) p.fail("hours", "each range is [start, end)");
        int a = 0, b = 0;
        try {
          a = h[0].as<int>();
          b = h[1].as<int>();
        } catch (const YAML::BadConversion&) {
          p.fail("hours", "hours are integers 0-24");
        }
        if (a < 0 || b > 24 || a >= b) p.fail("hours", fmt::format("bad hour range [{}, {})", a, b));
        for (int x = a; x < b; ++x) {
          if (covered[x]++) p.fail("hours", fmt::format("hour {} is in two periods", x));
        }
        period.hours.push_back({a, b});
      }
      site.tou.push_back(period);
    }
    for (int x = 0; x < 24; ++x)
      if (!covered[x]) t.fail("tou", fmt::format("hour {} is in no period; periods must cover 0-24", x));
  }
  if (t.has("summer_peak_surcharge")) {
    const Section sp = t.child("summer_peak_surcharge");
    sp.allow({"months", "factor"});
    site.summer_surcharge_months.clear();
    for (double mth : sp.numbers("months", 0)) site.summer_surcharge_months.push_back(int(mth));
    site.summer_surcharge_factor = sp.positive("factor", 1.0);
  }
  const Section c = s.child("climate");
  c.allow(
      {"elevation_m", "monthly_drybulb_c", "monthly_wetbulb_c", "diurnal_range_c", "weather_file", "source"});
  site.elevation_m = c.number("elevation_m", site.elevation_m);
  auto month12 = [&](const char* key, std::array<double, 12>& out) {
    const auto v = c.numbers(key, 12);
    if (!v.empty()) std::copy(v.begin(), v.end(), out.begin());
  };
  month12("monthly_drybulb_c", site.monthly_drybulb_c);
  month12("monthly_wetbulb_c", site.monthly_wetbulb_c);
  month12("diurnal_range_c", site.diurnal_range_c);
  for (int i = 0; i < 12; ++i)
    if (site.monthly_wetbulb_c[i] > site.monthly_drybulb_c[i] + 1e-9)
      c.fail("monthly_wetbulb_c", fmt::format("month {}: wet-bulb {} above dry-bulb {}", i + 1,
                                              site.monthly_wetbulb_c[i], site.monthly_drybulb_c[i]));
  site.weather_file = c.string("weather_file", s.string("weather_file", site.weather_file));
  const Section k = s.child("cooling");
  k.allow({"type", "chw_supply_c", "economizer_approach_c", "chiller_cop_rated", "rated_condenser_c",
           "fan_pump_fraction", "other_overhead_fraction", "source"});
  site.cooling.type =
      k.one_of("type", site.cooling.type, {"air-chiller", "water-economizer", "evaporative", "liquid"});
  site.cooling.chw_supply_c = k.number("chw_supply_c", site.cooling.chw_supply_c);
  site.cooling.economizer_approach_c =
      k.non_negative("economizer_approach_c", site.cooling.economizer_approach_c);
  site.cooling.chiller_cop_rated = k.positive("chiller_cop_rated", site.cooling.chiller_cop_rated);
  site.cooling.rated_condenser_c = k.number("rated_condenser_c", site.cooling.rated_condenser_c);
  site.cooling.fan_pump_fraction = k.non_negative("fan_pump_fraction", site.cooling.fan_pump_fraction);
  site.cooling.other_overhead_fraction =
      k.non_negative("other_overhead_fraction", site.cooling.other_overhead_fraction);
  site.pue_limit = s.non_negative("pue_limit", site.pue_limit);
  site.power_capacity_mw = s.non_negative("power_capacity_mw", site.power_capacity_mw);
  site.rack_power_limit_kw = s.non_negative("rack_power_limit_kw", site.rack_power_limit_kw);
  site.colocation_per_kw_month = s.non_negative("colocation_per_kw_month", site.colocation_per_kw_month);
  site.timezone_utc_offset_h = s.number("timezone_utc_offset_h", site.timezone_utc_offset_h);
  const auto src = string_map(s, "sources");
  for (const auto& [k2, v] : src) site.sources[k2] = v;
  for (const auto& [k2, v] : confidence_map(s)) site.confidence[k2] = v;
  return site;
}

Calibration parse_calibration(const Section& s, Calibration c) {
  s.allow({"gemm_eff_max",
           "tile_m",
           "tile_n",
           "kernel_launch_s",
           "hbm_eff",
           "fp8_gemm_eff_factor",
           "sustained_tensor_frac",
           "sustained_tensor_frac_fp8",
           "sustained_gemm_factor",
           "sustained_gemm_factor_fp8",
           "gemm_k_overhead",
           "attn_block_q",
           "attn_block_kv",
           "fa1_fwd_eff",
           "fa1_bwd_eff",
           "fa2_fwd_eff",
           "fa2_bwd_eff",
           "fa3_fwd_eff",
           "fa3_bwd_eff",
           "sfu_ops_per_clock_per_sm",
           "nvlink_busbw_eff",
           "nic_eff",
           "collective_step_latency_s",
           "gpu_power_compute_frac",
           "gpu_power_comm_frac",
           "residuals",
           "fit",
           "notes"});
  auto frac = [&](const char* key, double& v) {
    v = s.positive(key, v);
    if (v > 1.5) s.fail(key, fmt::format("an efficiency must be a fraction, got {}", v));
  };
  frac("gemm_eff_max", c.gemm_eff_max);
  c.tile_m = s.positive_int("tile_m", c.tile_m);
  c.tile_n = s.positive_int("tile_n", c.tile_n);
  c.gemm_k_overhead = s.non_negative("gemm_k_overhead", c.gemm_k_overhead);
  c.kernel_launch_s = s.non_negative("kernel_launch_s", c.kernel_launch_s);
  frac("hbm_eff", c.hbm_eff);
  frac("fp8_gemm_eff_factor", c.fp8_gemm_eff_factor);
  c.sustained_tensor_frac = s.non_negative("sustained_tensor_frac", c.sustained_tensor_frac);
  c.sustained_tensor_frac_fp8 = s.non_negative("sustained_tensor_frac_fp8", c.sustained_tensor_frac_fp8);
  c.sustained_gemm_factor = s.non_negative("sustained_gemm_factor", c.sustained_gemm_factor);
  c.sustained_gemm_factor_fp8 = s.non_negative("sustained_gemm_factor_fp8", c.sustained_gemm_factor_fp8);
  if (c.sustained_gemm_factor > 1 || c.sustained_gemm_factor_fp8 > 1)
    s.fail("sustained_gemm_factor", "a sustained-clock factor is a fraction of the burst rate (0..1)");
  if (c.sustained_tensor_frac > 1 || c.sustained_tensor_frac_fp8 > 1)
    s.fail("sustained_tensor_frac", "a sustained tensor rate is a fraction of the peak (0..1)");
  c.attn_block_q = s.positive("attn_block_q", c.attn_block_q);
  c.attn_block_kv = s.positive("attn_block_kv", c.attn_block_kv);
  for (auto [key, v] : {std::pair{"fa1_fwd_eff", &c.fa1_fwd_eff},
                        {"fa1_bwd_eff", &c.fa1_bwd_eff},
                        {"fa2_fwd_eff", &c.fa2_fwd_eff},
                        {"fa2_bwd_eff", &c.fa2_bwd_eff},
                        {"fa3_fwd_eff", &c.fa3_fwd_eff},
                        {"fa3_bwd_eff", &c.fa3_bwd_eff}})
    frac(key, *v);
  c.sfu_ops_per_clock_per_sm = s.positive("sfu_ops_per_clock_per_sm", c.sfu_ops_per_clock_per_sm);
  frac("nvlink_busbw_eff", c.nvlink_busbw_eff);
  frac("nic_eff", c.nic_eff);
  c.collective_step_latency_s = s.non_negative("collective_step_latency_s", c.collective_step_latency_s);
  frac("gpu_power_compute_frac", c.gpu_power_compute_frac);
  frac("gpu_power_comm_frac", c.gpu_power_comm_frac);
  return c;
}

Calibration load_calibration(const fs::path& data_dir, const std::string& name, const Gpu& gpu) {
  Calibration c;
  auto apply_file = [&](const std::string& n) {
    const fs::path p = data_dir / "calibration" / (n + ".yaml");
    const Section s(load_yaml_file(p.string()), "", p.string());
    s.allow({"schema", "name", "gpu", "by_arch", "sources", "provenance", "values", "residuals", "fits"});
    expect_schema(s, "trainsite/calibration/v1");
    if (s.has("by_arch")) {
      const Section arch = s.child("by_arch");
      if (arch.has(gpu.arch)) c = parse_calibration(arch.child(gpu.arch), c);
    }
    if (s.has("values")) {
      const std::string for_gpu = s.string("gpu", "");
      if (!for_gpu.empty() && for_gpu != gpu.id)
        s.fail("gpu",
               fmt::format("calibration '{}' was measured on {}, the scenario uses {}", n, for_gpu, gpu.id));
      c = parse_calibration(s.child("values"), c);
    }
    for (const auto& [k, v] : string_map(s, "sources")) c.sources[k] = v;
  };
  apply_file("default");
  if (!name.empty() && name != "default") apply_file(name);
  c.name = name.empty() ? "default" : name;
  return c;
}

SensitivityRanges load_sensitivity_ranges(const fs::path& file) {
  SensitivityRanges out;
  const Section s(load_yaml_file(file.string()), "", file.string());
  s.allow({"schema", "classes", "factors", "notes"});
  expect_schema(s, "trainsite/sensitivity/v1");
  auto range = [](const Section& r) {
    SensitivityRange x;
    x.low = r.positive("low", 1);
    x.high = r.positive("high", 1);
    x.basis = r.string("basis", "");
    if (x.low > 1 || x.high < 1)
      r.fail("low", fmt::format("need low <= 1 <= high, got {} and {}", x.low, x.high));
    if (x.basis.empty()) r.fail("basis", "every range states its basis");
    return x;
  };
  const Section classes = s.child("classes");
  for (const char* c : {"cited", "typical", "estimate", "scenario"}) {
    if (!classes.has(c)) classes.fail(c, "missing: every confidence class needs a range");
    const Section r = classes.child(c);
    r.allow({"low", "high", "basis"});
    out.classes[c] = range(r);
  }
  if (s.has("factors")) {
    const Section f = s.child("factors");
    f.allow({"tariff", "pue", "server_price", "amortization_years", "mfu", "gpu_failure_rate", "colocation"});
    for (const auto& kv : f.node()) {
      const std::string id = kv.first.Scalar();
      const Section x = f.child(id);
      x.allow({"low", "high", "class", "basis"});
      if (x.has("class")) {
        out.factor_class[id] = x.one_of("class", "estimate", {"cited", "typical", "estimate", "scenario"});
        out.factor_basis[id] = x.string("basis", "");
        if (out.factor_basis[id].empty()) x.fail("basis", "say why the factor takes this class");
      } else {
        out.fixed[id] = range(x);
      }
    }
  }
  return out;
}

void load_software_stacks(const fs::path& file, Catalog& cat) {
  const Section s(load_yaml_file(file.string()), "", file.string());
  s.allow({"schema", "default", "stacks"});
  expect_schema(s, "trainsite/software/v1");
  const YAML::Node stacks = s.at("stacks");
  if (!stacks.IsSequence()) s.fail("stacks", "expected a list of stacks");
  for (size_t i = 0; i < stacks.size(); ++i) {
    const Section st(stacks[i], fmt::format("stacks[{}]", i), file.string());
    st.allow({"id", "name", "settings", "sources"});
    SoftwareStack stack;
    stack.id = st.string("id", "");
    if (stack.id.empty()) st.fail("id", "every stack needs an id");
    stack.name = st.string("name", stack.id);
    const Section set = st.child("settings");
    set.allow(software_settings());
    for (const auto& kv : set.node()) {
      const std::string key = kv.first.as<std::string>();
      if (kv.second.IsMap()) {
        const Section by_arch = set.child(key);
        by_arch.allow({"ampere", "hopper", "blackwell"});
        for (const auto& a : kv.second)
          stack.settings[key][a.first.as<std::string>()] = a.second.as<std::string>();
      } else if (kv.second.IsScalar()) {
        stack.settings[key][""] = kv.second.as<std::string>();
      } else {
        set.fail(key, "expected a value or a map by GPU architecture");
      }
    }
    stack.sources = string_map(st, "sources");
    cat.stacks.push_back(std::move(stack));
  }
  cat.default_stack = s.string("default", cat.stacks.empty() ? "" : cat.stacks.front().id);
  if (!cat.find_stack(cat.default_stack))
    s.fail("default", fmt::format("no stack '{}' in the file", cat.default_stack));
}

const std::vector<std::string>& software_settings() {
  static const std::vector<std::string> k = {"recompute",           "attention_kernel",
                                             "flash_attention",     "dropout",
                                             "sequence_parallel",   "zero",
                                             "overlap_grad_reduce", "schedule",
                                             "fp8_activation_cache"};
  return k;
}

Catalog load_catalog(const fs::path& data_dir) {
  Catalog cat;
  {
    const std::string file = (data_dir / "hardware.yaml").string();
    const Section s(load_yaml_file(file), "", file);
    s.allow({"schema", "gpus"});
    expect_schema(s, "trainsite/hardware/v1");
    const YAML::Node gpus = s.at("gpus");
    for (size_t i = 0; i < gpus.size(); ++i)
      cat.gpus.push_back(parse_gpu(Section(gpus[i], fmt::format("gpus[{}]", i), file)));
  }
  {
    const std::string file = (data_dir / "models.yaml").string();
    const Section s(load_yaml_file(file), "", file);
    s.allow({"schema", "models"});
    expect_schema(s, "trainsite/models/v1");
    const YAML::Node models = s.at("models");
    for (size_t i = 0; i < models.size(); ++i)
      cat.models.push_back(parse_model(Section(models[i], fmt::format("models[{}]", i), file), ModelSpec{}));
  }
  std::vector<fs::path> site_files;
  for (const auto& e : fs::directory_iterator(data_dir / "sites"))
    if (e.path().extension() == ".yaml") site_files.push_back(e.path());
  std::sort(site_files.begin(), site_files.end());
  for (const auto& p : site_files) {
    const Section s(load_yaml_file(p.string()), "", p.string());
    expect_schema(s, "trainsite/site/v1");
    Site site = parse_site(s, Site{});
    if (!site.weather_file.empty() && fs::path(site.weather_file).is_relative())
      site.weather_file = (data_dir / site.weather_file).string();
    load_site_weather(site);
    cat.sites.push_back(site);
  }
  {
    const std::string file = (data_dir / "economics.yaml").string();
    const Section s(load_yaml_file(file), "", file);
    s.allow(
        {"schema", "fx_to_usd", "network_cost_per_gpu_usd", "storage_cost_per_node_usd", "sources", "notes"});
    expect_schema(s, "trainsite/economics/v1");
    for (const auto& kv : s.at("fx_to_usd"))
      cat.economics.fx_to_usd[kv.first.as<std::string>()] = kv.second.as<double>();
    for (const auto& kv : s.at("network_cost_per_gpu_usd"))
      cat.economics.network_cost_per_gpu_usd[kv.first.as<std::string>()] = kv.second.as<double>();
    cat.economics.storage_cost_per_node_usd = s.non_negative("storage_cost_per_node_usd", 0);
    cat.economics.sources = string_map(s, "sources");
  }
  cat.sensitivity = load_sensitivity_ranges(data_dir / "sensitivity.yaml");
  load_software_stacks(data_dir / "software.yaml", cat);
  return cat;
}

}  // namespace trainsite::scenarios
