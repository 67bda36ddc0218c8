// Failures, checkpoints and goodput, in expectation (the campaign simulator in sim/ draws them).
#pragma once

#include "models/scenario.h"

namespace trainsite::models {

// Default failure rate from the published 54-day pre-training run on 16,384 H100 GPUs:
// 419 unexpected interruptions (Llama 3 paper, Dubey et al. 2024, §3.3.4, Table 5).
inline constexpr double kPublishedInterruptions = 419, kPublishedGpus = 16384, kPublishedDays = 54;
double default_fail_per_1000_gpu_day();

double fail_per_1000_gpu_day(const Reliability& r);
// Mean time between job interruptions for the whole cluster, seconds.
double cluster_mtbf_s(const Scenario& sc);
// Bytes of one checkpoint: 16-bit weights + fp32 master weights and Adam moments (14 B/param).
double checkpoint_bytes(const Scenario& sc);
// Time the training is stopped to write one checkpoint: all nodes write in parallel; async
// checkpointing only stalls for the copy of each GPU's shard to host memory over PCIe.
double checkpoint_stall_s(const Scenario& sc);
// Young/Daly first-order optimum: tau = sqrt(2·delta·M) (Young 1974, Daly 2006).
double young_daly_interval_s(double delta_s, double mtbf_s);
double checkpoint_interval_s(const Scenario& sc);

struct Goodput {
  double interval_s = 0;
  double delta_s = 0;
  double mtbf_s = 0;
  double fraction = 1;  // useful training time / wall-clock time
};
// Expected fraction of wall-clock time that advances training: per MTBF, one restart plus half an
// interval of lost work, and one checkpoint stall per interval (Daly 2006, first order).
Goodput expected_goodput(const Scenario& sc);

}  // namespace trainsite::models
