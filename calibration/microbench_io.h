// Measurements for calibration and sub-model validation, in one schema (trainsite/microbench/v1):
// the JSON that microbench/ (trainsite-microbench) writes, and what the parsers make of other
// people's runs — standard nccl-tests output (all_reduce_perf, all_gather_perf, ...) and
// Megatron-LM training logs. Bad input is an InputError naming file:line.
#pragma once

#include <istream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainsite::calibration {

struct GemmRecord {
  std::string name, dtype;  // dtype: bf16 | fp16 | fp8
  double m = 0, n = 0, k = 0, batch = 1, time_s = 0;
};
struct MemoryRecord {  // HBM (copy, triad) and host↔device (h2d, d2h)
  std::string kind;
  double bytes = 0, time_s = 0;  // bytes moved (STREAM counting for copy/triad)
};
struct P2pRecord {
  int src = 0, dst = 0;
  double bytes = 0, time_s = 0, latency_s = 0;
};
struct CollectiveRecord {  // nccl-tests conventions for bytes and busbw
  std::string op;          // all_reduce | all_gather | reduce_scatter | alltoall | sendrecv
  int ranks = 0, nodes = 1;
  double bytes = 0, time_s = 0, algbw_GBps = 0, busbw_GBps = 0;
  bool in_place = false;
  int line = 0;  // source line for logs (0 for JSON)
};
struct PowerRecord {
  std::string load, cls;  // cls: idle | compute | memory | communication
  int gpus = 1;
  double power_w = 0, power_limit_w = 0, sm_clock_mhz = 0, tflops = 0;  // tflops: 0 when not a GEMM load
};
// One fused-attention call (microbench/attention.cu): heads already per GPU, BF16.
struct AttentionRecord {
  std::string name;
  std::string dtype = "bf16";  // bf16 | fp16: the model runs attention in 16 bit
  std::string direction;       // fwd | bwd
  std::string impl =
      "cudnn-sdpa";  // cudnn-sdpa (class from the GPU: calibration/fit.h) | fa1 | fa2 | fa3 | unfused
  double batch = 1, heads = 1, kv_heads = 1, seq_q = 0, seq_k = 0, head_dim = 0, head_dim_v = 0;
  bool causal = true;
  double time_s = 0;
};
// One memory-bound operator (microbench/elementwise.cu): the bytes its kernels move, as the file says.
struct ElementwiseRecord {
  std::string kind;  // layernorm_fwd, layernorm_bwd, rmsnorm_fwd, gelu_fwd, gelu_bwd, swiglu_fwd, ...
  double tokens = 0, hidden = 0, elements = 0;  // tokens/hidden 0 for the optimizer step
  double bytes = 0, time_s = 0;
  int kernels = 1;
};
// Back-to-back kernels on one stream (microbench/launch.cu).
struct LaunchRecord {
  std::string kind;  // empty | dependent_chain | graph_chain
  int kernels = 0;
  double time_s_per_kernel = 0;
};
struct TrainingRecord {  // one logged Megatron iteration
  long iteration = 0;
  double step_time_s = 0;
  double tflops_per_gpu = 0;  // 0 when the log has no throughput column
  double global_batch = 0;
  int line = 0;
};

struct Measurements {
  std::string file;
  std::string kind;  // microbench | nccl-tests | megatron-log
  std::string gpu_name, driver, cuda, nccl, cudnn;
  int gpu_count = 0;
  std::map<std::string, std::string> status;  // section -> "ok" / "skipped: ..." / ...
  std::vector<GemmRecord> gemm;
  std::vector<MemoryRecord> hbm, host;
  std::vector<P2pRecord> p2p;
  std::vector<CollectiveRecord> collectives;
  std::vector<PowerRecord> power;
  std::vector<AttentionRecord> attention;
  std::vector<ElementwiseRecord> elementwise;
  std::vector<LaunchRecord> launch;
  std::vector<TrainingRecord> training;
};

// What a log does not say about itself; 0/empty = infer (header lines, file name, busbw/algbw).
struct LogHints {
  std::string op;
  int ranks = 0;
  int nodes = 0;
};

Measurements load_microbench_json(const std::string& path);
Measurements parse_microbench_json(const std::string& text, const std::string& file);
Measurements parse_nccl_tests_log(std::istream& in, const std::string& file, const LogHints& hints = {});
Measurements parse_megatron_log(std::istream& in, const std::string& file);
// Any of the three, recognised by content (JSON object, nccl-tests columns, Megatron iterations).
Measurements load_measurements(const std::string& path, const LogHints& hints = {});

// The trainsite/microbench/v1 document for `m` (what trainsite-microbench writes), so parsed
// logs can be stored and re-read like a suite run.
nlohmann::ordered_json to_json(const Measurements& m);

}  // namespace trainsite::calibration
