// Catalog entries: GPUs, model presets and sites, as plain data loaded from data/*.yaml.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trainsite::models {

enum class Precision { fp16, bf16, fp8 };

struct Gpu {
  std::string id;
  std::string name;
  std::string arch;
  int sms = 0;
  double boost_clock_mhz = 0;  // maximum SM clock (datasheet)
  // Dense tensor-core peak per precision, TFLOP/s; missing = unsupported.
  std::map<std::string, double> peak_tflops;
  double hbm_GB = 0;
  double hbm_GBps = 0;
  double nvlink_GBps = 0;  // total bidirectional per GPU, datasheet convention
  double pcie_GBps = 0;    // per direction
  double tdp_w = 0;
  double idle_w = 0;
  int node_gpus = 8;
  double node_power_kw = 0;  // full-load server power
  double node_price_usd = 0;
  std::map<std::string, std::string> sources;
  std::map<std::string, std::string> confidence;  // figure group -> cited | typical | estimate

  std::optional<double> peak(Precision p) const;
};

struct Moe {
  int experts = 0;
  int shared_experts = 0;
  int top_k = 0;
  int expert_ffn_hidden = 0;
  int dense_layers = 0;
  // Node-limited routing: a token's experts lie on at most this many nodes (0 = no limit), and the
  // dispatch sends it once per node over the fabric, then fans out over NVLink (DeepSeek-V3 §3.2.2).
  int max_nodes_per_token = 0;
  double load_imbalance = 1.0;   // tokens of the busiest expert rank over the mean
  bool dispatch_fp8 = false;     // dispatch activations in FP8 (combine stays BF16)
};

// Multi-head latent attention (DeepSeek-V2/V3): queries and keys/values through low-rank projections,
// with a decoupled rotary part of the query/key heads.
struct Mla {
  int q_lora_rank = 1536;  // 0 = full-rank query projection
  int kv_lora_rank = 512;
  int qk_nope_head_dim = 128;
  int qk_rope_head_dim = 64;
  int v_head_dim = 128;
};

enum class Activation { gelu, swiglu };

struct ModelSpec {
  std::string id;  // preset id, or "custom"
  int layers = 0;
  int hidden = 0;
  int heads = 0;
  int kv_heads = 0;    // 0 = same as heads (MHA)
  int ffn_hidden = 0;  // 0 = 4*hidden
  int seq_len = 0;
  int vocab = 0;
  Activation activation = Activation::gelu;
  bool tied_embeddings = true;
  std::optional<Moe> moe;
  std::optional<Mla> mla;  // attention: mla
  int mtp_depth = 0;       // multi-token-prediction modules (DeepSeek-V3: 1), each one more layer and head
  std::string source;
};

struct TouPeriod {
  std::string period;
  std::vector<std::array<int, 2>> hours;  // [start, end) local hours
  double price_per_kwh = 0;
};

struct HourlyWeather {
  std::vector<double> drybulb_c;  // kHoursPerYear values, local time, index = hour_of_year()
  std::vector<double> wetbulb_c;
  std::string source;  // "epw:<file>" or "monthly-normals"
};

struct Cooling {
  std::string type = "water-economizer";  // air-chiller | water-economizer | evaporative | liquid
  double chw_supply_c = 18;
  double economizer_approach_c = 5;
  double chiller_cop_rated = 6;
  double rated_condenser_c = 30;
  double fan_pump_fraction = 0.04;
  double other_overhead_fraction = 0.05;
};

struct Site {
  std::string id;
  std::string name;
  std::string country;
  std::string currency = "USD";
  double carbon_kg_per_kwh = 0;
  double green_share = 0;
  double pue_avg = 1.3;
  double tariff_flat_per_kwh = 0;
  std::vector<TouPeriod> tou;
  std::vector<int> summer_surcharge_months;
  double summer_surcharge_factor = 1.0;
  double elevation_m = 0;
  std::array<double, 12> monthly_drybulb_c{};
  std::array<double, 12> monthly_wetbulb_c{};
  std::array<double, 12> diurnal_range_c{};
  std::string weather_file;  // optional EPW path (absolute after loading)
  // The year of hourly weather, set once by the scenarios loader: the EPW file's hours, or the year
  // models/site/weather.h derives from the monthly means and diurnal range. Shared, so copies of a scenario
  // stay cheap; null = derived on demand.
  std::shared_ptr<const HourlyWeather> hourly;
  Cooling cooling;
  double pue_limit = 0;
  double power_capacity_mw = 0;
  double rack_power_limit_kw = 0;
  double colocation_per_kw_month = 0;
  double timezone_utc_offset_h = 0;
  std::map<std::string, std::string> sources;
  std::map<std::string, std::string> confidence;  // figure group -> cited | typical | estimate
};

struct EconomicsData {
  std::map<std::string, double> fx_to_usd;
  std::map<std::string, double> network_cost_per_gpu_usd;
  double storage_cost_per_node_usd = 0;
  std::map<std::string, std::string> sources;
};

// How far an input may plausibly move (data/sensitivity.yaml): multipliers of its value by the
// confidence class of the figure behind it, or a range of its own for inputs that have no confidence
// label in data/ (a planner's choice, a model output).
struct SensitivityRange {
  double low = 1, high = 1;
  std::string basis;
};
struct SensitivityRanges {
  std::map<std::string, SensitivityRange> classes;  // cited | typical | estimate | scenario
  std::map<std::string, SensitivityRange> fixed;    // factor id -> its own range
  std::map<std::string, std::string> factor_class;  // factor id -> the class it takes
  std::map<std::string, std::string> factor_basis;  // factor id -> why that class
};

// A software-stack preset (data/software.yaml): default settings of a training framework vintage.
struct SoftwareStack {
  std::string id, name;
  // setting (recompute, attention_kernel, ...) -> value by GPU architecture ("" = any), as YAML scalars
  std::map<std::string, std::map<std::string, std::string>> settings;
  std::map<std::string, std::string> sources;
  // The value for `arch`, or "" when the stack does not set it.
  std::string value(const std::string& setting, const std::string& arch) const;
};

struct Catalog {
  std::vector<Gpu> gpus;
  std::vector<ModelSpec> models;
  std::vector<Site> sites;
  EconomicsData economics;
  SensitivityRanges sensitivity;

  std::vector<SoftwareStack> stacks;
  std::string default_stack;

  const Gpu* find_gpu(const std::string& id) const;
  const SoftwareStack* find_stack(const std::string& id) const;
  const ModelSpec* find_model(const std::string& id) const;
  const Site* find_site(const std::string& id) const;
};

std::string to_string(Precision p);
std::string to_string(Activation a);

}  // namespace trainsite::models
