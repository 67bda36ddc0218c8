// Shared pieces of the trainsite microbenchmark suite: error checks, a tiny JSON writer, the run
// budget, and the benchmark sections (each returns a JSON object {"status": ..., "results": [...]}).
// Host code only; kernels live in the .cu files.
#pragma once

#include <cuda_runtime.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mb {

struct CudaError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void cuda_check(cudaError_t e, const char* what, const char* file, int line);
#define MB_CUDA(x) ::mb::cuda_check((x), #x, __FILE__, __LINE__)

// A JSON object built key by key, in insertion order (so runs diff cleanly).
class JObj {
 public:
  JObj& num(const std::string& k, double v);
  JObj& integer(const std::string& k, long long v);
  JObj& str(const std::string& k, const std::string& v);
  JObj& raw(const std::string& k, const std::string& json);  // already-serialized value
  std::string dump() const { return "{" + body_ + "}"; }

 private:
  void key(const std::string& k);
  std::string body_;
};
std::string json_string(const std::string& s);
std::string json_array(const std::vector<std::string>& items, const std::string& indent = "");

// Section result: status is "ok", "skipped: <why>", "partial: <why>" or "error: <what>".
struct Section {
  std::string status = "ok";
  std::vector<std::string> results;  // serialized JSON objects
  std::string dump() const;
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0);

// Wall-clock budget of one section: benchmarks stop adding work once it is spent.
struct Budget {
  Clock::time_point start = Clock::now();
  double seconds = 30;
  bool spent() const { return seconds_since(start) > seconds; }
};

// Iterations that make one timed batch last about `target_s`, from one probe of `probe_s`.
int iterations_for(double probe_s, double target_s, int min_iters, int max_iters);

double median(std::vector<double> v);

// Median over `repeats` timed batches of the mean seconds per call of `op` on stream `s`, measured
// with CUDA events after one warm-up call; each batch runs enough calls to last about `target_s`.
// The median keeps one slow batch (clock ramp, a neighbour's burst) from moving the figure.
template <class Op>
double time_median(cudaStream_t s, double target_s, int repeats, int max_iters, Op op) {
  cudaEvent_t e0, e1;
  MB_CUDA(cudaEventCreate(&e0));
  MB_CUDA(cudaEventCreate(&e1));
  op();  // warm-up: lazy module loading, plan caches, clocks
  MB_CUDA(cudaEventRecord(e0, s));
  op();
  MB_CUDA(cudaEventRecord(e1, s));
  MB_CUDA(cudaEventSynchronize(e1));
  float ms = 0;
  MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
  const int iters = iterations_for(ms * 1e-3, target_s, 1, max_iters);
  std::vector<double> per_call;
  for (int r = 0; r < repeats; ++r) {
    MB_CUDA(cudaEventRecord(e0, s));
    for (int i = 0; i < iters; ++i) op();
    MB_CUDA(cudaEventRecord(e1, s));
    MB_CUDA(cudaEventSynchronize(e1));
    MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    per_call.push_back(ms * 1e-3 / iters);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  return median(per_call);
}

// Fill a device buffer with deterministic pseudo-random values of the element type
// ("f32", "bf16", "f16", "fp8e4m3"), so tensor cores see realistic data (zeros draw less power).
void fill_random(void* p, size_t elems, const std::string& type, uint32_t seed, cudaStream_t s);

struct Options {
  int gpus = 0;        // visible GPUs used
  bool quick = false;  // fewer shapes and sizes (smoke test)
  std::vector<std::string> sections;
  bool wants(const std::string& s) const;
};

// Benchmark sections (gemm.cu, memory.cu, collectives.cu, attention.cu, elementwise.cu, launch.cu).
Section run_gemm(const Options& o, double budget_s);
Section run_attention(const Options& o, double budget_s);    // cuDNN fused SDPA, fwd and bwd
Section run_elementwise(const Options& o, double budget_s);  // norms, activations, FP8 cast, Adam
Section run_launch(const Options& o, double budget_s);       // per-kernel launch overhead
std::string cudnn_version();                                 // "" when cuDNN cannot be loaded
// Builds every attention graph variant's nodes without a GPU (--check-cudnn-graphs): a report per variant.
std::string check_attention_graphs();
Section run_hbm(const Options& o, double budget_s);
Section run_host(const Options& o, double budget_s);
Section run_p2p(const Options& o, double budget_s);
Section run_nccl(const Options& o, double budget_s);
std::string nccl_version();

// Sustained loads for the power section: run until `seconds` have passed, return a figure of merit
// (TFLOP/s, GB/s) of the work done.
double gemm_load(int dev, const std::string& dtype, double seconds);
double hbm_load(int dev, double seconds);
double nccl_allreduce_load(int gpus, double seconds);  // all local GPUs; 0 when unavailable

}  // namespace mb
