#include "cudnn_api.h"

#include <dlfcn.h>

#include <algorithm>
#include <mutex>
#include <type_traits>

namespace mb::cudnn {

// The entry points used, typed from the declarations in cudnn_graph.h (never called directly, so the
// executable has no link dependency on libcudnn).
struct Api {
  decltype(&cudnnGetVersion) get_version;
  decltype(&cudnnGetErrorString) error_string;
  decltype(&cudnnGetLastErrorString) last_error;
  decltype(&cudnnCreate) create;
  decltype(&cudnnDestroy) destroy;
  decltype(&cudnnSetStream) set_stream;
  decltype(&cudnnBackendCreateDescriptor) create_desc;
  decltype(&cudnnBackendDestroyDescriptor) destroy_desc;
  decltype(&cudnnBackendSetAttribute) set_attr;
  decltype(&cudnnBackendGetAttribute) get_attr;
  decltype(&cudnnBackendFinalize) finalize;
  decltype(&cudnnBackendExecute) execute;
};

namespace {

// Deprecated in cuDNN 9 (a device-property descriptor can replace them) but still accepted; set by value
// so the deprecated enumerators are not named.
const auto kOpGraphHandle =
    static_cast<cudnnBackendAttributeName_t>(800);                       // CUDNN_ATTR_OPERATIONGRAPH_HANDLE
const auto kPlanHandle = static_cast<cudnnBackendAttributeName_t>(400);  // CUDNN_ATTR_EXECUTION_PLAN_HANDLE

struct Loaded {
  void* lib = nullptr;
  Api api{};
  bool ok = false;
  std::string why;
};

const Loaded& loaded() {
  static Loaded l;
  static std::once_flag once;
  std::call_once(once, [] {
    for (const char* name : {"libcudnn.so.9", "libcudnn.so"}) {
      l.lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (l.lib) break;
    }
    if (!l.lib) {
      l.why = "libcudnn.so.9 not found (install cuDNN 9 or add it to LD_LIBRARY_PATH)";
      return;
    }
    bool all = true;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(l.lib, name));
      if (!fn) {
        all = false;
        l.why = std::string("cuDNN symbol missing: ") + name;
      }
    };
    Api& a = l.api;
    sym(a.get_version, "cudnnGetVersion");
    sym(a.error_string, "cudnnGetErrorString");
    sym(a.last_error, "cudnnGetLastErrorString");
    sym(a.create, "cudnnCreate");
    sym(a.destroy, "cudnnDestroy");
    sym(a.set_stream, "cudnnSetStream");
    sym(a.create_desc, "cudnnBackendCreateDescriptor");
    sym(a.destroy_desc, "cudnnBackendDestroyDescriptor");
    sym(a.set_attr, "cudnnBackendSetAttribute");
    sym(a.get_attr, "cudnnBackendGetAttribute");
    sym(a.finalize, "cudnnBackendFinalize");
    sym(a.execute, "cudnnBackendExecute");
    if (!all) return;
    if (a.get_version() < 90000) {
      l.why = "cuDNN " + std::to_string(a.get_version()) + " is older than 9.0";
      return;
    }
    l.ok = true;
  });
  return l;
}

const Api& api() {
  const Loaded& l = loaded();
  if (!l.ok) throw Error("cuDNN unavailable: " + l.why);
  return l.api;
}

void check(cudnnStatus_t st, const char* what) {
  if (st == CUDNN_STATUS_SUCCESS) return;
  const Api& a = api();
  char msg[1024] = {};
  a.last_error(msg, sizeof msg);
  throw Error(std::string(what) + ": " + a.error_string(st) + (msg[0] ? std::string(" (") + msg + ")" : ""));
}

std::vector<int64_t> packed_strides(const std::vector<int64_t>& dims) {
  std::vector<int64_t> s(dims.size(), 1);
  for (size_t i = dims.size(); i-- > 1;) s[i - 1] = s[i] * dims[i];
  return s;
}

}  // namespace

const Api* load(std::string* why) {
  const Loaded& l = loaded();
  if (why) *why = l.why;
  return l.ok ? &l.api : nullptr;
}

std::string version_string() {
  const Api* a = load();
  if (!a) return "";
  const size_t v = a->get_version();  // major·10000 + minor·100 + patch since cuDNN 9
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

Handle::Handle() {
  check(api().create(&h_), "cudnnCreate");
}
Handle::~Handle() {
  if (h_) api().destroy(h_);
}
void Handle::set_stream(cudaStream_t s) {
  check(api().set_stream(h_, s), "cudnnSetStream");
}

Desc::Desc(cudnnBackendDescriptorType_t type) {
  check(api().create_desc(type, &d_), "cudnnBackendCreateDescriptor");
}
Desc::~Desc() {
  if (d_) api().destroy_desc(d_);
}
Desc& Desc::set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, int64_t count,
                const void* values) {
  check(api().set_attr(d_, name, type, count, values),
        ("cudnnBackendSetAttribute(" + std::to_string(int(name)) + ")").c_str());
  return *this;
}
Desc& Desc::set_bool(cudnnBackendAttributeName_t name, bool b) {
  const bool v = b;
  return set(name, CUDNN_TYPE_BOOLEAN, 1, &v);
}
Desc& Desc::set_desc(cudnnBackendAttributeName_t name, const Desc& d) {
  cudnnBackendDescriptor_t raw = d.get();
  return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &raw);
}
void Desc::finalize() {
  check(api().finalize(d_), "cudnnBackendFinalize");
}

DescPtr Graph::tensor(int64_t uid, const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
                      cudnnDataType_t type, bool is_virtual, bool by_value) {
  auto t = std::make_shared<Desc>(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  t->set_type(CUDNN_ATTR_TENSOR_DATA_TYPE, type)
      .set_i64s(CUDNN_ATTR_TENSOR_DIMENSIONS, dims)
      .set_i64s(CUDNN_ATTR_TENSOR_STRIDES, strides)
      .set_i64(CUDNN_ATTR_TENSOR_UNIQUE_ID, uid)
      .set_i64(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, 16)
      .set_bool(CUDNN_ATTR_TENSOR_IS_VIRTUAL, is_virtual);
  if (by_value) t->set_bool(CUDNN_ATTR_TENSOR_IS_BY_VALUE, true);
  t->finalize();
  return t;
}

DescPtr Graph::virt(const std::vector<int64_t>& dims, cudnnDataType_t type) {
  return tensor(next_virtual_++, dims, packed_strides(dims), type, true);
}

DescPtr Graph::virt(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides,
                    cudnnDataType_t type) {
  return tensor(next_virtual_++, dims, strides, type, true);
}

void Graph::matmul(const DescPtr& a, const DescPtr& b, const DescPtr& c) {
  auto md = std::make_shared<Desc>(CUDNN_BACKEND_MATMUL_DESCRIPTOR);
  md->set_type(CUDNN_ATTR_MATMUL_COMP_TYPE, CUDNN_DATA_FLOAT);
  md->finalize();
  auto op = std::make_shared<Desc>(CUDNN_BACKEND_OPERATION_MATMUL_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_MATMUL_ADESC, *a)
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_BDESC, *b)
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_CDESC, *c)
      .set_desc(CUDNN_ATTR_OPERATION_MATMUL_DESC, *md);
  op->finalize();
  ops_.push_back(op);
}

void Graph::pointwise(cudnnPointwiseMode_t mode, const DescPtr& x, const DescPtr& y, const DescPtr& b,
                      const DescPtr& t, cudnnDataType_t prec, int64_t axis) {
  auto pw = std::make_shared<Desc>(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw->set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, 1, &mode);
  pw->set_type(CUDNN_ATTR_POINTWISE_MATH_PREC, prec);
  if (axis >= 0) pw->set_i64(CUDNN_ATTR_POINTWISE_AXIS, axis);
  pw->finalize();
  auto op = std::make_shared<Desc>(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, *pw)
      .set_desc(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, *x);
  if (b) op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b);
  if (t) op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_TDESC, *t);
  op->set_desc(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, *y);
  op->finalize();
  ops_.push_back(op);
}

void Graph::reduction(cudnnReduceTensorOp_t mode, const DescPtr& x, const DescPtr& y) {
  auto rd = std::make_shared<Desc>(CUDNN_BACKEND_REDUCTION_DESCRIPTOR);
  rd->set(CUDNN_ATTR_REDUCTION_OPERATOR, CUDNN_TYPE_REDUCTION_OPERATOR_TYPE, 1, &mode);
  rd->set_type(CUDNN_ATTR_REDUCTION_COMP_TYPE, CUDNN_DATA_FLOAT);
  rd->finalize();
  auto op = std::make_shared<Desc>(CUDNN_BACKEND_OPERATION_REDUCTION_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_REDUCTION_XDESC, *x)
      .set_desc(CUDNN_ATTR_OPERATION_REDUCTION_YDESC, *y)
      .set_desc(CUDNN_ATTR_OPERATION_REDUCTION_DESC, *rd);
  op->finalize();
  ops_.push_back(op);
}

void Graph::reshape(const DescPtr& x, const DescPtr& y) {
  auto op = std::make_shared<Desc>(CUDNN_BACKEND_OPERATION_RESHAPE_DESCRIPTOR);
  op->set_desc(CUDNN_ATTR_OPERATION_RESHAPE_XDESC, *x).set_desc(CUDNN_ATTR_OPERATION_RESHAPE_YDESC, *y);
  op->finalize();
  ops_.push_back(op);
}

void Graph::finalize_graph() const {
  Desc graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  std::vector<cudnnBackendDescriptor_t> raw;
  for (const auto& op : ops_) raw.push_back(op->get());
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, int64_t(raw.size()), raw.data());
  if (h_) graph.set(kOpGraphHandle, CUDNN_TYPE_HANDLE, 1, &h_);
  graph.finalize();
}

Plan Graph::plan() const {
  return plan_with(nullptr);
}

Plan Graph::plan_for_device(const std::string& deviceprop_json) const {
  Desc dev(CUDNN_BACKEND_DEVICEPROP_DESCRIPTOR);
  dev.set(CUDNN_ATTR_DEVICEPROP_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, int64_t(deviceprop_json.size()),
          deviceprop_json.data());
  dev.finalize();
  return plan_with(&dev);
}

Plan Graph::plan_with(const Desc* dev) const {
  const Api& a = api();
  Desc graph(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  std::vector<cudnnBackendDescriptor_t> raw;
  for (const auto& op : ops_) raw.push_back(op->get());
  graph.set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, int64_t(raw.size()), raw.data());
  if (h_) graph.set(kOpGraphHandle, CUDNN_TYPE_HANDLE, 1, &h_);
  graph.finalize();

  std::string tried;
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK}) {
    Desc heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    heur.set_desc(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph);
    heur.set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &mode);
    if (dev) heur.set_desc(CUDNN_ATTR_ENGINEHEUR_DEVICEPROP, *dev);
    try {
      heur.finalize();
    } catch (const Error& e) {
      tried += std::string(tried.empty() ? "" : "; ") + "heuristics: " + e.what();
      continue;
    }
    int64_t count = 0;
    check(a.get_attr(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                     nullptr),
          "engine heuristics count");
    if (count <= 0) continue;
    std::vector<std::unique_ptr<Desc>> cfgs;
    std::vector<cudnnBackendDescriptor_t> cfg_raw;
    for (int64_t i = 0; i < count; ++i) {
      cfgs.push_back(std::make_unique<Desc>(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR));
      cfg_raw.push_back(cfgs.back()->get());
    }
    int64_t got = 0;
    check(a.get_attr(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS, CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &got,
                     cfg_raw.data()),
          "engine heuristics results");
    for (int64_t i = 0; i < std::min(got, count); ++i) {
      int64_t engine_index = -1, n = 0;
      {
        Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
        cudnnBackendDescriptor_t eng_raw = engine.get();
        if (a.get_attr(cfgs[size_t(i)]->get(), CUDNN_ATTR_ENGINECFG_ENGINE, CUDNN_TYPE_BACKEND_DESCRIPTOR, 1,
                       &n, &eng_raw) == CUDNN_STATUS_SUCCESS)
          a.get_attr(eng_raw, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, 1, &n, &engine_index);
      }
      auto plan = std::make_shared<Desc>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
      try {
        if (h_) plan->set(kPlanHandle, CUDNN_TYPE_HANDLE, 1, &h_);
        if (dev) plan->set_desc(CUDNN_ATTR_EXECUTION_PLAN_DEVICEPROP, *dev);
        plan->set_desc(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, *cfgs[size_t(i)]);
        plan->finalize();
      } catch (const Error& e) {
        if (tried.size() < 1200)
          tried += std::string(tried.empty() ? "" : "; ") + "engine " + std::to_string(engine_index) + ": " +
                   e.what();
        continue;
      }
      Plan p;
      p.plan = plan;
      p.engine = engine_index;
      a.get_attr(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE, CUDNN_TYPE_INT64, 1, &got,
                 &p.workspace_bytes);
      int64_t len = 0;
      if (a.get_attr(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, 0, &len,
                     nullptr) == CUDNN_STATUS_SUCCESS &&
          len > 0) {
        std::string json(size_t(len), '\0');
        if (a.get_attr(plan->get(), CUDNN_ATTR_EXECUTION_PLAN_JSON_REPRESENTATION, CUDNN_TYPE_CHAR, len, &len,
                       json.data()) == CUDNN_STATUS_SUCCESS)
          p.json = json.substr(0, std::min<size_t>(json.find('\0'), 400));
      }
      return p;
    }
  }
  throw Error("no cuDNN engine builds this graph" + (tried.empty() ? std::string() : ": " + tried));
}

DescPtr variant_pack(const std::vector<std::pair<int64_t, void*>>& bindings, void* workspace) {
  std::vector<int64_t> uids;
  std::vector<void*> ptrs;
  for (const auto& [uid, ptr] : bindings) {
    uids.push_back(uid);
    ptrs.push_back(ptr);
  }
  auto pack = std::make_shared<Desc>(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack->set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, int64_t(uids.size()), uids.data());
  pack->set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, int64_t(ptrs.size()), ptrs.data());
  pack->set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1, &workspace);
  pack->finalize();
  return pack;
}

void execute(const Handle& h, const Plan& p, const Desc& pack) {
  check(api().execute(h.get(), p.plan->get(), pack.get()), "cudnnBackendExecute");
}

}  // namespace mb::cudnn
