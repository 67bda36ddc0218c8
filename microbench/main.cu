// trainsite-microbench: runs every benchmark section on the local GPUs and writes one JSON file
// (schema trainsite/microbench/v1) that `trainsite calibrate` and `trainsite validate --microbench`
// read. Each section has a wall-clock budget so the whole suite stays within a few minutes; a
// section that fails records "error: ..." and the others still run. The file is rewritten
// (atomically) after every section, so an interrupted run keeps what it measured.
//
//   trainsite-microbench --out out/microbench-h100.json [--quick] [--budget-s 300] [--gpus N]
//                        [--sections gemm,hbm,host,p2p,nccl,attention,elementwise,launch,power]
#include <cublasLt.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "mb.h"
#include "nvml.h"

namespace {

using namespace mb;

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string version_string(int v, int div_major, int div_minor) {
  return std::to_string(v / div_major) + "." + std::to_string((v % div_major) / div_minor);
}

std::string system_json(const Options& o, const Nvml& nvml) {
  cudaDeviceProp p{};
  MB_CUDA(cudaGetDeviceProperties(&p, 0));
  int drv = 0, rt = 0;
  cudaDriverGetVersion(&drv);
  cudaRuntimeGetVersion(&rt);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::vector<std::string> names, buses;
  for (int i = 0; i < o.gpus; ++i) {
    cudaDeviceProp q{};
    MB_CUDA(cudaGetDeviceProperties(&q, i));
    names.push_back(json_string(q.name));
    char bus[64] = {};
    cudaDeviceGetPCIBusId(bus, sizeof bus, i);
    buses.push_back(json_string(bus));
  }
  JObj clocks;
  clocks.num("sm_max_mhz", nvml.max_sm_clock_mhz(0)).num("mem_max_mhz", nvml.max_mem_clock_mhz(0));
  const GpuSample idle = nvml.sample(0);
  clocks.num("sm_now_mhz", idle.sm_clock_mhz).num("mem_now_mhz", idle.mem_clock_mhz);
  JObj s;
  s.str("hostname", host)
      .str("gpu_name", p.name)
      .integer("gpu_count", o.gpus)
      .raw(
          "gpu_names", "[" +
                           [&] {
                             std::string j;
                             for (size_t i = 0; i < names.size(); ++i) j += (i ? ", " : "") + names[i];
                             return j;
                           }() +
                           "]")
      .str("compute_capability", std::to_string(p.major) + "." + std::to_string(p.minor))
      .integer("sm_count", p.multiProcessorCount)
      .num("memory_GB", p.totalGlobalMem / 1e9)
      .integer("l2_bytes", p.l2CacheSize)
      .str("driver_version", nvml.driver_version())
      .str("cuda_driver_api", version_string(drv, 1000, 10))
      .str("cuda_runtime", version_string(rt, 1000, 10))
      .str("cublaslt", std::to_string(cublasLtGetVersion()))
      .str("nccl", nccl_version())
      .str("cudnn", cudnn_version())
      .num("power_limit_w", nvml.power_limit_w(0))
      .raw("clocks", clocks.dump())
      .str("nvml", nvml.available() ? "ok" : "unavailable: " + nvml.why_unavailable());
  std::string bus_list;
  for (size_t i = 0; i < buses.size(); ++i) bus_list += (i ? ", " : "") + buses[i];
  s.raw("pci_bus_ids", "[" + bus_list + "]");
  return s.dump();
}

// GPU power, clocks and utilization while one load runs (NVML sampling on a thread).
std::string power_record(const Nvml& nvml, const std::string& load, const std::string& cls,
                         std::vector<int> devs, double seconds, const std::function<double()>& work,
                         const std::string& work_unit) {
  PowerSampler sampler(nvml, devs, seconds * 0.45);
  const double merit = work ? work() : 0;
  if (!work) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const GpuSample m = sampler.mean_per_gpu();
  JObj r;
  r.str("load", load).str("class", cls).integer("gpus", long(devs.size())).num("power_w", m.power_w);
  r.num("power_limit_w", nvml.power_limit_w(devs.front())).num("sm_clock_mhz", m.sm_clock_mhz);
  r.num("mem_clock_mhz", m.mem_clock_mhz).num("gpu_util_pct", m.util_pct).num("temp_c", m.temp_c);
  if (work) r.num(work_unit, merit);
  return r.dump();
}

struct Args {
  std::string out = "out/microbench.json";
  double budget_s = 300;
  Options opt;
};

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + k);
      return argv[++i];
    };
    if (k == "--out")
      a.out = next();
    else if (k == "--budget-s")
      a.budget_s = std::stod(next());
    else if (k == "--quick")
      a.opt.quick = true;
    else if (k == "--gpus")
      a.opt.gpus = std::stoi(next());
    else if (k == "--sections") {
      std::stringstream ss(next());
      for (std::string s; std::getline(ss, s, ',');) a.opt.sections.push_back(s);
    } else if (k == "--check-cudnn-graphs") {
      // Offline check (no GPU needed): does cuDNN accept the attention graphs' nodes?
      std::fputs(check_attention_graphs().c_str(), stdout);
      std::exit(0);
    } else if (k == "-h" || k == "--help") {
      std::puts(
          "trainsite-microbench --out FILE.json [--quick] [--budget-s S] [--gpus N] "
          "[--sections gemm,hbm,host,p2p,nccl,attention,elementwise,launch,power]");
      std::exit(0);
    } else {
      throw std::runtime_error("unknown argument " + k);
    }
  }
  return a;
}

void write_atomic(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp);
    f << text;
    if (!f) throw std::runtime_error("cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  try {
    a = parse_args(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trainsite-microbench: %s\n", e.what());
    return 2;
  }
  const auto t0 = Clock::now();
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    // Still write the document, every requested section "skipped", so a batch job's output says why it
    // is empty; the exit code says nothing was measured.
    cudaGetLastError();
    const std::string why = "skipped: no CUDA GPU visible";
    std::string text =
        "{\n  \"schema\": \"trainsite/microbench/v1\",\n  \"source\": \"trainsite-microbench\",\n";
    text += "  \"created_utc\": " + json_string(utc_now()) +
            ",\n  \"system\": {\"gpu_count\": 0, \"cudnn\": " + json_string(cudnn_version()) + "}";
    for (const char* name :
         {"gemm", "hbm", "host", "p2p", "nccl", "attention", "elementwise", "launch", "power"})
      if (a.opt.wants(name))
        text += ",\n  " + json_string(name) + ": {\"status\": " + json_string(why) + ", \"results\": []}";
    text += "\n}\n";
    try {
      write_atomic(a.out, text);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "trainsite-microbench: %s\n", e.what());
    }
    std::fprintf(stderr, "trainsite-microbench: no CUDA GPU visible; wrote %s with every section skipped\n",
                 a.out.c_str());
    return 1;
  }
  Options& o = a.opt;
  o.gpus = o.gpus > 0 ? std::min(o.gpus, count) : count;
  Nvml nvml;
  for (int i = 0; i < o.gpus; ++i) nvml.bind(i);

  std::vector<std::pair<std::string, std::string>> doc;  // key, serialized value
  doc.push_back({"schema", json_string("trainsite/microbench/v1")});
  doc.push_back({"source", json_string("trainsite-microbench")});
  doc.push_back({"created_utc", json_string(utc_now())});
  doc.push_back({"quick", o.quick ? "true" : "false"});
  doc.push_back({"system", system_json(o, nvml)});
  auto flush = [&] {
    std::string text = "{\n";
    for (size_t i = 0; i < doc.size(); ++i)
      text += "  " + json_string(doc[i].first) + ": " + doc[i].second + (i + 1 < doc.size() ? ",\n" : "\n");
    text += "}\n";
    write_atomic(a.out, text);
  };
  flush();

  // Idle power first, before any load warms the GPUs.
  std::vector<std::string> power;
  std::vector<int> all;
  for (int i = 0; i < o.gpus; ++i) all.push_back(i);
  const bool power_on = o.wants("power") && nvml.available();
  if (power_on) power.push_back(power_record(nvml, "idle", "idle", all, 1.5, nullptr, ""));

  // Seconds per section at the default 300 s budget (scaled with --budget-s). Attention includes cuDNN's
  // run-time kernel compilation the first time a shape is planned.
  const double scale = a.budget_s / 300.0;
  const std::pair<const char*, double> shares[] = {{"gemm", 70},        {"hbm", 10},  {"host", 10},
                                                   {"p2p", 20},         {"nccl", 60}, {"attention", 90},
                                                   {"elementwise", 30}, {"launch", 5}};
  for (const auto& [name, share] : shares) {
    if (!o.wants(name)) continue;
    std::fprintf(stderr, "[%6.1f s] %s ...\n", seconds_since(t0), name);
    Section sec;
    try {
      const std::string n = name;
      const double b = share * scale;
      sec = n == "gemm"          ? run_gemm(o, b)
            : n == "hbm"         ? run_hbm(o, b)
            : n == "host"        ? run_host(o, b)
            : n == "p2p"         ? run_p2p(o, b)
            : n == "nccl"        ? run_nccl(o, b)
            : n == "attention"   ? run_attention(o, b)
            : n == "elementwise" ? run_elementwise(o, b)
                                 : run_launch(o, b);
    } catch (const std::exception& e) {
      sec.status = std::string("error: ") + e.what();
      cudaGetLastError();
    }
    std::fprintf(stderr, "[%6.1f s] %s: %s, %zu results\n", seconds_since(t0), name, sec.status.c_str(),
                 sec.results.size());
    doc.push_back({name, sec.dump()});
    flush();
  }

  Section pw;
  if (!o.wants("power")) {
    pw.status = "skipped: not requested";
  } else if (!nvml.available()) {
    pw.status = "skipped: NVML " + nvml.why_unavailable();
  } else {
    std::fprintf(stderr, "[%6.1f s] power ...\n", seconds_since(t0));
    const double secs = o.quick ? 1.5 : 3.0;
    cudaDeviceProp p{};
    cudaGetDeviceProperties(&p, 0);
    try {
      power.push_back(power_record(
          nvml, "gemm-bf16-8192", "compute", {0}, secs, [&] { return gemm_load(0, "bf16", secs); },
          "tflops"));
      if (p.major * 10 + p.minor >= 89)
        power.push_back(power_record(
            nvml, "gemm-fp8-8192", "compute", {0}, secs, [&] { return gemm_load(0, "fp8", secs); },
            "tflops"));
      power.push_back(power_record(
          nvml, "hbm-triad", "memory", {0}, secs, [&] { return hbm_load(0, secs); }, "GBps"));
      if (o.gpus >= 2)
        power.push_back(power_record(
            nvml, "nccl-all_reduce-256MB", "communication", all, secs,
            [&] { return nccl_allreduce_load(o.gpus, secs); }, "busbw_GBps"));
      else
        pw.status = "ok; communication load skipped: 1 GPU";
    } catch (const std::exception& e) {
      pw.status = std::string("error: ") + e.what();
    }
  }
  pw.results = power;
  doc.push_back({"power", pw.dump()});
  char rt[32];
  std::snprintf(rt, sizeof rt, "%.1f", seconds_since(t0));
  doc.push_back({"runtime_s", rt});
  flush();
  std::fprintf(stderr, "[%6.1f s] wrote %s\n", seconds_since(t0), a.out.c_str());
  return 0;
}
