#include "models/catalog.h"

#include <algorithm>

namespace trainsite::models {

std::optional<double> Gpu::peak(Precision p) const {
  const auto it = peak_tflops.find(to_string(p));
  if (it == peak_tflops.end() || it->second <= 0) return std::nullopt;
  return it->second;
}

namespace {
template <class T>
const T* find_by_id(const std::vector<T>& v, const std::string& id) {
  const auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.id == id; });
  return it == v.end() ? nullptr : &*it;
}
}  // namespace

const Gpu* Catalog::find_gpu(const std::string& id) const {
  return find_by_id(gpus, id);
}
const ModelSpec* Catalog::find_model(const std::string& id) const {
  return find_by_id(models, id);
}
const Site* Catalog::find_site(const std::string& id) const {
  return find_by_id(sites, id);
}
const SoftwareStack* Catalog::find_stack(const std::string& id) const {
  return find_by_id(stacks, id);
}

std::string SoftwareStack::value(const std::string& setting, const std::string& arch) const {
  const auto it = settings.find(setting);
  if (it == settings.end()) return "";
  const auto a = it->second.find(arch);
  if (a != it->second.end()) return a->second;
  const auto any = it->second.find("");
  return any == it->second.end() ? "" : any->second;
}

std::string to_string(Precision p) {
  switch (p) {
    case Precision::fp16: return "fp16";
    case Precision::bf16: return "bf16";
    case Precision::fp8: return "fp8";
  }
  return "?";
}

std::string to_string(Activation a) {
  return a == Activation::swiglu ? "swiglu" : "gelu";
}

}  // namespace trainsite::models
