// Fused attention forward and backward through cuDNN 9's SDPA (FlashAttention-class kernels), BF16,
// timed per call with CUDA events (median of 5 batches after a warm-up).
//
// The graph (microbench/sdpa_graph.h) is cuDNN's documented fused-attention pattern, built node by node
// with the backend API (the cudnn-frontend C++ wrapper, which builds the same graph, is not needed).
// cuDNN's runtime-fusion SDPA engines recognise the pattern and run one fused kernel (plus small
// pre/post kernels in the backward). Intermediate types the engines accept are not documented
// exhaustively, so a few variants are tried in order and the one that builds is recorded per record
// ("graph", with the engine's global index and the plan's JSON); cuDNN 9's own SDPA operation node is
// the last variant (forward, non-causal only: the node has no causal attribute in the public headers,
// and its backward is not implemented in 9.19). Nothing else is substituted: a shape no variant builds
// records its cuDNN error, never a different implementation.
//
// Checked without a GPU (`trainsite-microbench --check-cudnn-graphs`, cuDNN 9.19, with a stub
// libcuda.so.1 on LD_LIBRARY_PATH so the runtime-compiled engines get as far as NVRTC): cuDNN tags
// these graphs SDPA_FWD / SDPA_BWD, and for sm80 and sm90 device properties its engines compile a kernel
// for the forward (16-bit P; a float P is refused) and the backward, causal and not. Whether they run,
// and how fast, only a GPU can say: this section has not been run on hardware yet.
//
// FLOPs in "flops"/"tflops" are the kernel FLOPs trainsite's model counts (models/step/attention.cpp,
// attention_fwd_flops / attention_bwd_flops): whole 128×128 blocks, causal blocks above the diagonal
// skipped, 2·(d + d_v) per score element forward and 2·(3d + 2d_v) backward.
#include <cuda_bf16.h>
#include <dlfcn.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>

#include "mb.h"

#if MB_HAVE_CUDNN
#include "cudnn_api.h"
#include "sdpa_graph.h"
#endif

namespace mb {

namespace {

struct Point {
  long b, h, sq, sk, d, dv;
  bool causal;
  const char* size;  // "large" | "small" (under one wave)
};

// Key blocks a causal kernel visits over the query blocks of one (sequence, head), queries aligned to
// the end of the keys: the same count as models::attention_block_pairs.
double block_pairs(const Point& s, double bq = 128, double bk = 128) {
  const double rows = std::ceil(s.sq / bq), cols = std::ceil(s.sk / bk);
  if (!s.causal) return rows * cols;
  const double offset = std::max(0.0, double(s.sk - s.sq));
  double pairs = 0;
  for (double i = 0; i < rows; ++i)
    pairs += std::min(cols, std::ceil((offset + std::min(double(s.sq), (i + 1) * bq)) / bk));
  return pairs;
}
double fwd_flops(const Point& s) {
  return s.b * s.h * block_pairs(s) * 128 * 128 * 2.0 * (s.d + s.dv);
}
double bwd_flops(const Point& s) {
  return s.b * s.h * block_pairs(s) * 128 * 128 * 2.0 * (3 * s.d + 2 * s.dv);
}

// Large problems: 16 heads and batch × seq = 128k tokens (many waves). Small ones: one sequence and as
// many heads as keep the 128-row query tiles under one wave of the SMs. Head dim 128 first, so a budget
// that runs out loses the less common head dim 64; one 32k-token point per mask.
std::vector<Point> attention_shapes(bool quick, int sms) {
  std::vector<Point> out;
  const std::vector<long> seqs =
      quick ? std::vector<long>{512, 2048, 8192} : std::vector<long>{512, 1024, 2048, 4096, 8192, 16384};
  const std::vector<long> dims = quick ? std::vector<long>{128} : std::vector<long>{128, 64};
  for (long d : dims) {
    for (const char* size : {"large", "small"}) {
      if (quick && size[0] == 's') continue;
      for (long s : seqs)
        for (bool causal : {true, false}) {
          const long q_tiles = (s + 127) / 128;
          Point x{1, 16, s, s, d, d, causal, size};
          if (size[0] == 'l') {
            x.b = std::max(1L, (1L << 17) / s);
          } else {
            x.h = std::max(1L, long(0.9 * sms) / q_tiles);
          }
          out.push_back(x);
        }
      if (!quick && d == 128 && size[0] == 'l')
        for (bool causal : {true, false}) out.push_back({1, 16, 32768, 32768, 128, 128, causal, "large"});
    }
  }
  return out;
}

std::string shape_name(const Point& s) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "sdpa.b%ld.h%ld.s%ld.d%ld.%s", s.b, s.h, s.sq, s.d,
                s.causal ? "causal" : "full");
  return buf;
}

}  // namespace

#if !MB_HAVE_CUDNN

std::string cudnn_version() {
  return "";
}
std::string check_attention_graphs() {
  return "built without the cuDNN headers";
}

Section run_attention(const Options&, double) {
  Section sec;
  sec.status = "skipped: built without the cuDNN headers (cudnn.h not found at configure time)";
  return sec;
}

#else

std::string cudnn_version() {
  return cudnn::version_string();
}

namespace {

using cudnn::Graph;
using namespace sdpa;  // unique ids of the graph's tensors (kQ, kK, ...), build_fwd, build_bwd

sdpa::Shape graph_shape(const Point& s) {
  return {s.b, s.h, s.sq, s.sk, s.d, s.dv, s.causal};
}

struct Buffers {
  void *q = nullptr, *k = nullptr, *v = nullptr, *o = nullptr, *dO = nullptr, *dQ = nullptr, *dK = nullptr,
       *dV = nullptr, *stats = nullptr, *sum = nullptr, *ws = nullptr;
  size_t ws_bytes = 0;
  explicit Buffers(const Point& s) {
    const size_t q_elems = size_t(s.b) * s.h * s.sq * s.d, k_elems = size_t(s.b) * s.h * s.sk * s.d;
    const size_t v_elems = size_t(s.b) * s.h * s.sk * s.dv, o_elems = size_t(s.b) * s.h * s.sq * s.dv;
    const size_t rows = size_t(s.b) * s.h * s.sq;
    try {
      for (auto [p, bytes] : {std::pair{&q, q_elems * 2},
                              {&k, k_elems * 2},
                              {&v, v_elems * 2},
                              {&o, o_elems * 2},
                              {&dO, o_elems * 2},
                              {&dQ, q_elems * 2},
                              {&dK, k_elems * 2},
                              {&dV, v_elems * 2},
                              {&stats, rows * 4},
                              {&sum, rows * 4}})
        MB_CUDA(cudaMalloc(p, bytes));
    } catch (...) {
      release();
      throw;
    }
    fill_random(q, q_elems, "bf16", 21, nullptr);
    fill_random(k, k_elems, "bf16", 22, nullptr);
    fill_random(v, v_elems, "bf16", 23, nullptr);
    fill_random(dO, o_elems, "bf16", 24, nullptr);
  }
  void workspace(int64_t bytes) {
    if (size_t(bytes) <= ws_bytes) return;
    cudaFree(ws);
    ws = nullptr;
    MB_CUDA(cudaMalloc(&ws, size_t(bytes)));
    ws_bytes = size_t(bytes);
  }
  void release() {
    for (void* p : {q, k, v, o, dO, dQ, dK, dV, stats, sum, ws}) cudaFree(p);
    q = k = v = o = dO = dQ = dK = dV = stats = sum = ws = nullptr;
  }
  ~Buffers() { release(); }
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
};

struct Built {
  cudnn::Plan plan;
  const sdpa::Variant* variant = nullptr;
};

// The first variant whose graph an engine builds, starting from the one that worked last time for
// this (direction, mask) so later shapes skip the failed attempts.
Built build(cudnnHandle_t h, const Point& s, bool backward, size_t& first, std::string& errors) {
  const auto& variants = sdpa::variants();
  const size_t n = variants.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (first + k) % n;
    const sdpa::Variant& v = variants[i];
    if (v.node && (s.causal || backward)) continue;
    try {
      Graph g(h);
      if (backward)
        build_bwd(g, graph_shape(s), v);
      else
        build_fwd(g, graph_shape(s), v);
      Built b{g.plan(), &v};
      first = i;
      return b;
    } catch (const cudnn::Error& e) {
      if (errors.size() < 1500) errors += std::string(errors.empty() ? "" : " | ") + v.name + ": " + e.what();
    }
  }
  return {};
}

// Device properties of an H100 SXM5 and an A100 SXM4 in cuDNN's device-property JSON (the fields of
// cudaDeviceProp it reads; values from the CUDA occupancy tables and the datasheets), so the check can ask
// the heuristics and build plans without a GPU.
const char* kOfflineDevices[][2] = {
    {"sm90 (H100 SXM5)",
     R"({"maxGridSize": [2147483647, 65535, 65535], "maxBlockSize": [1024, 1024, 64], "regsPerBlock": 65536,
        "multiProcessorCount": 132, "warpSize": 32, "maxSharedMemoryPerBlock": 49152,
        "maxSharedMemoryPerBlockOptin": 232448, "reservedSharedMemoryPerBlock": 1024, "maxRegistersPerSM": 65536,
        "maxCtasPerSM": 32, "maxThreadsPerBlock": 1024, "maxThreadsPerSM": 2048, "pciDeviceId": 0,
        "isTccDriver": 0, "supportCoopLaunch": 1, "totalGlobalMem": 85520809984, "smClockRateKHz": 1980000,
        "memClockRateKHz": 2619000, "l2CacheSize": 52428800, "cudaDeviceId": 0, "deviceVer": 900,
        "driverVer": 13000, "deviceName": "NVIDIA H100 80GB HBM3"})"},
    {"sm80 (A100 SXM4)",
     R"({"maxGridSize": [2147483647, 65535, 65535], "maxBlockSize": [1024, 1024, 64], "regsPerBlock": 65536,
        "multiProcessorCount": 108, "warpSize": 32, "maxSharedMemoryPerBlock": 49152,
        "maxSharedMemoryPerBlockOptin": 166912, "reservedSharedMemoryPerBlock": 1024, "maxRegistersPerSM": 65536,
        "maxCtasPerSM": 32, "maxThreadsPerBlock": 1024, "maxThreadsPerSM": 2048, "pciDeviceId": 0,
        "isTccDriver": 0, "supportCoopLaunch": 1, "totalGlobalMem": 85899345920, "smClockRateKHz": 1410000,
        "memClockRateKHz": 1593000, "l2CacheSize": 41943040, "cudaDeviceId": 0, "deviceVer": 800,
        "driverVer": 13000, "deviceName": "NVIDIA A100-SXM4-80GB"})"},
};

}  // namespace

std::string check_attention_graphs() {
  std::string why;
  if (!cudnn::load(&why)) return "cuDNN unavailable: " + why;
  std::string out = "cuDNN " + cudnn::version_string() + "; shape b2 h4 s1024 d128, BF16\n";
  if (void* cu = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL))
    dlclose(cu);
  else
    out +=
        "note: no libcuda.so.1 (no GPU driver): cuDNN filters out its runtime-compiled engines, which\n"
        "include the SDPA ones; put the CUDA toolkit's stub (lib/stubs/libcuda.so, linked as\n"
        "libcuda.so.1) on LD_LIBRARY_PATH to let them compile\n";
  for (bool backward : {false, true})
    for (bool causal : {true, false})
      for (const sdpa::Variant& v : sdpa::variants()) {
        if (v.node && (causal || backward)) continue;
        const Point s{2, 4, 1024, 1024, 128, 128, causal, "large"};
        out += std::string(backward ? "bwd " : "fwd ") + (causal ? "causal " : "full   ") + v.name + ":";
        Graph g(nullptr);
        try {
          if (backward)
            build_bwd(g, graph_shape(s), v);
          else
            build_fwd(g, graph_shape(s), v);
          g.finalize_graph();
          out += " graph ok\n";
        } catch (const cudnn::Error& e) {
          out += std::string(" ") + e.what() + "\n";
          continue;
        }
        for (const auto& [device, json] : kOfflineDevices) {
          out += std::string("    ") + device + ": ";
          try {
            const cudnn::Plan p = g.plan_for_device(json);
            out += "plan with engine " + std::to_string(p.engine) + ", workspace " +
                   std::to_string(p.workspace_bytes) + " B" +
                   (p.json.empty() ? "" : ", " + p.json.substr(0, 160)) + "\n";
          } catch (const cudnn::Error& e) {
            // Without a GPU driver a plan cannot load its kernel: an engine that got as far as compiling it
            // (CUDA_DRIVER error at module load) has accepted the graph.
            const std::string msg = e.what();
            std::string accepted;
            for (size_t at = msg.find("engine "); at != std::string::npos; at = msg.find("engine ", at + 1)) {
              const char c = at + 7 < msg.size() ? msg[at + 7] : ' ';
              if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-')
                continue;  // "engine <index>: ..."
              const size_t colon = msg.find(':', at), next = msg.find("; engine ", at + 1);
              if (colon == std::string::npos) break;
              const std::string what =
                  msg.substr(colon, next == std::string::npos ? std::string::npos : next - colon);
              if (what.find("EXECUTION_FAILED_CUDA_DRIVER") != std::string::npos)
                accepted += (accepted.empty() ? "" : ", ") + msg.substr(at + 7, colon - at - 7);
            }
            out += accepted.empty() ? msg.substr(0, 400) + "\n"
                                    : "accepted: engine " + accepted +
                                          " compiled a kernel (loading it needs a GPU driver)\n";
          }
        }
      }
  return out;
}

Section run_attention(const Options& o, double budget_s) {
  Section sec;
  std::string why;
  if (!cudnn::load(&why)) {
    sec.status = "skipped: " + why;
    return sec;
  }
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  cudaDeviceProp prop{};
  MB_CUDA(cudaGetDeviceProperties(&prop, 0));
  cudaStream_t stream;
  MB_CUDA(cudaStreamCreate(&stream));
  cudnn::Handle handle;
  handle.set_stream(stream);
  const double target_s = o.quick ? 0.004 : 0.02;
  std::map<std::pair<bool, bool>, size_t> first;  // (backward, causal) -> variant index that built last
  int skipped = 0, failed = 0;
  for (const Point& s : attention_shapes(o.quick, prop.multiProcessorCount)) {
    if (budget.spent()) {
      skipped += 2;
      continue;
    }
    auto record = [&](const char* dir) {
      JObj r;
      r.str("name", shape_name(s)).str("dtype", "bf16").integer("batch", s.b).integer("heads", s.h);
      r.integer("kv_heads", s.h).integer("seq_q", s.sq).integer("seq_k", s.sk).integer("head_dim", s.d);
      r.integer("head_dim_v", s.dv).raw("causal", s.causal ? "true" : "false").str("direction", dir);
      r.str("impl", "cudnn-sdpa").str("size", s.size);
      return r;
    };
    std::unique_ptr<Buffers> buf;
    try {
      buf = std::make_unique<Buffers>(s);
    } catch (const CudaError& e) {
      cudaGetLastError();
      for (const char* dir : {"fwd", "bwd"}) sec.results.push_back(record(dir).str("error", e.what()).dump());
      failed += 2;
      continue;
    }
    float scale = 1.0f / std::sqrt(float(s.d));
    float lowest = std::numeric_limits<float>::lowest();
    bool fwd_ok = false;
    for (bool backward : {false, true}) {
      JObj r = record(backward ? "bwd" : "fwd");
      if (backward && !fwd_ok) {
        sec.results.push_back(r.str("error", "no forward plan to produce O and the softmax stats").dump());
        ++failed;
        continue;
      }
      std::string errors;
      const Built b = build(handle.get(), s, backward, first[{backward, s.causal}], errors);
      if (!b.variant) {
        sec.results.push_back(r.str("error", errors).dump());
        ++failed;
        continue;
      }
      try {
        buf->workspace(b.plan.workspace_bytes);
        // The pattern reads K and V through transposed views (kKT, kVT bound to the same memory); the
        // SDPA node takes them as they are.
        using Bind = std::vector<std::pair<int64_t, void*> >;
        Bind bind = {{kQ, buf->q}, {kO, buf->o}, {kStats, buf->stats}, {kScale, &scale}};
        const Bind extra = b.variant->node ? Bind{{kK, buf->k}, {kV, buf->v}}
                           : backward ? Bind{{kK, buf->k}, {kKT, buf->k}, {kVT, buf->v}, {kSum, buf->sum}}
                                      : Bind{{kKT, buf->k}, {kV, buf->v}};
        bind.insert(bind.end(), extra.begin(), extra.end());
        if (s.causal && !b.variant->node) bind.push_back({kNegInf, &lowest});
        if (backward)
          bind.insert(bind.end(), {{kDO, buf->dO}, {kDQ, buf->dQ}, {kDK, buf->dK}, {kDV, buf->dV}});
        const cudnn::DescPtr pack = cudnn::variant_pack(bind, buf->ws);
        const double t =
            time_median(stream, target_s, 5, 1000, [&] { cudnn::execute(handle, b.plan, *pack); });
        const double flops = backward ? bwd_flops(s) : fwd_flops(s);
        r.num("time_s", t).num("flops", flops).num("tflops", flops / t / 1e12);
        r.str("graph", b.variant->name).integer("cudnn_engine", b.plan.engine);
        if (!b.plan.json.empty()) r.str("cudnn_plan", b.plan.json);
        if (!backward) fwd_ok = true;
      } catch (const std::exception& e) {
        cudaGetLastError();
        r.str("error", e.what());
        ++failed;
      }
      sec.results.push_back(r.dump());
    }
  }
  cudaStreamDestroy(stream);
  if (skipped) sec.status = "partial: time budget spent, " + std::to_string(skipped) + " records not run";
  if (failed)
    sec.status = (sec.status == "ok" ? std::string("partial") : sec.status) + "; " + std::to_string(failed) +
                 " records with a cuDNN error (see their \"error\")";
  return sec;
}

#endif  // MB_HAVE_CUDNN

}  // namespace mb
