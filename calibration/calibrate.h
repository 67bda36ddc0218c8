// The fitting core of `trainsite calibrate`: measurements in (calibration/microbench_io.h), a
// trainsite/calibration/v1 document out, with the fitted values, their residuals, the fit details and
// provenance. Only the figures the inputs determine are written under `values`; the rest keep the
// per-architecture defaults of data/calibration/default.yaml when a scenario loads the file.
//
// What determines what (docs/calibration.md, section 4):
//   gemm                              gemm_eff_max, tile, fp8_gemm_eff_factor (+ kernel_launch_s when
//                                     there are no launch/elementwise records)
//   elementwise + launch (+ hbm)      hbm_eff and kernel_launch_s through models::memory_bound_s
//   hbm alone                         hbm_eff (STREAM)
//   attention                         fa{1,2,3}_{fwd,bwd}_eff through models::attention_fwd_s/_bwd_s
//   nccl / nccl-tests logs            nvlink_busbw_eff, collective_step_latency_s, nic_eff
//   power                             gpu_power_compute_frac, gpu_power_comm_frac
#pragma once

#include <string>
#include <vector>

#include "calibration/microbench_io.h"
#include "models/calibration.h"
#include "models/catalog.h"
#include "models/step/collectives.h"

namespace trainsite::calibration {

struct CalibrateOptions {
  std::vector<std::string> inputs;
  std::string out, name, gpu;  // name: default = stem of out; gpu: catalog id (default: from the JSON)
  std::string op;              // nccl-tests log hints (default: inferred)
  int ranks = 0, nodes = 0;
  double link_GBps = 0;  // one-way NVLink per GPU of the measured system (default: catalog nvlink/2)
  double nic_gbps = 0;   // multi-node collectives: NIC line rate and count per node
  int nics_per_node = 0, gpus_per_node = 8;
};

struct CalibrationDoc {
  models::Calibration values;       // base with the fitted figures applied
  std::vector<std::string> fitted;  // keys written under `values`
  std::string yaml;                 // the trainsite/calibration/v1 file
};

// Throws scenarios::InputError (naming the input file and the field) when the inputs cannot determine
// a figure or a fit lands outside its physical range.
CalibrationDoc calibrate(const std::vector<Measurements>& inputs, const models::Catalog& cat,
                         const models::Calibration& base, const models::Gpu* gpu, const CalibrateOptions& o);

// The catalog GPU named by `id`, else the first input's GPU name matched to a catalog id (word-boundary
// match of the id's model token: "H100" of H100-SXM5-80GB in "NVIDIA H100 80GB HBM3"), else nullptr.
const models::Gpu* resolve_gpu(const models::Catalog& cat, const std::string& id,
                               const std::vector<Measurements>& inputs);

// The link a measured collective ran on, as the model sees it (NVLink domain or NIC share).
models::Link measured_link(const models::Gpu* gpu, const models::Calibration& cal, const CalibrateOptions& o,
                           int ranks, int nodes);

}  // namespace trainsite::calibration
