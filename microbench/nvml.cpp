#include "nvml.h"

#include <cuda_runtime.h>
#include <dlfcn.h>

#include <chrono>
#include <type_traits>

namespace mb {

namespace {
// The few NVML entry points used, with their documented C signatures (nvml.h, NVML API reference).
// nvmlReturn_t is an int-sized enum (0 = NVML_SUCCESS); nvmlDevice_t is an opaque pointer.
using Ret = int;
using Dev = void*;
struct Utilization {
  unsigned int gpu, memory;
};
constexpr int kClockSm = 1, kClockMem = 2, kTempGpu = 0;
}  // namespace

struct Nvml::Api {
  Ret (*init)();
  Ret (*shutdown)();
  Ret (*by_pci)(const char*, Dev*);
  Ret (*power)(Dev, unsigned int*);
  Ret (*limit)(Dev, unsigned int*);
  Ret (*clock)(Dev, int, unsigned int*);
  Ret (*max_clock)(Dev, int, unsigned int*);
  Ret (*util)(Dev, Utilization*);
  Ret (*temp)(Dev, int, unsigned int*);
  Ret (*driver)(char*, unsigned int);
};

Nvml::Nvml() {
  lib_ = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib_) {
    why_ = "libnvidia-ml.so.1 not found";
    return;
  }
  api_ = new Api{};
  bool all = true;
  auto sym = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib_, name));
    if (!fn) all = false;
  };
  sym(api_->init, "nvmlInit_v2");
  sym(api_->shutdown, "nvmlShutdown");
  sym(api_->by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
  sym(api_->power, "nvmlDeviceGetPowerUsage");
  sym(api_->limit, "nvmlDeviceGetEnforcedPowerLimit");
  sym(api_->clock, "nvmlDeviceGetClockInfo");
  sym(api_->max_clock, "nvmlDeviceGetMaxClockInfo");
  sym(api_->util, "nvmlDeviceGetUtilizationRates");
  sym(api_->temp, "nvmlDeviceGetTemperature");
  sym(api_->driver, "nvmlSystemGetDriverVersion");
  if (!all) {
    why_ = "NVML symbols missing";
    return;
  }
  if (api_->init() != 0) {
    why_ = "nvmlInit failed";
    return;
  }
  ok_ = true;
}

Nvml::~Nvml() {
  if (ok_) api_->shutdown();
  delete api_;
  if (lib_) dlclose(lib_);
}

std::string Nvml::driver_version() const {
  char buf[96] = {};
  if (!ok_ || api_->driver(buf, sizeof buf) != 0) return "";
  return buf;
}

bool Nvml::bind(int cuda_dev) {
  if (!ok_) return false;
  char bus[64] = {};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, cuda_dev) != cudaSuccess) return false;
  Dev h = nullptr;
  if (api_->by_pci(bus, &h) != 0) return false;
  if (handles_.size() <= size_t(cuda_dev)) handles_.resize(cuda_dev + 1, nullptr);
  handles_[cuda_dev] = h;
  return true;
}

GpuSample Nvml::sample(int d) const {
  GpuSample s;
  if (!ok_ || size_t(d) >= handles_.size() || !handles_[d]) return s;
  Dev h = handles_[d];
  unsigned int v = 0;
  if (api_->power(h, &v) == 0) s.power_w = v / 1000.0;
  if (api_->clock(h, kClockSm, &v) == 0) s.sm_clock_mhz = v;
  if (api_->clock(h, kClockMem, &v) == 0) s.mem_clock_mhz = v;
  if (api_->temp(h, kTempGpu, &v) == 0) s.temp_c = v;
  Utilization u{};
  if (api_->util(h, &u) == 0) s.util_pct = u.gpu;
  return s;
}

double Nvml::power_limit_w(int d) const {
  unsigned int v = 0;
  if (!ok_ || size_t(d) >= handles_.size() || !handles_[d] || api_->limit(handles_[d], &v) != 0) return 0;
  return v / 1000.0;
}

double Nvml::max_sm_clock_mhz(int d) const {
  unsigned int v = 0;
  if (!ok_ || size_t(d) >= handles_.size() || !handles_[d] || api_->max_clock(handles_[d], kClockSm, &v) != 0)
    return 0;
  return v;
}

double Nvml::max_mem_clock_mhz(int d) const {
  unsigned int v = 0;
  if (!ok_ || size_t(d) >= handles_.size() || !handles_[d] ||
      api_->max_clock(handles_[d], kClockMem, &v) != 0)
    return 0;
  return v;
}

PowerSampler::PowerSampler(const Nvml& nvml, std::vector<int> devs, double skip_s)
    : nvml_(nvml), devs_(std::move(devs)), skip_s_(skip_s) {
  thread_ = std::thread([this] {
    const auto t0 = std::chrono::steady_clock::now();
    while (!stop_.load()) {
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (t >= skip_s_)
        for (int d : devs_) samples_.push_back(nvml_.sample(d));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

PowerSampler::~PowerSampler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

GpuSample PowerSampler::mean_per_gpu() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  GpuSample m;
  if (samples_.empty()) return m;
  for (const auto& s : samples_) {
    m.power_w += s.power_w;
    m.sm_clock_mhz += s.sm_clock_mhz;
    m.mem_clock_mhz += s.mem_clock_mhz;
    m.util_pct += s.util_pct;
    m.temp_c += s.temp_c;
  }
  const double n = double(samples_.size());
  m.power_w /= n;
  m.sm_clock_mhz /= n;
  m.mem_clock_mhz /= n;
  m.util_pct /= n;
  m.temp_c /= n;
  return m;
}

}  // namespace mb
