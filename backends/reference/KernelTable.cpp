// KernelTable.cpp: maps op names to reference kernels, generated from ir/Ops.def.
#include <utility>

#include "backends/reference/KernelContext.h"

namespace kiln::reference {

std::vector<int64_t> KernelContext::output_dims(size_t i) const {
  std::vector<int64_t> dims;
  for (const Dim& d : *output_types[i].shape) dims.push_back(d.value);
  return dims;
}

KernelFn find_kernel(std::string_view op) {
  static const std::pair<std::string_view, KernelFn> kernels[] = {
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) {#NAME, &run_##NAME},
#include "ir/Ops.def"
#undef KILN_OP
  };
  for (const auto& [name, kernel] : kernels)
    if (name == op) return kernel;
  return nullptr;
}

}  // namespace kiln::reference
