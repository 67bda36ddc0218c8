// HBM bandwidth (STREAM copy and triad), host↔device over PCIe with pinned memory, and NVLink
// peer-to-peer bandwidth and latency between every ordered GPU pair.
//
// Bytes counted as STREAM does (McCalpin): copy moves 2 arrays (read + write), triad 3.
#include <cstdio>

#include "mb.h"

namespace mb {

namespace {

__global__ void copy_kernel(const float4* __restrict__ a, float4* __restrict__ b, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x)
    b[i] = a[i];
}

__global__ void triad_kernel(float4* __restrict__ a, const float4* __restrict__ b,
                             const float4* __restrict__ c, float s, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const float4 x = b[i], y = c[i];
    a[i] = make_float4(x.x + s * y.x, x.y + s * y.y, x.z + s * y.z, x.w + s * y.w);
  }
}

// Mean seconds of `op` over a batch lasting about `target_s` on stream `s` (after one warm-up).
template <class Op>
double time_on_stream(cudaStream_t s, double target_s, int max_iters, Op op) {
  cudaEvent_t e0, e1;
  MB_CUDA(cudaEventCreate(&e0));
  MB_CUDA(cudaEventCreate(&e1));
  op();
  MB_CUDA(cudaEventRecord(e0, s));
  op();
  MB_CUDA(cudaEventRecord(e1, s));
  MB_CUDA(cudaEventSynchronize(e1));
  float ms = 0;
  MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
  const int iters = iterations_for(ms * 1e-3, target_s, 3, max_iters);
  MB_CUDA(cudaEventRecord(e0, s));
  for (int i = 0; i < iters; ++i) op();
  MB_CUDA(cudaEventRecord(e1, s));
  MB_CUDA(cudaEventSynchronize(e1));
  MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return ms * 1e-3 / iters;
}

int grid_for(int dev) {
  int sms = 0;
  MB_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
  return sms * 8;
}

}  // namespace

Section run_hbm(const Options& o, double budget_s) {
  Section sec;
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  const int grid = grid_for(0);
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));
  // Arrays well above the L2 (50 MB on H100, 40 MB on A100) so traffic reaches HBM.
  std::vector<size_t> sizes = {size_t(64) << 20, size_t(256) << 20, size_t(1) << 30};
  if (o.quick) sizes.resize(2);
  for (size_t bytes : sizes) {
    if (budget.spent()) {
      sec.status = "partial: time budget spent";
      break;
    }
    const size_t n4 = bytes / sizeof(float4);
    float4 *a, *b, *c;
    MB_CUDA(cudaMalloc(&a, bytes));
    MB_CUDA(cudaMalloc(&b, bytes));
    MB_CUDA(cudaMalloc(&c, bytes));
    fill_random(a, bytes / 4, "f32", 3, s);
    fill_random(b, bytes / 4, "f32", 4, s);
    fill_random(c, bytes / 4, "f32", 5, s);
    const double t_copy = time_on_stream(s, 0.03, 500, [&] { copy_kernel<<<grid, 256, 0, s>>>(a, b, n4); });
    const double t_triad =
        time_on_stream(s, 0.03, 500, [&] { triad_kernel<<<grid, 256, 0, s>>>(a, b, c, 3.0f, n4); });
    MB_CUDA(cudaGetLastError());
    sec.results.push_back(JObj()
                              .str("kind", "copy")
                              .integer("array_bytes", bytes)
                              .integer("bytes", 2 * bytes)
                              .num("time_s", t_copy)
                              .num("GBps", 2.0 * bytes / t_copy / 1e9)
                              .dump());
    sec.results.push_back(JObj()
                              .str("kind", "triad")
                              .integer("array_bytes", bytes)
                              .integer("bytes", 3 * bytes)
                              .num("time_s", t_triad)
                              .num("GBps", 3.0 * bytes / t_triad / 1e9)
                              .dump());
    cudaFree(a);
    cudaFree(b);
    cudaFree(c);
  }
  cudaStreamDestroy(s);
  return sec;
}

double hbm_load(int dev, double seconds) {
  MB_CUDA(cudaSetDevice(dev));
  const int grid = grid_for(dev);
  const size_t bytes = size_t(1) << 30, n4 = bytes / sizeof(float4);
  float4 *a, *b, *c;
  MB_CUDA(cudaMalloc(&a, bytes));
  MB_CUDA(cudaMalloc(&b, bytes));
  MB_CUDA(cudaMalloc(&c, bytes));
  fill_random(b, bytes / 4, "f32", 4, nullptr);
  fill_random(c, bytes / 4, "f32", 5, nullptr);
  const auto t0 = Clock::now();
  long runs = 0;
  while (seconds_since(t0) < seconds) {
    for (int i = 0; i < 20; ++i) triad_kernel<<<grid, 256>>>(a, b, c, 3.0f, n4);
    runs += 20;
    MB_CUDA(cudaDeviceSynchronize());
  }
  const double GBps = 3.0 * bytes * runs / seconds_since(t0) / 1e9;
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  return GBps;
}

Section run_host(const Options& o, double budget_s) {
  Section sec;
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  const size_t max_bytes = size_t(256) << 20;
  void *h, *d;
  MB_CUDA(cudaHostAlloc(&h, max_bytes, cudaHostAllocDefault));
  MB_CUDA(cudaMalloc(&d, max_bytes));
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));
  std::vector<size_t> sizes = {size_t(64) << 10, size_t(1) << 20, size_t(16) << 20, max_bytes};
  if (o.quick) sizes = {size_t(1) << 20, size_t(64) << 20};
  for (size_t bytes : sizes) {
    if (budget.spent()) {
      sec.status = "partial: time budget spent";
      break;
    }
    const double h2d = time_on_stream(
        s, 0.03, 1000, [&] { MB_CUDA(cudaMemcpyAsync(d, h, bytes, cudaMemcpyHostToDevice, s)); });
    const double d2h = time_on_stream(
        s, 0.03, 1000, [&] { MB_CUDA(cudaMemcpyAsync(h, d, bytes, cudaMemcpyDeviceToHost, s)); });
    sec.results.push_back(JObj()
                              .str("kind", "h2d")
                              .str("memory", "pinned")
                              .integer("bytes", bytes)
                              .num("time_s", h2d)
                              .num("GBps", bytes / h2d / 1e9)
                              .dump());
    sec.results.push_back(JObj()
                              .str("kind", "d2h")
                              .str("memory", "pinned")
                              .integer("bytes", bytes)
                              .num("time_s", d2h)
                              .num("GBps", bytes / d2h / 1e9)
                              .dump());
  }
  cudaStreamDestroy(s);
  cudaFree(d);
  cudaFreeHost(h);
  return sec;
}

Section run_p2p(const Options& o, double budget_s) {
  Section sec;
  if (o.gpus < 2) {
    sec.status = "skipped: 1 GPU";
    return sec;
  }
  Budget budget{Clock::now(), budget_s};
  const size_t bytes = o.quick ? size_t(32) << 20 : size_t(256) << 20;
  std::vector<void*> buf(o.gpus);
  for (int i = 0; i < o.gpus; ++i) {
    MB_CUDA(cudaSetDevice(i));
    MB_CUDA(cudaMalloc(&buf[i], bytes));
    fill_random(buf[i], bytes / 4, "f32", 6 + i, nullptr);
  }
  for (int i = 0; i < o.gpus; ++i) {
    for (int j = 0; j < o.gpus; ++j) {
      if (i == j) continue;
      if (budget.spent()) {
        sec.status = "partial: time budget spent";
        break;
      }
      int can = 0;
      MB_CUDA(cudaDeviceCanAccessPeer(&can, i, j));
      JObj r;
      r.integer("src", i).integer("dst", j).integer("peer_access", can);
      MB_CUDA(cudaSetDevice(i));
      if (can) {
        const cudaError_t e = cudaDeviceEnablePeerAccess(j, 0);
        if (e != cudaSuccess && e != cudaErrorPeerAccessAlreadyEnabled) MB_CUDA(e);
        cudaGetLastError();
      }
      cudaStream_t s;
      MB_CUDA(cudaStreamCreate(&s));
      const double t =
          time_on_stream(s, 0.02, 200, [&] { MB_CUDA(cudaMemcpyPeerAsync(buf[j], j, buf[i], i, bytes, s)); });
      const double lat =
          time_on_stream(s, 0.005, 2000, [&] { MB_CUDA(cudaMemcpyPeerAsync(buf[j], j, buf[i], i, 8, s)); });
      r.integer("bytes", bytes).num("time_s", t).num("GBps", bytes / t / 1e9).num("latency_s", lat);
      sec.results.push_back(r.dump());
      cudaStreamDestroy(s);
    }
  }
  for (int i = 0; i < o.gpus; ++i) {
    cudaSetDevice(i);
    cudaFree(buf[i]);
  }
  return sec;
}

}  // namespace mb
