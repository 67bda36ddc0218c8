// A resolved scenario (trainsite/v1): every preset looked up, every `auto` left as a flag the
// models resolve. The loader in scenarios/ builds it; the engines only read it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/calibration.h"
#include "models/catalog.h"
#include "models/step/attention.h"

namespace trainsite::models {

enum class Recompute { none, selective, full };

// Pipeline schedule (models/step/iteration.h has each one's bubble): automatic = 1F1B, or interleaved
// 1F1B when virtual_stages > 1.
enum class Schedule { automatic, one_f_one_b, interleaved, zero_bubble, dualpipe };

struct Workload {
  ModelSpec model;
  double tokens = 300e9;
  int global_batch = 1536;  // sequences per iteration
  Precision precision = Precision::bf16;
  // Omitted keys follow Megatron-LM's command-line defaults: optional optimizations are off.
  Recompute recompute = Recompute::none;
  bool flash_attention = false;  // fused attention kernel (FlashAttention, --use-flash-attn)
  // The kernel that runs the attention core; unfused unless flash_attention (models/step/attention.h).
  AttentionKernel attention_kernel = AttentionKernel::unfused;
  double dropout = 0;  // hidden and attention dropout probability (adds masks and their traffic)
  // The MLP activation function's inputs kept in FP8 and its output recomputed in the backward
  // (DeepSeek-V3 report, arXiv 2412.19437, §3.3.3 "Low-Precision Storage").
  bool fp8_activation_cache = false;
};

struct Parallelism {
  int tp = 1;
  int pp = 1;
  int dp = 0;  // 0 = auto (GPUs / (tp*pp*cp))
  int cp = 1;
  int ep = 1;
  int micro_batch = 1;
  int virtual_stages = 1;  // 0 = auto
  Schedule schedule = Schedule::automatic;
  std::vector<int> pipeline_layers;  // explicit layers per stage; empty = even or Megatron's uneven split
  int zero = 0;                      // 0..3 (1 = distributed optimizer, --use-distributed-optimizer)
  bool sequence_parallel = false;    // --sequence-parallel
  bool overlap_grad_reduce = false;  // --overlap-grad-reduce: DP traffic hidden behind the last backward
};

struct Fabric {
  std::string kind = "roce";  // roce | infiniband
  double nic_gbps = 200;
  int nics_per_node = 8;
  std::string topology = "rail-optimized";  // rail-optimized | fat-tree
  double oversubscription = 1.0;
  std::string routing = "ecmp-hash";  // ecmp-hash | adaptive
  int leaf_radix = 64;                // ports per leaf switch facing nodes
  double latency_us = 2.0;            // per hop, NIC to NIC through one switch
};

struct Checkpoint {
  double interval_min = 0;  // 0 = auto (Young/Daly)
  bool async = false;
};

struct Storage {
  double read_GBps_per_node = 5.0;
  double write_GBps_per_node = 2.2;
  bool gpudirect = true;
  Checkpoint checkpoint;
};

struct Cluster {
  Gpu gpu;
  int gpus_per_node = 8;
  int nodes = 1;
  std::optional<double> node_power_kw;  // override of the catalog figure
  Fabric fabric;
  Storage storage;
  std::string calibration = "default";  // name under data/calibration/
  Calibration cal;                      // resolved by the loader

  int gpus() const { return gpus_per_node * nodes; }
};

struct Reliability {
  double gpu_fail_per_1000_gpu_day = 0;  // 0 = auto (from the published 16k-GPU run)
  double restart_min = 15;
  unsigned seed = 1;
};

struct Economics {
  std::string currency = "USD";
  double server_price_usd = 0;  // 0 = auto (catalog)
  double amortization_years = 4;
  std::string start = "2026-01-01";
  std::map<std::string, double> fx_to_usd;  // catalog defaults merged with scenario overrides
  double network_cost_per_gpu_usd = 0;      // from data/economics.yaml by fabric kind
  double storage_cost_per_node_usd = 0;
};

struct Scenario {
  std::string name;
  std::string source_file;
  std::string software_stack;  // the preset the defaults came from (data/software.yaml)
  Workload workload;
  Parallelism parallelism;
  Cluster cluster;
  Reliability reliability;
  std::vector<Site> sites;
  Economics economics;
  std::string power_cap_policy = "derate";  // derate | refuse
};

}  // namespace trainsite::models
