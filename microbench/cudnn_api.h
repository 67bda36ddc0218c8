// cuDNN 9's backend graph API (cudnn_graph.h), loaded at run time with dlopen("libcudnn.so.9") so the
// suite links without cuDNN and still runs (attention section "skipped") where it is missing. Only the
// headers are needed at build time; the cudnn-frontend C++ wrapper is not used.
//
// The backend API builds everything from descriptors: tensors (dims, strides, type, unique id), operation
// nodes (matmul, pointwise, reduction, reshape, or cuDNN's own SDPA node), an operation graph, engine
// heuristics that list engine configurations for the graph, and an execution plan finalized from one of
// them. A variant pack binds unique ids to device pointers at execution (cuDNN Backend API reference,
// "Graph API" chapter).
#pragma once

#include <cudnn.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mb::cudnn {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The loaded library, or nullptr with the reason in *why (library or symbol missing).
struct Api;
const Api* load(std::string* why = nullptr);
std::string version_string();  // e.g. "9.19.0"; "" when not loadable

class Handle {
 public:
  Handle();  // throws Error when cuDNN is unavailable or cudnnCreate fails
  ~Handle();
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  cudnnHandle_t get() const { return h_; }
  void set_stream(cudaStream_t s);

 private:
  cudnnHandle_t h_ = nullptr;
};

// One owned backend descriptor.
class Desc {
 public:
  explicit Desc(cudnnBackendDescriptorType_t type);
  ~Desc();
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  cudnnBackendDescriptor_t get() const { return d_; }
  Desc& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count,
            const void* values);
  Desc& set_i64(cudnnBackendAttributeName_t name, int64_t v) { return set(name, CUDNN_TYPE_INT64, 1, &v); }
  Desc& set_i64s(cudnnBackendAttributeName_t name, const std::vector<int64_t>& v) {
    return set(name, CUDNN_TYPE_INT64, int64_t(v.size()), v.data());
  }
  Desc& set_type(cudnnBackendAttributeName_t name, cudnnDataType_t t) {
    return set(name, CUDNN_TYPE_DATA_TYPE, 1, &t);
  }
  Desc& set_bool(cudnnBackendAttributeName_t name, bool b);
  Desc& set_desc(cudnnBackendAttributeName_t name, const Desc& d);
  void finalize();

 private:
  cudnnBackendDescriptor_t d_ = nullptr;
};
using DescPtr = std::shared_ptr<Desc>;

struct Plan {
  DescPtr plan;
  int64_t workspace_bytes = 0;
  int64_t engine = -1;  // engine global index chosen
  std::string json;     // the plan's JSON representation (engine id and knobs), truncated
};

// An operation graph under construction. Tensors with caller-chosen unique ids are bound to memory at
// execution; virtual tensors (intermediates that never reach global memory) get ids from 1000 up.
class Graph {
 public:
  explicit Graph(cudnnHandle_t h) : h_(h) {}
  DescPtr tensor(int64_t uid, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
                 cudnnDataType_t type, bool is_virtual = false, bool by_value = false);
  // A virtual tensor with packed row-major strides.
  DescPtr virt(const std::vector<int64_t>& dims, cudnnDataType_t type);
  // A virtual tensor with explicit strides (a transposed view, as a reshape output).
  DescPtr virt(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides, cudnnDataType_t type);

  void matmul(const DescPtr& a, const DescPtr& b, const DescPtr& c);
  // y = mode(x[, b][, t]); `prec` is the math precision; `axis` is for GEN_INDEX (-1: unset).
  void pointwise(cudnnPointwiseMode_t mode, const DescPtr& x, const DescPtr& y, const DescPtr& b = nullptr,
                 const DescPtr& t = nullptr, cudnnDataType_t prec = CUDNN_DATA_FLOAT, int64_t axis = -1);
  void reduction(cudnnReduceTensorOp_t op, const DescPtr& x, const DescPtr& y);
  void reshape(const DescPtr& x, const DescPtr& y);
  void add(DescPtr op) { ops_.push_back(std::move(op)); }

  // Finalizes the graph, asks the heuristics (mode A, then the fallback list) and returns the first
  // engine configuration whose execution plan finalizes. Throws Error naming why none did.
  Plan plan() const;
  // The same without a GPU, for the device a cuDNN device-property JSON describes (cuDNN 9's
  // ahead-of-time path: heuristics and plan finalization against CUDNN_BACKEND_DEVICEPROP_DESCRIPTOR).
  // Used by --check-cudnn-graphs to see which engines accept the graphs on a machine without a GPU.
  Plan plan_for_device(const std::string& deviceprop_json) const;
  // Finalizes the operation graph alone (no engine, no GPU needed when `h` is null): checks that cuDNN
  // accepts the nodes and their connections. Throws Error.
  void finalize_graph() const;

 private:
  Plan plan_with(const Desc* deviceprop) const;
  cudnnHandle_t h_;
  std::vector<DescPtr> ops_;
  int64_t next_virtual_ = 1000;
};

// The (unique id, pointer) bindings of one execution; by-value tensors bind a host pointer, which must
// outlive the pack. Built once per shape, so timed executions carry no descriptor set-up.
DescPtr variant_pack(const std::vector<std::pair<int64_t, void*>>& bindings, void* workspace);
void execute(const Handle& h, const Plan& p, const Desc& pack);

}  // namespace mb::cudnn
