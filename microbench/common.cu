// Host helpers shared by the sections, and the fill kernel.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "mb.h"

namespace mb {

void cuda_check(cudaError_t e, const char* what, const char* file, int line) {
  if (e == cudaSuccess) return;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%s:%d: %s: %s", file, line, what, cudaGetErrorString(e));
  throw CudaError(buf);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void JObj::key(const std::string& k) {
  if (!body_.empty()) body_ += ", ";
  body_ += json_string(k) + ": ";
}

JObj& JObj::num(const std::string& k, double v) {
  key(k);
  if (!std::isfinite(v)) {
    body_ += "null";
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    body_ += buf;
  }
  return *this;
}

JObj& JObj::integer(const std::string& k, long long v) {
  key(k);
  body_ += std::to_string(v);
  return *this;
}

JObj& JObj::str(const std::string& k, const std::string& v) {
  key(k);
  body_ += json_string(v);
  return *this;
}

JObj& JObj::raw(const std::string& k, const std::string& json) {
  key(k);
  body_ += json;
  return *this;
}

std::string json_array(const std::vector<std::string>& items, const std::string& indent) {
  if (items.empty()) return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < items.size(); ++i)
    out += indent + "  " + items[i] + (i + 1 < items.size() ? ",\n" : "\n");
  return out + indent + "]";
}

std::string Section::dump() const {
  return "{\"status\": " + json_string(status) + ", \"results\": " + json_array(results, "    ") + "}";
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int iterations_for(double probe_s, double target_s, int min_iters, int max_iters) {
  if (probe_s <= 0) return max_iters;
  const double n = std::ceil(target_s / probe_s);
  return static_cast<int>(std::clamp(n, double(min_iters), double(max_iters)));
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool Options::wants(const std::string& s) const {
  return sections.empty() || std::find(sections.begin(), sections.end(), s) != sections.end();
}

namespace {

__device__ uint32_t hash32(uint64_t i, uint32_t seed) {
  uint32_t x = static_cast<uint32_t>(i) ^ (static_cast<uint32_t>(i >> 32) * 0x9E3779B9u) ^ seed;
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

// kind: 0 f32, 1 bf16, 2 f16, 3 fp8 e4m3 (bytes with exponent <= 7: finite, |v| < 2, no NaN).
__global__ void fill_kernel(void* p, size_t n, int kind, uint32_t seed) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(gridDim.x) * blockDim.x) {
    const uint32_t h = hash32(i, seed);
    const float v = (h & 0xffffu) / 65536.0f - 0.5f;
    switch (kind) {
      case 0: static_cast<float*>(p)[i] = v; break;
      case 1: static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16(v); break;
      case 2: static_cast<__half*>(p)[i] = __float2half(v); break;
      default: static_cast<uint8_t*>(p)[i] = static_cast<uint8_t>((h >> 8) & 0xbfu); break;
    }
  }
}

}  // namespace

void fill_random(void* p, size_t elems, const std::string& type, uint32_t seed, cudaStream_t s) {
  const int kind = type == "f32" ? 0 : type == "bf16" ? 1 : type == "f16" ? 2 : 3;
  fill_kernel<<<1024, 256, 0, s>>>(p, elems, kind, seed);
  MB_CUDA(cudaGetLastError());
}

}  // namespace mb
