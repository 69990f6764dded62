// MemoryPlan.cpp: runs the library's arena planner at compile time.
#include "backends/halide/MemoryPlan.h"

#include "ir/shape_rules/DimArithmetic.h"

namespace kiln {
namespace {
#include "runtime/kiln_memory_plan.c"
}  // namespace

uint64_t stored_element_bytes(DType dtype) {
  return dtype == DType::Bool ? 1 : dtype_size(dtype);
}

ArenaPlan plan_arena(const KernelPartition& partition, int64_t symbol_value) {
  std::vector<kiln_plan_tensor> tensors(size_t(partition.intermediate_count));
  for (const BoundaryTensor& t : partition.tensors) {
    if (t.role != TensorRole::Intermediate) continue;
    uint64_t bytes = stored_element_bytes(t.value->type.dtype);
    for (const Dim& d : *t.value->type.shape)
      bytes *= uint64_t(evaluate_dim(d, [&](const std::string&) {
                          return std::optional<int64_t>(symbol_value);
                        }).value_or(1));
    tensors[size_t(t.index)] = {bytes, t.producer, std::max(t.producer, t.last_use)};
  }
  ArenaPlan plan;
  plan.offsets.resize(tensors.size());
  std::vector<int32_t> order(tensors.size());
  plan.arena_bytes =
      kiln_plan_arena(tensors.data(), int32_t(tensors.size()), plan.offsets.data(), order.data());
  for (const kiln_plan_tensor& t : tensors) {
    plan.bytes.push_back(t.bytes);
    plan.total_bytes += t.bytes;
  }
  return plan;
}

}  // namespace kiln
