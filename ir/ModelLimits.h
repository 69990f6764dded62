// ModelLimits.h: what a model must satisfy, beyond being valid IR, for Kiln to compile it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ir/Error.h"
#include "ir/IR.h"

namespace kiln {

/// The largest tensor Kiln compiles, in bytes at every symbolic dim = 1: Halide indexes buffers
/// with 32-bit extents and, without its large_buffers feature, refuses allocations of 2^31
/// bytes or more (it would report that only as warnings during compilation).
inline constexpr int64_t kMaxTensorBytes = (int64_t{1} << 31) - 1;
/// The highest rank Kiln compiles (CNN tensors have at most 6; Halide itself stops at 255).
inline constexpr size_t kMaxTensorRank = 16;

/// Checks, on a verified graph (shapes inferred or not): the graph has an output; no value has
/// more than kMaxTensorRank dims or more than kMaxTensorBytes (int64 overflow included); no
/// graph input has a zero dim; every float attribute is finite (Clip's min and max may be
/// infinite). The error names the node, or the graph input, at fault.
Status check_model_limits(const Graph& graph);

}  // namespace kiln
