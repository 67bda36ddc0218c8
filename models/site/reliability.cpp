#include "models/site/reliability.h"

#include <algorithm>
#include <cmath>

#include "models/step/transformer.h"

namespace trainsite::models {

double default_fail_per_1000_gpu_day() {
  return kPublishedInterruptions / (kPublishedGpus * kPublishedDays) * 1000.0;
}

double fail_per_1000_gpu_day(const Reliability& r) {
  return r.gpu_fail_per_1000_gpu_day > 0 ? r.gpu_fail_per_1000_gpu_day : default_fail_per_1000_gpu_day();
}

double cluster_mtbf_s(const Scenario& sc) {
  const double per_day = fail_per_1000_gpu_day(sc.reliability) / 1000.0 * sc.cluster.gpus();
  return per_day > 0 ? 86400.0 / per_day : 1e18;
}

double checkpoint_bytes(const Scenario& sc) { return 14.0 * parameters(sc.workload.model); }

double checkpoint_stall_s(const Scenario& sc) {
  const auto& st = sc.cluster.storage;
  if (st.checkpoint.async) {
    const double per_gpu = checkpoint_bytes(sc) / sc.cluster.gpus();
    return per_gpu / (std::max(sc.cluster.gpu.pcie_GBps, 1.0) * 1e9);
  }
  return checkpoint_bytes(sc) / (sc.cluster.nodes * st.write_GBps_per_node * 1e9);
}

double young_daly_interval_s(double delta_s, double mtbf_s) { return std::sqrt(2.0 * delta_s * mtbf_s); }

double checkpoint_interval_s(const Scenario& sc) {
  const double set = sc.cluster.storage.checkpoint.interval_min;
  if (set > 0) return set * 60.0;
  // An asynchronous checkpoint still has to reach storage before the next one starts.
  const double write_s = checkpoint_bytes(sc) / (sc.cluster.nodes * sc.cluster.storage.write_GBps_per_node * 1e9);
  return std::max(young_daly_interval_s(checkpoint_stall_s(sc), cluster_mtbf_s(sc)), write_s);
}

Goodput expected_goodput(const Scenario& sc) {
  Goodput g;
  g.delta_s = checkpoint_stall_s(sc);
  g.mtbf_s = cluster_mtbf_s(sc);
  g.interval_s = checkpoint_interval_s(sc);
  const double restart_s = sc.reliability.restart_min * 60.0;
  const double waste = g.delta_s / g.interval_s + (g.interval_s / 2.0 + restart_s) / g.mtbf_s;
  g.fraction = 1.0 / (1.0 + waste);
  return g;
}

}  // namespace trainsite::models
