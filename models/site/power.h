// IT power: GPUs by phase, servers, network switches and storage, and the load profile of one iteration.
#pragma once

#include <string>
#include <vector>

#include "models/step/iteration.h"
#include "models/scenario.h"

namespace trainsite::models {

enum class Phase { compute, comm, idle };

// GPU board power: TDP × calibration fraction for compute-bound and communication phases (sources in
// data/calibration/default.yaml), the catalog idle power when idle.
double gpu_power_w(const Gpu& gpu, const Calibration& cal, Phase phase);

struct NodePower {
  double full_kw = 0;     // all GPUs at TDP: the catalog (or scenario) server power
  double non_gpu_kw = 0;  // CPUs, NVSwitch, NICs, fans, drives, PSU losses = full − GPUs × TDP
  double compute_kw = 0, comm_kw = 0, idle_kw = 0;
};
// The non-GPU part is calibrated so that full load equals the catalog figure (e.g. 6.0 kW for 8×A800,
// 11.0 kW for 8×H800, estimates whose basis data/hardware.yaml states) and is held constant across phases.
NodePower node_power(const Scenario& sc);

// Back-end fabric switches: switch ports per NIC = 1 (leaf down) + 2/oversubscription (leaf up, spine
// down) in a two-tier leaf/spine; W per port from a 64-port 400G switch (~1.1 kW switch + ~8-12 W optics).
inline constexpr double kSwitchWattsPerPort = 25.0;
double network_power_kw(const Scenario& sc);
// Parallel file system sized by aggregate read bandwidth: 2U all-flash appliances of ~90 GB/s read and
// ~2.5 kW each (DDN AI400X2-class datasheet figures; estimate).
inline constexpr double kStorageApplianceGBps = 90.0, kStorageApplianceKw = 2.5;
double storage_power_kw(const Scenario& sc);

struct LoadSegment {
  std::string phase;  // compute | comm | idle
  double duration_s = 0;
  double it_kw = 0;  // whole cluster incl. network and storage
};

struct ItLoad {
  double compute_kw = 0;  // peak: every GPU in a compute-bound phase
  double comm_kw = 0;
  double idle_kw = 0;   // stalled (checkpoint write, restart)
  double mean_kw = 0;   // time-weighted over one iteration
  double swing_kw = 0;  // compute − comm: the step the grid sees every iteration
  double fixed_kw = 0;  // part that does not depend on GPU power (non-GPU server, network, storage)
  double gpu_compute_w = 0, gpu_idle_w = 0;
  int gpus = 0;
  std::vector<LoadSegment> profile;  // one iteration, in breakdown order
};
// Phases of the breakdown: compute → compute; TP/CP/EP/PP/DP communication, pipeline bubble (GPUs spin
// in NCCL receive kernels) and `other` (HBM-bound optimizer/elementwise work) → comm power;
// I/O stall → idle.
ItLoad it_load(const Scenario& sc, const Iteration& it);

}  // namespace trainsite::models
