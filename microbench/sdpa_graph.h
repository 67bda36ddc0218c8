// cuDNN's scaled-dot-product attention as an operation graph of the backend API (cudnn_api.h): the
// documented fused-attention pattern (cuDNN Developer Guide, "Supported Graph Patterns", SDPA fprop and
// bprop), node by node, or cuDNN 9's own SDPA operation node. BF16 tensors in [batch, heads, seq, dim]
// layout; intermediates FP32 unless a variant says otherwise:
//   forward   S = Q·Kᵀ · scale → [causal: gen_index row ≥ col, binary_select(S, lowest)] →
//             softmax as max, sub, exp, sum, div (stats = max + log(sum) kept for the backward) → O = P·V
//   backward  D = rowsum(dO∘O); P = exp(S·scale − stats) (with the same mask); dV = Pᵀ·dO;
//             dP = dO·Vᵀ; dS = P∘(dP − D)·scale; dQ = dS·K; dK = dSᵀ·Q
#pragma once

#include <vector>

#include "cudnn_api.h"

namespace mb::sdpa {

struct Shape {
  long b, h, sq, sk, d, dv;
  bool causal;
};

// Unique ids of the tensors bound at execution. The pattern reads K and V also through transposed views
// (kKT, kVT: bound to the same memory); D = rowsum(dO∘O) lives in global memory (kSum), as the frontend's
// softmax_sum workspace does; kScale and kNegInf are by-value host floats.
enum Uid : int64_t { kQ = 1, kK, kV, kO, kStats, kScale, kDO, kDQ, kDK, kDV, kKT, kVT, kSum, kNegInf };

// One way of writing the graph. `p_type`: type of the virtual tensors that feed a matmul (P, Pᵀ, dS,
// dSᵀ); `int_index`: causal index generation in INT32 with a BOOLEAN comparison (as the frontend
// writes it) or all in FLOAT; `node`: cuDNN's SDPA operation node instead of the pattern.
struct Variant {
  const char* name;
  cudnnDataType_t p_type;
  bool int_index;
  bool node;
};

// In the order to try them (see sdpa_graph.cpp for why).
const std::vector<Variant>& variants();

void build_fwd(cudnn::Graph& g, const Shape& s, const Variant& v);
void build_bwd(cudnn::Graph& g, const Shape& s, const Variant& v);

}  // namespace mb::sdpa
