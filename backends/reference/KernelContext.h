// KernelContext.h: what a reference kernel sees (its node, concrete input tensors and the output
// types the shape rules computed) and the table of kernels generated from ir/Ops.def.
#pragma once

#include <string_view>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln::reference {

/// The inputs and outputs of one kernel invocation.
struct KernelContext {
  const Node* node = nullptr;
  /// One entry per node input; null where an optional input is omitted.
  std::vector<const Tensor*> inputs;
  /// Concrete (fully static) output types from the op's shape rule.
  std::vector<TensorType> output_types;
  /// Filled by the kernel: one tensor per node output.
  std::vector<Tensor> outputs;

  const Attributes& attrs() const { return node->attrs; }
  /// Input i; only call when has_input(i).
  const Tensor& input(size_t i) const { return *inputs[i]; }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i] != nullptr; }
  /// The static dims of output i as integers.
  std::vector<int64_t> output_dims(size_t i) const;
  DType output_dtype(size_t i) const { return output_types[i].dtype; }
};

/// A kernel computes ctx.outputs from ctx.inputs.
using KernelFn = Status (*)(KernelContext& ctx);

// One kernel per op of ir/Ops.def: an op without a kernel is a link error.
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) Status run_##NAME(KernelContext& ctx);
#include "ir/Ops.def"
#undef KILN_OP

/// The kernel for `op`, or null for an op Kiln does not know.
KernelFn find_kernel(std::string_view op);

}  // namespace kiln::reference
