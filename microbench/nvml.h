// NVML loaded at run time with dlopen("libnvidia-ml.so.1"), so the suite has no link dependency on
// the driver library and still runs (without power data) where NVML is missing.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace mb {

struct GpuSample {
  double power_w = 0;
  double sm_clock_mhz = 0;
  double mem_clock_mhz = 0;
  double util_pct = 0;
  double temp_c = 0;
};

class Nvml {
 public:
  Nvml();  // never throws; available() says whether it loaded
  ~Nvml();
  Nvml(const Nvml&) = delete;
  Nvml& operator=(const Nvml&) = delete;

  bool available() const { return ok_; }
  const std::string& why_unavailable() const { return why_; }
  std::string driver_version() const;
  // CUDA device ordinal -> NVML handle (matched by PCI bus id, since the orders can differ).
  bool bind(int cuda_dev);
  GpuSample sample(int cuda_dev) const;
  double power_limit_w(int cuda_dev) const;
  double max_sm_clock_mhz(int cuda_dev) const;
  double max_mem_clock_mhz(int cuda_dev) const;

 private:
  struct Api;
  void* lib_ = nullptr;
  Api* api_ = nullptr;
  bool ok_ = false;
  std::string why_;
  std::vector<void*> handles_;  // by CUDA ordinal
};

// Samples the given GPUs every 20 ms on a background thread; mean() averages the samples taken
// after `skip_s` (NVML power is a ~1 s moving average on recent GPUs, so the ramp is dropped).
class PowerSampler {
 public:
  PowerSampler(const Nvml& nvml, std::vector<int> devs, double skip_s);
  ~PowerSampler();
  GpuSample mean_per_gpu();  // stops sampling; averages over devices and samples

 private:
  const Nvml& nvml_;
  std::vector<int> devs_;
  double skip_s_;
  std::atomic<bool> stop_{false};
  std::vector<GpuSample> samples_;
  std::thread thread_;
};

}  // namespace mb
