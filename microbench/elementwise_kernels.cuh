// The memory-bound kernels of microbench/elementwise.cu (included there only): LayerNorm forward and
// backward, RMSNorm forward, GeLU forward and backward, SwiGLU forward, bias-dropout-residual add, FP8
// cast_transpose with amax, and an AdamW step. One pass over the data with 16-byte vector accesses and
// FP32 statistics, the way fused training kernels (Apex, Megatron, Transformer Engine) are written;
// the bytes each moves are listed in elementwise.cu.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <cstdint>

namespace mb::ew {

using bf16 = __nv_bfloat16;
constexpr int kMaxChunks = 4;  // 8-element vectors per thread in the row kernels (hidden ≤ 8 · threads · 4)

__device__ inline void load8(const bf16* p, float (&out)[8]) {
  const uint4 u = *reinterpret_cast<const uint4*>(p);
  const bf16* b = reinterpret_cast<const bf16*>(&u);
#pragma unroll
  for (int j = 0; j < 8; ++j) out[j] = __bfloat162float(b[j]);
}

__device__ inline void store8(bf16* p, const float (&in)[8]) {
  uint4 u;
  bf16* b = reinterpret_cast<bf16*>(&u);
#pragma unroll
  for (int j = 0; j < 8; ++j) b[j] = __float2bfloat16(in[j]);
  *reinterpret_cast<uint4*>(p) = u;
}

// Sum of `a` and `b` over the block, returned to every thread.
__device__ inline void block_sum2(float& a, float& b) {
  __shared__ float red[2][32];
  for (int o = 16; o > 0; o >>= 1) {
    a += __shfl_xor_sync(0xffffffffu, a, o);
    b += __shfl_xor_sync(0xffffffffu, b, o);
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, warps = (blockDim.x + 31) / 32;
  if (lane == 0) red[0][warp] = a, red[1][warp] = b;
  __syncthreads();
  a = lane < warps ? red[0][lane] : 0.f;
  b = lane < warps ? red[1][lane] : 0.f;
  for (int o = 16; o > 0; o >>= 1) {
    a += __shfl_xor_sync(0xffffffffu, a, o);
    b += __shfl_xor_sync(0xffffffffu, b, o);
  }
  __syncthreads();  // red is reused by the next call
}

// One CTA per row; thread t holds vectors t, t + blockDim, ... of the row in registers.
__global__ void __launch_bounds__(512) layernorm_fwd(const bf16* x, const bf16* gamma, const bf16* beta,
                                                     bf16* y, float* mean_out, float* rstd_out, int H) {
  const size_t base = size_t(blockIdx.x) * H;
  const int nvec = H / 8;
  float v[kMaxChunks][8];
  float sum = 0, dummy = 0;
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int i = threadIdx.x + c * blockDim.x;
    if (i < nvec) {
      load8(x + base + 8 * i, v[c]);
#pragma unroll
      for (int j = 0; j < 8; ++j) sum += v[c][j];
    }
  }
  block_sum2(sum, dummy);
  const float mean = sum / H;
  float sq = 0;
  dummy = 0;
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c)
    if (threadIdx.x + c * blockDim.x < nvec)
#pragma unroll
      for (int j = 0; j < 8; ++j) sq += (v[c][j] - mean) * (v[c][j] - mean);
  block_sum2(sq, dummy);
  const float rstd = rsqrtf(sq / H + 1e-5f);
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int i = threadIdx.x + c * blockDim.x;
    if (i < nvec) {
      float g[8], b[8], out[8];
      load8(gamma + 8 * i, g);
      load8(beta + 8 * i, b);
#pragma unroll
      for (int j = 0; j < 8; ++j) out[j] = (v[c][j] - mean) * rstd * g[j] + b[j];
      store8(y + base + 8 * i, out);
    }
  }
  if (threadIdx.x == 0) mean_out[blockIdx.x] = mean, rstd_out[blockIdx.x] = rstd;
}

__global__ void __launch_bounds__(512)
    rmsnorm_fwd(const bf16* x, const bf16* gamma, bf16* y, float* rstd_out, int H) {
  const size_t base = size_t(blockIdx.x) * H;
  const int nvec = H / 8;
  float v[kMaxChunks][8];
  float sq = 0, dummy = 0;
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int i = threadIdx.x + c * blockDim.x;
    if (i < nvec) {
      load8(x + base + 8 * i, v[c]);
#pragma unroll
      for (int j = 0; j < 8; ++j) sq += v[c][j] * v[c][j];
    }
  }
  block_sum2(sq, dummy);
  const float rstd = rsqrtf(sq / H + 1e-5f);
#pragma unroll
  for (int c = 0; c < kMaxChunks; ++c) {
    const int i = threadIdx.x + c * blockDim.x;
    if (i < nvec) {
      float g[8], out[8];
      load8(gamma + 8 * i, g);
#pragma unroll
      for (int j = 0; j < 8; ++j) out[j] = v[c][j] * rstd * g[j];
      store8(y + base + 8 * i, out);
    }
  }
  if (threadIdx.x == 0) rstd_out[blockIdx.x] = rstd;
}

// C vectors of 8 per thread (hidden = 8 · threads · C at most), a template so small rows do not pay for the
// registers of large ones. dx per row, and per-CTA partial sums of dγ = Σ dy·x̂ and dβ = Σ dy over the rows
// the CTA visits.
template <int C>
__global__ void __launch_bounds__(256)
    layernorm_bwd(const bf16* x, const bf16* dy, const bf16* gamma, const float* mean, const float* rstd,
                  bf16* dx, float* part_dg, float* part_db, int rows, int H) {
  const int nvec = H / 8;
  float g[C][8], dg[C][8] = {}, db[C][8] = {};
#pragma unroll
  for (int c = 0; c < C; ++c)
    if (threadIdx.x + c * blockDim.x < nvec) load8(gamma + 8 * (threadIdx.x + c * blockDim.x), g[c]);
  for (int row = blockIdx.x; row < rows; row += gridDim.x) {
    const size_t base = size_t(row) * H;
    const float mu = mean[row], rs = rstd[row];
    float xh[C][8], w[C][8];
    float s1 = 0, s2 = 0;
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const int i = threadIdx.x + c * blockDim.x;
      if (i < nvec) {
        float d[8];
        load8(x + base + 8 * i, xh[c]);
        load8(dy + base + 8 * i, d);
#pragma unroll
        for (int j = 0; j < 8; ++j) {
          xh[c][j] = (xh[c][j] - mu) * rs;
          w[c][j] = d[j] * g[c][j];
          s1 += w[c][j] * xh[c][j];
          s2 += w[c][j];
          dg[c][j] += d[j] * xh[c][j];
          db[c][j] += d[j];
        }
      }
    }
    block_sum2(s1, s2);
#pragma unroll
    for (int c = 0; c < C; ++c) {
      const int i = threadIdx.x + c * blockDim.x;
      if (i < nvec) {
        float out[8];
#pragma unroll
        for (int j = 0; j < 8; ++j) out[j] = rs * (w[c][j] - (xh[c][j] * s1 + s2) / H);
        store8(dx + base + 8 * i, out);
      }
    }
  }
#pragma unroll
  for (int c = 0; c < C; ++c) {
    const int i = threadIdx.x + c * blockDim.x;
    if (i < nvec)
#pragma unroll
      for (int j = 0; j < 8; ++j) {
        part_dg[size_t(blockIdx.x) * H + 8 * i + j] = dg[c][j];
        part_db[size_t(blockIdx.x) * H + 8 * i + j] = db[c][j];
      }
  }
}

__global__ void layernorm_bwd_finalize(const float* part_dg, const float* part_db, int parts, int H,
                                       bf16* dgamma, bf16* dbeta) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  if (col >= H) return;
  float a = 0, b = 0;
  for (int p = 0; p < parts; ++p) a += part_dg[size_t(p) * H + col], b += part_db[size_t(p) * H + col];
  dgamma[col] = __float2bfloat16(a);
  dbeta[col] = __float2bfloat16(b);
}

__device__ inline float gelu_tanh(float x, float* dgelu) {
  const float k = 0.7978845608f, c = 0.044715f;  // sqrt(2/π); Hendrycks & Gimpel's tanh approximation
  const float t = tanhf(k * (x + c * x * x * x));
  if (dgelu) *dgelu = 0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * k * (1.f + 3.f * c * x * x);
  return 0.5f * x * (1.f + t);
}

__global__ void gelu_fwd(const bf16* x, bf16* y, size_t nvec) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < nvec;
       i += size_t(gridDim.x) * blockDim.x) {
    float v[8];
    load8(x + 8 * i, v);
#pragma unroll
    for (int j = 0; j < 8; ++j) v[j] = gelu_tanh(v[j], nullptr);
    store8(y + 8 * i, v);
  }
}

__global__ void gelu_bwd(const bf16* x, const bf16* dy, bf16* dx, size_t nvec) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < nvec;
       i += size_t(gridDim.x) * blockDim.x) {
    float v[8], d[8];
    load8(x + 8 * i, v);
    load8(dy + 8 * i, d);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      float g;
      gelu_tanh(v[j], &g);
      v[j] = d[j] * g;
    }
    store8(dx + 8 * i, v);
  }
}

__global__ void swiglu_fwd(const bf16* gate, const bf16* up, bf16* y, size_t nvec) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < nvec;
       i += size_t(gridDim.x) * blockDim.x) {
    float g[8], u[8];
    load8(gate + 8 * i, g);
    load8(up + 8 * i, u);
#pragma unroll
    for (int j = 0; j < 8; ++j) g[j] = g[j] / (1.f + __expf(-g[j])) * u[j];
    store8(y + 8 * i, g);
  }
}

__device__ inline uint32_t mix32(uint64_t i, uint32_t seed) {
  uint32_t h = static_cast<uint32_t>(i) ^ (static_cast<uint32_t>(i >> 32) * 0x9E3779B9u) ^ seed;
  h ^= h >> 16;
  h *= 0x7feb352dU;
  h ^= h >> 15;
  h *= 0x846ca68bU;
  return h ^ (h >> 16);
}

// out = residual + dropout(x + bias) with p = 0.1, keeping the 1-byte mask for the backward.
__global__ void bias_dropout_add(const bf16* x, const bf16* bias, const bf16* residual, bf16* out,
                                 uint8_t* mask, size_t nvec, int H, uint32_t seed) {
  const float keep_scale = 1.f / 0.9f;
  const uint32_t threshold = static_cast<uint32_t>(0.1 * 4294967296.0);
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < nvec;
       i += size_t(gridDim.x) * blockDim.x) {
    float v[8], b[8], r[8];
    load8(x + 8 * i, v);
    load8(bias + (8 * i) % H, b);
    load8(residual + 8 * i, r);
    uint2 m;
    uint8_t* mb = reinterpret_cast<uint8_t*>(&m);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      mb[j] = mix32(8 * i + j, seed) >= threshold;
      v[j] = r[j] + (mb[j] ? (v[j] + b[j]) * keep_scale : 0.f);
    }
    store8(out + 8 * i, v);
    *reinterpret_cast<uint2*>(mask + 8 * i) = m;
  }
}

// x[T×H] BF16 → E4M3 x and E4M3 xᵀ[H×T] through a 64×64 shared-memory tile, scaled by the delayed
// scale of Transformer Engine's recipe, with the block's max |x| folded into a global amax.
__global__ void __launch_bounds__(256)
    cast_transpose_fp8(const bf16* x, const float* scale, uint8_t* out, uint8_t* out_t,
                       unsigned int* amax_bits, int T, int H) {
  __shared__ uint8_t tile[64][64 + 8];
  const int row0 = blockIdx.y * 64, col0 = blockIdx.x * 64, tid = threadIdx.x;
  const float s = *scale;
  float amax = 0;
#pragma unroll
  for (int pass = 0; pass < 2; ++pass) {
    const int r = tid / 8 + 32 * pass, cv = tid % 8;
    float v[8];
    load8(x + size_t(row0 + r) * H + col0 + 8 * cv, v);
    uint2 packed;
    uint8_t* p = reinterpret_cast<uint8_t*>(&packed);
#pragma unroll
    for (int j = 0; j < 8; ++j) {
      amax = fmaxf(amax, fabsf(v[j]));
      p[j] = __nv_cvt_float_to_fp8(v[j] * s, __NV_SATFINITE, __NV_E4M3);
      tile[r][8 * cv + j] = p[j];
    }
    *reinterpret_cast<uint2*>(out + size_t(row0 + r) * H + col0 + 8 * cv) = packed;
  }
  __syncthreads();
#pragma unroll
  for (int pass = 0; pass < 2; ++pass) {
    const int c = tid / 8 + 32 * pass, rg = tid % 8;
    uint2 packed;
    uint8_t* p = reinterpret_cast<uint8_t*>(&packed);
#pragma unroll
    for (int j = 0; j < 8; ++j) p[j] = tile[8 * rg + j][c];
    *reinterpret_cast<uint2*>(out_t + size_t(col0 + c) * T + row0 + 8 * rg) = packed;
  }
  for (int o = 16; o > 0; o >>= 1) amax = fmaxf(amax, __shfl_xor_sync(0xffffffffu, amax, o));
  if (tid % 32 == 0) atomicMax(amax_bits, __float_as_uint(amax));  // non-negative floats order as uints
}

// AdamW on an FP32 master shard with a BF16 copy of the weights (Megatron's distributed optimizer).
__global__ void adam_step(const float4* grad, float4* master, float4* m, float4* v, bf16* weight, size_t n4,
                          float lr, float b1, float b2, float eps, float wd, float bc1, float bc2) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n4;
       i += size_t(gridDim.x) * blockDim.x) {
    const float4 g = grad[i];
    float4 p = master[i], mm = m[i], vv = v[i];
    float* pf = &p.x;
    float* mf = &mm.x;
    float* vf = &vv.x;
    const float* gf = &g.x;
    __nv_bfloat162 w[2];
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      mf[j] = b1 * mf[j] + (1 - b1) * gf[j];
      vf[j] = b2 * fabsf(vf[j]) + (1 - b2) * gf[j] * gf[j];  // |v|: the buffers start random
      pf[j] -= lr * ((mf[j] / bc1) / (sqrtf(vf[j] / bc2) + eps) + wd * pf[j]);
    }
    w[0] = __floats2bfloat162_rn(pf[0], pf[1]);
    w[1] = __floats2bfloat162_rn(pf[2], pf[3]);
    master[i] = p;
    m[i] = mm;
    v[i] = vv;
    *reinterpret_cast<uint2*>(weight + 4 * i) = *reinterpret_cast<uint2*>(w);
  }
}

}  // namespace mb::ew
