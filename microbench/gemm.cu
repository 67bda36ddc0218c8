// cuBLASLt GEMM throughput at the transformer's real shapes.
//
// Shapes follow models/step/iteration.cpp (layer_cost): for T = micro_batch·seq tokens on one GPU and
// tensor parallel degree t, the linear layers are
//   QKV      m=T, n=(h + 2·kv_dim)/t, k=h        attention out  m=T, n=h, k=h/t
//   MLP up   m=T, n=up·f/t, k=h (up=2 SwiGLU)    MLP down       m=T, n=h, k=f/t
// and backward runs (m,k,n) (data gradient) and (k,n,m) (weight gradient). Attention without a
// fused kernel is two batched GEMMs per (micro-batch × local head): s×s×d and s×d×s.
// Presets: gpt3-175b (h 12288, 96 heads, f 49152, s 2048, GeLU) and llama3-70b (h 8192, 64 heads,
// 8 KV heads, f 28672, s 8192, SwiGLU), as in data/models.yaml.
#include <cublasLt.h>

#include <cstdio>
#include <set>
#include <tuple>

#include "mb.h"

namespace mb {

namespace {

void lt_check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS)
    throw CudaError(std::string(what) + ": cuBLAS status " + std::to_string(int(s)));
}
#define MB_LT(x) lt_check((x), #x)

struct DType {
  const char* name;  // JSON name
  const char* fill;  // fill_random type of A and B
  cudaDataType_t ab, cd;
  size_t ab_bytes, cd_bytes;
};

const DType kBf16{"bf16", "bf16", CUDA_R_16BF, CUDA_R_16BF, 2, 2};
const DType kFp16{"fp16", "f16", CUDA_R_16F, CUDA_R_16F, 2, 2};
const DType kFp8{"fp8", "fp8e4m3", CUDA_R_8F_E4M3, CUDA_R_16BF, 1, 2};  // Hopper+ (sm_89+)

// One D[m×n] = op(A)·B GEMM (column-major "TN" layout, the layout cuBLASLt FP8 requires),
// optionally strided-batched, with the heuristic's best algorithm.
class LtGemm {
 public:
  LtGemm(cublasLtHandle_t lt, const DType& t, long m, long n, long k, int batch)
      : lt_(lt), m_(m), n_(n), k_(k), batch_(batch) {
    const size_t a = size_t(k) * m * batch, b = size_t(k) * n * batch, c = size_t(m) * n * batch;
    MB_CUDA(cudaMalloc(&A_, a * t.ab_bytes));
    MB_CUDA(cudaMalloc(&B_, b * t.ab_bytes));
    MB_CUDA(cudaMalloc(&D_, c * t.cd_bytes));
    MB_CUDA(cudaMalloc(&ws_, kWorkspace));
    fill_random(A_, a, t.fill, 1, nullptr);
    fill_random(B_, b, t.fill, 2, nullptr);
    MB_LT(cublasLtMatmulDescCreate(&op_, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    MB_LT(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    MB_LT(cublasLtMatmulDescSetAttribute(op_, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
    MB_LT(cublasLtMatrixLayoutCreate(&Ad_, t.ab, k, m, k));
    MB_LT(cublasLtMatrixLayoutCreate(&Bd_, t.ab, k, n, k));
    MB_LT(cublasLtMatrixLayoutCreate(&Dd_, t.cd, m, n, m));
    if (batch > 1) {
      for (auto [d, stride] :
           {std::pair{Ad_, int64_t(k) * m}, std::pair{Bd_, int64_t(k) * n}, std::pair{Dd_, int64_t(m) * n}}) {
        const int32_t count = batch;
        MB_LT(cublasLtMatrixLayoutSetAttribute(d, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof count));
        MB_LT(cublasLtMatrixLayoutSetAttribute(d, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                               sizeof stride));
      }
    }
    MB_LT(cublasLtMatmulPreferenceCreate(&pref_));
    const uint64_t ws = kWorkspace;
    MB_LT(cublasLtMatmulPreferenceSetAttribute(pref_, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                                               sizeof ws));
    int found = 0;
    MB_LT(cublasLtMatmulAlgoGetHeuristic(lt_, op_, Ad_, Bd_, Dd_, Dd_, pref_, 1, &heur_, &found));
    if (found == 0) throw CudaError("cuBLASLt has no algorithm for this shape/type");
  }
  ~LtGemm() {
    cublasLtMatmulPreferenceDestroy(pref_);
    cublasLtMatrixLayoutDestroy(Ad_);
    cublasLtMatrixLayoutDestroy(Bd_);
    cublasLtMatrixLayoutDestroy(Dd_);
    cublasLtMatmulDescDestroy(op_);
    cudaFree(A_);
    cudaFree(B_);
    cudaFree(D_);
    cudaFree(ws_);
  }
  LtGemm(const LtGemm&) = delete;
  LtGemm& operator=(const LtGemm&) = delete;

  void run(cudaStream_t s) {
    const float alpha = 1.0f, beta = 0.0f;
    MB_LT(cublasLtMatmul(lt_, op_, &alpha, A_, Ad_, B_, Bd_, &beta, D_, Dd_, D_, Dd_, &heur_.algo, ws_,
                         kWorkspace, s));
  }
  double flops() const { return 2.0 * m_ * n_ * k_ * batch_; }

  // Mean seconds per GEMM over a batch lasting about `target_s`.
  double time(cudaStream_t s, double target_s) {
    cudaEvent_t e0, e1;
    MB_CUDA(cudaEventCreate(&e0));
    MB_CUDA(cudaEventCreate(&e1));
    run(s);  // warm-up (heuristic caches, clocks)
    MB_CUDA(cudaEventRecord(e0, s));
    run(s);
    MB_CUDA(cudaEventRecord(e1, s));
    MB_CUDA(cudaEventSynchronize(e1));
    float ms = 0;
    MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    const int iters = iterations_for(ms * 1e-3, target_s, 3, 200);
    MB_CUDA(cudaEventRecord(e0, s));
    for (int i = 0; i < iters; ++i) run(s);
    MB_CUDA(cudaEventRecord(e1, s));
    MB_CUDA(cudaEventSynchronize(e1));
    MB_CUDA(cudaEventElapsedTime(&ms, e0, e1));
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return ms * 1e-3 / iters;
  }

 private:
  static constexpr size_t kWorkspace = 32u << 20;
  cublasLtHandle_t lt_;
  long m_, n_, k_;
  int batch_;
  void *A_ = nullptr, *B_ = nullptr, *D_ = nullptr, *ws_ = nullptr;
  cublasLtMatmulDesc_t op_ = nullptr;
  cublasLtMatrixLayout_t Ad_ = nullptr, Bd_ = nullptr, Dd_ = nullptr;
  cublasLtMatmulPreference_t pref_ = nullptr;
  cublasLtMatmulHeuristicResult_t heur_{};
};

struct Shape {
  std::string name;
  long m, n, k;
  int batch;
};

struct Preset {
  const char* id;
  long h, heads, kv_heads, f, s;
  bool swiglu;
};
const Preset kPresets[] = {{"gpt3-175b", 12288, 96, 96, 49152, 2048, false},
                           {"llama3-70b", 8192, 64, 8, 28672, 8192, true}};

std::vector<Shape> transformer_shapes(bool quick, bool with_backward) {
  std::vector<Shape> out;
  for (const Preset& p : kPresets) {
    const long d = p.h / p.heads, kv = p.kv_heads * d, up = p.swiglu ? 2 : 1;
    for (int mb : {1, 2}) {
      if (quick && mb == 2) continue;
      for (long t : {1, 2, 4, 8}) {
        if (quick && (t == 2 || t == 4)) continue;
        const long T = mb * p.s;
        const std::string tag = std::string(p.id) + ".mb" + std::to_string(mb) + ".tp" + std::to_string(t);
        const Shape lin[] = {{tag + ".qkv", T, (p.h + 2 * kv) / t, p.h, 1},
                             {tag + ".attn_out", T, p.h, p.h / t, 1},
                             {tag + ".mlp_up", T, up * p.f / t, p.h, 1},
                             {tag + ".mlp_down", T, p.h, p.f / t, 1}};
        for (const Shape& x : lin) {
          out.push_back(x);
          if (with_backward) {
            out.push_back({x.name + ".dgrad", x.m, x.k, x.n, 1});
            out.push_back({x.name + ".wgrad", x.k, x.n, x.m, 1});
          }
        }
        // Unfused attention core: scores = Q·Kᵀ and context = P·V per (micro-batch × local head).
        const int batch = static_cast<int>(mb * p.heads / t);
        out.push_back({tag + ".attn_scores", p.s, p.s, d, batch});
        out.push_back({tag + ".attn_context", p.s, d, p.s, batch});
      }
    }
  }
  return out;
}

std::vector<Shape> square_shapes(bool quick) {
  std::vector<Shape> out;
  for (long n : {1024L, 2048L, 4096L, 8192L, 16384L}) {
    if (quick && n == 16384) continue;
    out.push_back({"square." + std::to_string(n), n, n, n, 1});
  }
  return out;
}

}  // namespace

Section run_gemm(const Options& o, double budget_s) {
  Section sec;
  Budget budget{Clock::now(), budget_s};
  MB_CUDA(cudaSetDevice(0));
  cudaDeviceProp prop{};
  MB_CUDA(cudaGetDeviceProperties(&prop, 0));
  const bool fp8 = prop.major * 10 + prop.minor >= 89;
  cublasLtHandle_t lt;
  MB_LT(cublasLtCreate(&lt));
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));
  const double target_s = o.quick ? 0.005 : 0.02;

  // Peak-style squares first (they calibrate gemm_eff_max), then the transformer shapes: BF16
  // with backward shapes, FP16 and FP8 forward only.
  struct Job {
    Shape shape;
    const DType* t;
  };
  std::vector<Job> jobs;
  std::vector<const DType*> types = {&kBf16, &kFp16};
  if (fp8) types.push_back(&kFp8);
  for (const DType* t : types)
    for (const Shape& x : square_shapes(o.quick)) jobs.push_back({x, t});
  for (const DType* t : types)
    for (const Shape& x : transformer_shapes(o.quick, t == &kBf16)) jobs.push_back({x, t});

  std::set<std::tuple<long, long, long, int, std::string>> seen;
  int skipped = 0;
  for (const Job& j : jobs) {
    const Shape& x = j.shape;
    if (!seen.insert({x.m, x.n, x.k, x.batch, j.t->name}).second) continue;
    if (budget.spent()) {
      ++skipped;
      continue;
    }
    JObj r;
    r.str("name", x.name).str("dtype", j.t->name).integer("m", x.m).integer("n", x.n).integer("k", x.k);
    r.integer("batch", x.batch);
    try {
      LtGemm g(lt, *j.t, x.m, x.n, x.k, x.batch);
      const double t = g.time(s, target_s);
      r.num("time_s", t).num("tflops", g.flops() / t / 1e12);
    } catch (const CudaError& e) {
      r.str("error", e.what());
      cudaGetLastError();  // clear a sticky launch error so later shapes still run
    }
    sec.results.push_back(r.dump());
  }
  if (skipped) sec.status = "partial: time budget spent, " + std::to_string(skipped) + " shapes not run";
  if (!fp8) sec.status += "; fp8 skipped (needs sm_89+)";
  cudaStreamDestroy(s);
  cublasLtDestroy(lt);
  return sec;
}

double gemm_load(int dev, const std::string& dtype, double seconds) {
  MB_CUDA(cudaSetDevice(dev));
  cublasLtHandle_t lt;
  MB_LT(cublasLtCreate(&lt));
  cudaStream_t s;
  MB_CUDA(cudaStreamCreate(&s));
  double tflops = 0;
  {
    LtGemm g(lt, dtype == "fp8" ? kFp8 : kBf16, 8192, 8192, 8192, 1);
    const auto t0 = Clock::now();
    long runs = 0;
    while (seconds_since(t0) < seconds) {
      for (int i = 0; i < 10; ++i) g.run(s);
      runs += 10;
      MB_CUDA(cudaStreamSynchronize(s));
    }
    tflops = g.flops() * runs / seconds_since(t0) / 1e12;
  }
  cudaStreamDestroy(s);
  cublasLtDestroy(lt);
  return tflops;
}

}  // namespace mb
