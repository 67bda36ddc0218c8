// NCCL collectives across the local GPUs, single process (ncclCommInitAll), timed like nccl-tests:
// a batch of operations launched on every rank's stream, host wall clock from launch to the last
// stream's completion, divided by the batch size.
//
// Sizes and bus bandwidth follow nccl-tests' conventions (doc/PERFORMANCE.md) so recorded runs and
// published logs land in the same JSON:
//   all_reduce      bytes = per-rank buffer            busbw = algbw · 2(n−1)/n
//   all_gather      bytes = gathered (output) size     busbw = algbw · (n−1)/n
//   reduce_scatter  bytes = input size                 busbw = algbw · (n−1)/n
//   alltoall        bytes = per-rank send buffer       busbw = algbw · (n−1)/n
//   sendrecv        bytes = per-rank message (ring)    busbw = algbw
#include <cstdio>

#include "mb.h"

#if MB_HAVE_NCCL
#include <nccl.h>
#endif

namespace mb {

#if MB_HAVE_NCCL

namespace {

void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw CudaError(std::string(what) + ": " + ncclGetErrorString(r));
}
#define MB_NCCL(x) nccl_check((x), #x)

struct Group {
  int n = 0;
  std::vector<ncclComm_t> comms;
  std::vector<cudaStream_t> streams;
  std::vector<void*> send, recv;
  size_t capacity = 0;

  Group(int ranks, size_t bytes)
      : n(ranks), comms(ranks), streams(ranks), send(ranks), recv(ranks), capacity(bytes) {
    std::vector<int> devs(n);
    for (int i = 0; i < n; ++i) devs[i] = i;
    MB_NCCL(ncclCommInitAll(comms.data(), n, devs.data()));
    for (int i = 0; i < n; ++i) {
      MB_CUDA(cudaSetDevice(i));
      MB_CUDA(cudaStreamCreate(&streams[i]));
      MB_CUDA(cudaMalloc(&send[i], bytes));
      MB_CUDA(cudaMalloc(&recv[i], bytes));
      fill_random(send[i], bytes / 4, "f32", 10 + i, streams[i]);
    }
    sync();
  }
  ~Group() {
    for (int i = 0; i < n; ++i) {
      cudaSetDevice(i);
      cudaFree(send[i]);
      cudaFree(recv[i]);
      cudaStreamDestroy(streams[i]);
      ncclCommDestroy(comms[i]);
    }
  }
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  void sync() {
    for (int i = 0; i < n; ++i) {
      MB_CUDA(cudaSetDevice(i));
      MB_CUDA(cudaStreamSynchronize(streams[i]));
    }
  }

  // One collective of nccl-tests size `bytes` (float elements) on every rank.
  void launch(const std::string& op, size_t bytes) {
    const size_t count = bytes / 4;
    MB_NCCL(ncclGroupStart());
    for (int r = 0; r < n; ++r) {
      if (op == "all_reduce") {
        MB_NCCL(ncclAllReduce(send[r], recv[r], count, ncclFloat, ncclSum, comms[r], streams[r]));
      } else if (op == "all_gather") {
        MB_NCCL(ncclAllGather(send[r], recv[r], count / n, ncclFloat, comms[r], streams[r]));
      } else if (op == "reduce_scatter") {
        MB_NCCL(ncclReduceScatter(send[r], recv[r], count / n, ncclFloat, ncclSum, comms[r], streams[r]));
      } else if (op == "alltoall") {
        const size_t chunk = count / n;
        for (int p = 0; p < n; ++p) {
          MB_NCCL(
              ncclSend(static_cast<float*>(send[r]) + p * chunk, chunk, ncclFloat, p, comms[r], streams[r]));
          MB_NCCL(
              ncclRecv(static_cast<float*>(recv[r]) + p * chunk, chunk, ncclFloat, p, comms[r], streams[r]));
        }
      } else {  // sendrecv: ring, each rank sends to the next and receives from the previous
        MB_NCCL(ncclSend(send[r], count, ncclFloat, (r + 1) % n, comms[r], streams[r]));
        MB_NCCL(ncclRecv(recv[r], count, ncclFloat, (r - 1 + n) % n, comms[r], streams[r]));
      }
    }
    MB_NCCL(ncclGroupEnd());
  }

  double time(const std::string& op, size_t bytes, double target_s) {
    launch(op, bytes);  // warm-up (connection setup)
    sync();
    auto t0 = Clock::now();
    launch(op, bytes);
    sync();
    const int iters = iterations_for(seconds_since(t0), target_s, 5, 200);
    t0 = Clock::now();
    for (int i = 0; i < iters; ++i) launch(op, bytes);
    sync();
    return seconds_since(t0) / iters;
  }
};

double bus_factor(const std::string& op, int n) {
  if (op == "all_reduce") return 2.0 * (n - 1) / n;
  if (op == "sendrecv") return 1.0;
  return double(n - 1) / n;
}

}  // namespace

std::string nccl_version() {
  int v = 0;
  ncclGetVersion(&v);
  const int major = v / 10000, minor = (v % 10000) / 100, patch = v % 100;
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

Section run_nccl(const Options& o, double budget_s) {
  Section sec;
  if (o.gpus < 2) {
    sec.status = "skipped: 1 GPU";
    return sec;
  }
  Budget budget{Clock::now(), budget_s};
  // Group sizes: 2, 4, 8, ... up to all local GPUs (always including all of them).
  std::vector<int> counts;
  for (int n = 2; n < o.gpus; n *= 2) counts.push_back(n);
  counts.push_back(o.gpus);
  if (o.quick) counts = {o.gpus};
  const size_t max_bytes = o.quick ? size_t(64) << 20 : size_t(1) << 30;
  const char* ops[] = {"all_reduce", "all_gather", "reduce_scatter", "alltoall", "sendrecv"};
  int skipped = 0;
  for (int n : counts) {
    if (budget.spent()) {
      ++skipped;
      continue;
    }
    Group g(n, max_bytes);
    for (const char* op : ops) {
      // 8 B .. max in steps of ×4, rounded to a whole float per rank (as nccl-tests does).
      for (size_t bytes = 8; bytes <= max_bytes; bytes *= 4) {
        if (budget.spent()) {
          ++skipped;
          continue;
        }
        const size_t unit = 4 * size_t(n);
        const size_t b = bytes < unit ? unit : bytes / unit * unit;
        const double t = g.time(op, b, o.quick ? 0.005 : 0.02);
        const double algbw = b / t / 1e9;
        sec.results.push_back(JObj()
                                  .str("op", op)
                                  .integer("ranks", n)
                                  .integer("nodes", 1)
                                  .integer("bytes", b)
                                  .str("type", "float")
                                  .num("time_s", t)
                                  .num("algbw_GBps", algbw)
                                  .num("busbw_GBps", algbw * bus_factor(op, n))
                                  .integer("in_place", 0)
                                  .dump());
      }
    }
  }
  if (skipped) sec.status = "partial: time budget spent, " + std::to_string(skipped) + " points not run";
  return sec;
}

double nccl_allreduce_load(int gpus, double seconds) {
  if (gpus < 2) return 0;
  const size_t bytes = size_t(256) << 20;
  Group g(gpus, bytes);
  const auto t0 = Clock::now();
  long runs = 0;
  while (seconds_since(t0) < seconds) {
    for (int i = 0; i < 4; ++i) g.launch("all_reduce", bytes);
    runs += 4;
    g.sync();
  }
  return bytes * runs / seconds_since(t0) / 1e9 * bus_factor("all_reduce", gpus);
}

#else  // no NCCL at build time

std::string nccl_version() {
  return "not built";
}
Section run_nccl(const Options& o, double) {
  Section sec;
  sec.status = o.gpus < 2 ? "skipped: 1 GPU" : "skipped: built without NCCL";
  return sec;
}
double nccl_allreduce_load(int, double) {
  return 0;
}

#endif

}  // namespace mb
