#include "sdpa_graph.h"

#include <memory>

namespace mb::sdpa {

using cudnn::DescPtr;
using cudnn::Graph;

namespace {

std::vector<int64_t> bhsd(long b, long h, long s, long d) {
  return {b, h, s, d};
}
std::vector<int64_t> bhsd_strides(long h, long s, long d) {
  return {h * s * d, s * d, d, 1};
}
// [b, h, s, d] in memory, seen as its transpose [b, h, d, s].
std::vector<int64_t> transposed_strides(long h, long s, long d) {
  return {h * s * d, s * d, 1, d};
}

struct Tensors {
  DescPtr q, k, kt, v, vt, o, stats, scale, neg_inf;
};

Tensors io_tensors(Graph& g, const Shape& s) {
  Tensors t;
  const auto bf = CUDNN_DATA_BFLOAT16;
  t.q = g.tensor(kQ, bhsd(s.b, s.h, s.sq, s.d), bhsd_strides(s.h, s.sq, s.d), bf);
  t.k = g.tensor(kK, bhsd(s.b, s.h, s.sk, s.d), bhsd_strides(s.h, s.sk, s.d), bf);
  t.kt = g.tensor(kKT, {s.b, s.h, s.d, s.sk}, transposed_strides(s.h, s.sk, s.d), bf);
  t.v = g.tensor(kV, bhsd(s.b, s.h, s.sk, s.dv), bhsd_strides(s.h, s.sk, s.dv), bf);
  t.vt = g.tensor(kVT, {s.b, s.h, s.dv, s.sk}, transposed_strides(s.h, s.sk, s.dv), bf);
  t.o = g.tensor(kO, bhsd(s.b, s.h, s.sq, s.dv), bhsd_strides(s.h, s.sq, s.dv), bf);
  t.stats = g.tensor(kStats, {s.b, s.h, s.sq, 1}, {s.h * s.sq, s.sq, 1, 1}, CUDNN_DATA_FLOAT);
  t.scale = g.tensor(kScale, {1, 1, 1, 1}, {1, 1, 1, 1}, CUDNN_DATA_FLOAT, false, true);
  t.neg_inf = g.tensor(kNegInf, {1, 1, 1, 1}, {1, 1, 1, 1}, CUDNN_DATA_FLOAT, false, true);
  return t;
}

// Scores scaled and, for causal, masked above the diagonal: S = Q·Kᵀ·scale, S[i][j] = lowest for j > i.
DescPtr masked_scores(Graph& g, const Shape& s, const Tensors& t, const Variant& v) {
  const std::vector<int64_t> dims = {s.b, s.h, s.sq, s.sk};
  auto raw = g.virt(dims, CUDNN_DATA_FLOAT);
  g.matmul(t.q, t.kt, raw);
  auto scaled = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_MUL, raw, scaled, t.scale);
  if (!s.causal) return scaled;
  const cudnnDataType_t idx = v.int_index ? CUDNN_DATA_INT32 : CUDNN_DATA_FLOAT;
  auto row = g.virt(dims, idx), col = g.virt(dims, idx);
  g.pointwise(CUDNN_POINTWISE_GEN_INDEX, scaled, row, nullptr, nullptr, idx, 2);
  g.pointwise(CUDNN_POINTWISE_GEN_INDEX, scaled, col, nullptr, nullptr, idx, 3);
  auto keep = g.virt(dims, CUDNN_DATA_BOOLEAN);
  g.pointwise(CUDNN_POINTWISE_CMP_GE, row, keep, col, nullptr,
              v.int_index ? CUDNN_DATA_BOOLEAN : CUDNN_DATA_FLOAT);
  auto masked = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_BINARY_SELECT, scaled, masked, t.neg_inf, keep);  // keep ? S : lowest
  return masked;
}

}  // namespace

// Order from the offline check (--check-cudnn-graphs, cuDNN 9.19, sm80 and sm90 device properties): cuDNN
// tags every pattern variant as an SDPA_FWD/SDPA_BWD graph, but its flash engines accept only a 16-bit P
// into the second matmul of the forward (a float P is refused by check_matmul_flash_mha_support).
// cuDNN 9.19's SDPA backward node is not implemented, so the node is tried for the forward only.
const std::vector<Variant>& variants() {
  static const std::vector<Variant> v = {
    {"pattern", CUDNN_DATA_BFLOAT16, true, false},
    {"pattern-f32-index", CUDNN_DATA_BFLOAT16, false, false},
    {"pattern-p-f32", CUDNN_DATA_FLOAT, true, false},
#if CUDNN_VERSION >= 91900
    {"sdpa-node", CUDNN_DATA_FLOAT, true, true},
#endif
  };
  return v;
}

void build_fwd(Graph& g, const Shape& s, const Variant& v) {
  const Tensors t = io_tensors(g, s);
  if (v.node) {
#if CUDNN_VERSION >= 91900
    auto op = std::make_shared<cudnn::Desc>(CUDNN_BACKEND_OPERATION_SDPA_FWD_DESCRIPTOR);
    op->set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_QDESC, *t.q)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_KDESC, *t.k)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_VDESC, *t.v)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_ODESC, *t.o)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_STATSDESC, *t.stats)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_FWD_SCALEDESC, *t.scale);
    op->finalize();
    g.add(op);
#endif
    return;
  }
  const std::vector<int64_t> dims = {s.b, s.h, s.sq, s.sk}, row_dims = {s.b, s.h, s.sq, 1};
  auto scores = masked_scores(g, s, t, v);
  auto max = g.virt(row_dims, CUDNN_DATA_FLOAT);
  g.reduction(CUDNN_REDUCE_TENSOR_MAX, scores, max);
  auto shifted = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_SUB, scores, shifted, max);
  auto e = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_EXP, shifted, e);
  auto sum = g.virt(row_dims, CUDNN_DATA_FLOAT);
  g.reduction(CUDNN_REDUCE_TENSOR_ADD, e, sum);
  auto log_sum = g.virt(row_dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_LOG, sum, log_sum);
  g.pointwise(CUDNN_POINTWISE_ADD, max, t.stats, log_sum);  // stats = logsumexp per row
  auto p = g.virt(dims, v.p_type);
  g.pointwise(CUDNN_POINTWISE_DIV, e, p, sum);
  g.matmul(p, t.v, t.o);
}

void build_bwd(Graph& g, const Shape& s, const Variant& v) {
  const Tensors t = io_tensors(g, s);
  const auto bf = CUDNN_DATA_BFLOAT16;
  auto dO = g.tensor(kDO, bhsd(s.b, s.h, s.sq, s.dv), bhsd_strides(s.h, s.sq, s.dv), bf);
  auto dQ = g.tensor(kDQ, bhsd(s.b, s.h, s.sq, s.d), bhsd_strides(s.h, s.sq, s.d), bf);
  auto dK = g.tensor(kDK, bhsd(s.b, s.h, s.sk, s.d), bhsd_strides(s.h, s.sk, s.d), bf);
  auto dV = g.tensor(kDV, bhsd(s.b, s.h, s.sk, s.dv), bhsd_strides(s.h, s.sk, s.dv), bf);
  if (v.node) {
#if CUDNN_VERSION >= 91900
    auto op = std::make_shared<cudnn::Desc>(CUDNN_BACKEND_OPERATION_SDPA_BWD_DESCRIPTOR);
    op->set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_QDESC, *t.q)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_KDESC, *t.k)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_VDESC, *t.v)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_ODESC, *t.o)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_DODDESC, *dO)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_STATSDESC, *t.stats)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_SCALEDESC, *t.scale)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_DQDESC, *dQ)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_DKDESC, *dK)
        .set_desc(CUDNN_ATTR_OPERATION_SDPA_BWD_DVDESC, *dV);
    op->finalize();
    g.add(op);
#endif
    return;
  }
  const std::vector<int64_t> dims = {s.b, s.h, s.sq, s.sk}, dims_t = {s.b, s.h, s.sk, s.sq},
                             row_dims = {s.b, s.h, s.sq, 1};
  const std::vector<int64_t> strides_t = {s.h * s.sq * s.sk, s.sq * s.sk, 1,
                                          s.sk};  // [sq, sk] seen as [sk, sq]
  // D = rowsum(dO∘O), kept in global memory (kSum) like the frontend's softmax_sum workspace.
  auto prod = g.virt(bhsd(s.b, s.h, s.sq, s.dv), CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_MUL, dO, prod, t.o);
  auto D = g.tensor(kSum, row_dims, {s.h * s.sq, s.sq, 1, 1}, CUDNN_DATA_FLOAT);
  g.reduction(CUDNN_REDUCE_TENSOR_ADD, prod, D);
  // P = exp(S − stats), recomputed.
  auto scores = masked_scores(g, s, t, v);
  auto shifted = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_SUB, scores, shifted, t.stats);
  auto p = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_EXP, shifted, p);
  // dV = Pᵀ·dO
  auto pt = g.virt(dims_t, strides_t, v.p_type);
  g.reshape(p, pt);
  g.matmul(pt, dO, dV);
  // dS = P∘(dO·Vᵀ − D)·scale
  auto dP = g.virt(dims, CUDNN_DATA_FLOAT);
  g.matmul(dO, t.vt, dP);
  auto centered = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_SUB, dP, centered, D);
  auto ds_raw = g.virt(dims, CUDNN_DATA_FLOAT);
  g.pointwise(CUDNN_POINTWISE_MUL, p, ds_raw, centered);
  auto ds = g.virt(dims, v.p_type);
  g.pointwise(CUDNN_POINTWISE_MUL, ds_raw, ds, t.scale);
  // dQ = dS·K, dK = dSᵀ·Q
  g.matmul(ds, t.k, dQ);
  auto dst = g.virt(dims_t, strides_t, v.p_type);
  g.reshape(ds, dst);
  g.matmul(dst, t.q, dK);
}

}  // namespace mb::sdpa
