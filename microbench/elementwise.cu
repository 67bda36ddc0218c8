// Memory-bound operators of a transformer layer at training sizes (tokens × hidden, BF16), written the
// way fused training kernels (Apex/Megatron/Transformer Engine) write them: 16-byte vector accesses,
// one pass over the data, statistics in FP32. Each record carries the bytes its kernels move and the
// number of kernels, so `trainsite calibrate` can fit hbm_eff and kernel_launch_s with the model's own
// models::memory_bound_s (t = bytes / (hbm · hbm_eff) + launch per kernel).
//
// Bytes counted per operator, N = tokens × hidden elements, T = tokens, H = hidden, G = CTAs of the
// LayerNorm backward (its per-CTA partial sums of dγ and dβ); 16-bit tensors are 2 B per element:
//   layernorm_fwd      read x, write y (4N) + γ, β (4H) + FP32 mean and rstd per row (8T)
//   layernorm_bwd      read x, dy, write dx (6N) + γ (2H) + mean, rstd (8T) + FP32 partials written and
//                      read back (16GH) + dγ, dβ (4H); 2 kernels (the second reduces the partials); G = as
//                      many CTAs as are resident at once, at most T/8
//   rmsnorm_fwd        read x, write y (4N) + γ (2H) + rstd (4T)
//   gelu_fwd           read x, write y (4N)                     (tanh approximation, as Megatron's)
//   gelu_bwd           read x and dy, write dx (6N)
//   swiglu_fwd         read gate and up, write silu(gate)·up (6N; N = tokens × output width)
//   bias_dropout_add   read x and the residual, write the sum (6N) + 1-byte dropout mask (N) + bias (2H)
//   cast_transpose_fp8 read x (2N), write E4M3 x and E4M3 xᵀ (2N), amax and scale (8 B): what
//                      Transformer Engine runs on every FP8 GEMM input
//   adam_step          per parameter read FP32 grad, master, m, v (16 B), write master, m, v (12 B) and
//                      the BF16 weight (2 B): 30 B, the optimizer traffic models/step/iteration.cpp counts
// These match the per-operator counts of models/step/layer.cpp (4N/6N norms, 7N residual, 4N FP8 cast).
//
// Small tensors fit in the L2 (50 MB on H100, 40 MB on A100), where back-to-back runs would read them
// from cache; every case therefore rotates over enough copies of its buffers to span 3× the L2, so each
// call reads from HBM as it would between a training step's different operators.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "elementwise_kernels.cuh"
#include "mb.h"

namespace mb {

namespace {

using bf16 = __nv_bfloat16;
using namespace ew;

// One benchmark case: its buffers (one set per rotation), the bytes and kernels of one call, and how to
// launch it on a set.
struct Case {
  std::string kind;
  long tokens = 0, hidden = 0, elements = 0;
  double bytes = 0;
  int kernels = 1;
  std::vector<std::pair<size_t, const char*>> buffers;  // bytes, fill type ("bf16", "f32", "" = none)
  std::function<void(const std::vector<void*>&, cudaStream_t)> launch;
};

}  // namespace

Section run_elementwise(const Options& o, double budget_s) {
  Section sec;
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  cudaDeviceProp prop{};
  MB_CUDA(cudaGetDeviceProperties(&prop, 0));
  const int sms = prop.multiProcessorCount;
  const double l2 = prop.l2CacheSize > 0 ? prop.l2CacheSize : 50e6;
  const int stream_grid = sms * 8;
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));

  std::vector<Case> cases;
  const std::vector<long> tokens =
      o.quick ? std::vector<long>{2048, 32768} : std::vector<long>{2048, 8192, 32768};
  const std::vector<long> hiddens =
      o.quick ? std::vector<long>{1024, 8192} : std::vector<long>{1024, 4096, 8192};
  for (long T : tokens)
    for (long H : hiddens) {
      const double N = double(T) * H;
      const size_t n16 = size_t(T) * H * 2, nvec = size_t(T) * H / 8;
      const int rt = int(std::min(512L, H / 8));  // row-kernel threads (hidden ≤ 8·512·kMaxChunks)
      if (H / 8 > 256L * 4 || H / 8 > long(rt) * kMaxChunks) continue;  // beyond the kernels' register tiles
      // LayerNorm backward: up to 256 threads (its registers), C = vectors per thread; as many CTAs as
      // fit on the GPU at once, each over at least 8 rows so the partial sums stay small next to the data.
      const int bt = int(std::min(256L, H / 8));
      const int chunks = int((H / 8 + bt - 1) / bt);
      auto* ln_bwd = chunks == 1 ? layernorm_bwd<1> : chunks == 2 ? layernorm_bwd<2> : layernorm_bwd<4>;
      int per_sm = 1;
      MB_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, ln_bwd, bt, 0));
      const int parts = int(std::max(1L, std::min<long>(T / 8, long(sms) * std::max(per_sm, 1))));
      const int h = int(H), t = int(T);
      auto add = [&](const char* kind, double bytes, int kernels,
                     std::vector<std::pair<size_t, const char*>> bufs,
                     std::function<void(const std::vector<void*>&, cudaStream_t)> fn) {
        cases.push_back({kind, T, H, long(N), bytes, kernels, std::move(bufs), std::move(fn)});
      };
      add("layernorm_fwd", 4 * N + 4.0 * H + 8.0 * T, 1,
          {{n16, "bf16"},
           {size_t(H) * 2, "bf16"},
           {size_t(H) * 2, "bf16"},
           {n16, ""},
           {size_t(T) * 4, ""},
           {size_t(T) * 4, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            layernorm_fwd<<<t, rt, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], (bf16*)b[3], (float*)b[4],
                                            (float*)b[5], h);
          });
      add("layernorm_bwd", 6 * N + 2.0 * H + 8.0 * T + 16.0 * parts * H + 4.0 * H, 2,
          {{n16, "bf16"},
           {n16, "bf16"},
           {size_t(H) * 2, "bf16"},
           {size_t(T) * 4, "f32"},
           {size_t(T) * 4, "f32"},
           {n16, ""},
           {size_t(parts) * H * 4, ""},
           {size_t(parts) * H * 4, ""},
           {size_t(H) * 2, ""},
           {size_t(H) * 2, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            ln_bwd<<<parts, bt, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], (float*)b[3], (float*)b[4],
                                         (bf16*)b[5], (float*)b[6], (float*)b[7], t, h);
            layernorm_bwd_finalize<<<(h + 255) / 256, 256, 0, st>>>((float*)b[6], (float*)b[7], parts, h,
                                                                    (bf16*)b[8], (bf16*)b[9]);
          });
      add("rmsnorm_fwd", 4 * N + 2.0 * H + 4.0 * T, 1,
          {{n16, "bf16"}, {size_t(H) * 2, "bf16"}, {n16, ""}, {size_t(T) * 4, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            rmsnorm_fwd<<<t, rt, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], (float*)b[3], h);
          });
      add("gelu_fwd", 4 * N, 1, {{n16, "bf16"}, {n16, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            gelu_fwd<<<stream_grid, 256, 0, st>>>((bf16*)b[0], (bf16*)b[1], nvec);
          });
      add("gelu_bwd", 6 * N, 1, {{n16, "bf16"}, {n16, "bf16"}, {n16, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            gelu_bwd<<<stream_grid, 256, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], nvec);
          });
      add("swiglu_fwd", 6 * N, 1, {{n16, "bf16"}, {n16, "bf16"}, {n16, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            swiglu_fwd<<<stream_grid, 256, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], nvec);
          });
      add("bias_dropout_add", 7 * N + 2.0 * H, 1,
          {{n16, "bf16"}, {size_t(H) * 2, "bf16"}, {n16, "bf16"}, {n16, ""}, {size_t(T) * H, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            bias_dropout_add<<<stream_grid, 256, 0, st>>>((bf16*)b[0], (bf16*)b[1], (bf16*)b[2], (bf16*)b[3],
                                                          (uint8_t*)b[4], nvec, h, 1234u);
          });
      add("cast_transpose_fp8", 4 * N + 8, 1,
          {{n16, "bf16"}, {4, "f32"}, {size_t(T) * H, ""}, {size_t(T) * H, ""}, {4, ""}},
          [=](const std::vector<void*>& b, cudaStream_t st) {
            cast_transpose_fp8<<<dim3(h / 64, t / 64), 256, 0, st>>>(
                (bf16*)b[0], (float*)b[1], (uint8_t*)b[2], (uint8_t*)b[3], (unsigned int*)b[4], t, h);
          });
    }
  // Adam over a data-parallel shard of 4M to 256M parameters (a 7B model over 32 ranks is ~220M).
  const std::vector<long> shards = o.quick ? std::vector<long>{1L << 22, 1L << 26}
                                           : std::vector<long>{1L << 22, 1L << 24, 1L << 26, 1L << 28};
  for (long P : shards) {
    const size_t n4 = size_t(P) / 4;
    Case c{"adam_step",
           0,
           0,
           P,
           30.0 * P,
           1,
           {{size_t(P) * 4, "f32"},
            {size_t(P) * 4, "f32"},
            {size_t(P) * 4, "f32"},
            {size_t(P) * 4, "f32"},
            {size_t(P) * 2, ""}},
           [=](const std::vector<void*>& b, cudaStream_t st) {
             adam_step<<<stream_grid, 256, 0, st>>>((float4*)b[0], (float4*)b[1], (float4*)b[2],
                                                    (float4*)b[3], (bf16*)b[4], n4, 1e-4f, 0.9f, 0.95f, 1e-8f,
                                                    0.1f, 0.5f, 0.3f);
           }};
    cases.push_back(std::move(c));
  }

  const double target_s = o.quick ? 0.003 : 0.01;
  int skipped = 0;
  for (const Case& c : cases) {
    if (budget.spent()) {
      ++skipped;
      continue;
    }
    JObj r;
    r.str("kind", c.kind).str("dtype", c.kind == "adam_step" ? "fp32" : "bf16");
    if (c.tokens) r.integer("tokens", c.tokens).integer("hidden", c.hidden);
    r.integer("elements", c.elements).num("bytes", c.bytes).integer("kernels", c.kernels);
    std::vector<std::vector<void*>> sets;
    try {
      size_t set_bytes = 0;
      for (const auto& b : c.buffers) set_bytes += b.first;
      size_t free_b = 0, total_b = 0;
      MB_CUDA(cudaMemGetInfo(&free_b, &total_b));
      size_t n_sets = size_t(std::ceil(3 * l2 / double(set_bytes)));
      n_sets =
          std::max<size_t>(1, std::min<size_t>({n_sets, 64, free_b / 2 / std::max<size_t>(set_bytes, 1)}));
      for (size_t k = 0; k < n_sets; ++k) {
        sets.emplace_back();
        for (const auto& [bytes, fill] : c.buffers) {
          void* p = nullptr;
          MB_CUDA(cudaMalloc(&p, bytes));
          sets.back().push_back(p);
          if (fill[0] == 'b') fill_random(p, bytes / 2, "bf16", 31 + uint32_t(k), s);
          if (fill[0] == 'f') fill_random(p, bytes / 4, "f32", 41 + uint32_t(k), s);
        }
      }
      // One checked call first: a launch that fails (resources, configuration) must not be timed as fast.
      c.launch(sets[0], s);
      MB_CUDA(cudaGetLastError());
      MB_CUDA(cudaStreamSynchronize(s));
      size_t next = 0;
      const double t = time_median(s, target_s, 5, 20000, [&] {
        c.launch(sets[next], s);
        next = (next + 1) % sets.size();
      });
      MB_CUDA(cudaGetLastError());
      r.integer("rotating_sets", long(sets.size())).num("time_s", t).num("GBps", c.bytes / t / 1e9);
    } catch (const CudaError& e) {
      cudaGetLastError();
      r.str("error", e.what());
    }
    for (auto& set : sets)
      for (void* p : set) cudaFree(p);
    sec.results.push_back(r.dump());
  }
  cudaStreamDestroy(s);
  if (skipped) sec.status = "partial: time budget spent, " + std::to_string(skipped) + " cases not run";
  return sec;
}

}  // namespace mb
