// Per-kernel launch overhead on one stream, the fixed cost models::memory_bound_s and gemm_time_s add
// per kernel (Calibration::kernel_launch_s):
//   empty            back-to-back empty kernels (1 block of 32 threads): the issue rate of the stream
//   dependent_chain  back-to-back small kernels over every SM, each reading what the previous one wrote:
//                    the gap between dependent kernels plus a minimal body, what a chain of small
//                    elementwise kernels costs
//   graph_chain      the same chain captured once as a CUDA graph and launched as one graph (what CUDA
//                    graphs save; recorded for comparison, not used by the fit)
// Times are GPU time per kernel (CUDA events around the batch, median of 5 batches); host_enqueue_s is the
// CPU time of one launch call.
#include <cstdio>

#include "mb.h"

namespace mb {

namespace {

__global__ void empty_kernel() {}

__global__ void chain_kernel(float* p) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  p[i] = p[i] * 0.5f + 1.0f;
}

}  // namespace

Section run_launch(const Options& o, double budget_s) {
  Section sec;
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  cudaDeviceProp prop{};
  MB_CUDA(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));
  float* buf = nullptr;
  MB_CUDA(cudaMalloc(&buf, size_t(sms) * 128 * sizeof(float)));
  MB_CUDA(cudaMemsetAsync(buf, 0, size_t(sms) * 128 * sizeof(float), s));
  const int n = o.quick ? 1000 : 5000;

  auto record = [&](const char* kind, int grid, int block, double gpu_s, double host_s) {
    JObj r;
    r.str("kind", kind).integer("kernels", n).integer("grid", grid).integer("block", block);
    r.num("time_s_per_kernel", gpu_s / n);
    if (host_s > 0) r.num("host_enqueue_s", host_s / n);
    sec.results.push_back(r.dump());
  };
  // CPU time of enqueueing `n` launches (the stream drains between measurements).
  auto host_time = [&](const std::function<void()>& batch) {
    MB_CUDA(cudaStreamSynchronize(s));
    const auto t0 = Clock::now();
    batch();
    const double t = seconds_since(t0);
    MB_CUDA(cudaStreamSynchronize(s));
    return t;
  };

  auto empty_batch = [&] {
    for (int i = 0; i < n; ++i) empty_kernel<<<1, 32, 0, s>>>();
  };
  auto chain_batch = [&] {
    for (int i = 0; i < n; ++i) chain_kernel<<<sms, 128, 0, s>>>(buf);
  };
  const double t_empty = time_median(s, 0, 5, 1, empty_batch);
  record("empty", 1, 32, t_empty, host_time(empty_batch));
  MB_CUDA(cudaGetLastError());
  if (!budget.spent()) {
    const double t_chain = time_median(s, 0, 5, 1, chain_batch);
    record("dependent_chain", sms, 128, t_chain, host_time(chain_batch));
    MB_CUDA(cudaGetLastError());
  }
  if (!budget.spent()) {
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    MB_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeThreadLocal));
    chain_batch();
    MB_CUDA(cudaStreamEndCapture(s, &graph));
    MB_CUDA(cudaGraphInstantiate(&exec, graph, 0));
    const double t_graph = time_median(s, 0, 5, 1, [&] { MB_CUDA(cudaGraphLaunch(exec, s)); });
    record("graph_chain", sms, 128, t_graph, 0);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
  } else {
    sec.status = "partial: time budget spent";
  }
  cudaFree(buf);
  cudaStreamDestroy(s);
  return sec;
}

}  // namespace mb
