// OpLowerings.h: the Halide lowering of each op, one function per entry of ir/Ops.def.
#pragma once

#include <string_view>

#include "backends/halide/LoweringContext.h"

namespace kiln::halide_lowering {

/// Builds the Funcs of one node from its (already lowered) inputs.
using OpLoweringFn = Result<NodeLowering> (*)(LoweringContext& ctx, const Node& node);

// One lowering per op of ir/Ops.def: an op without a lowering is a link error.
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) \
  Result<NodeLowering> lower_##NAME(LoweringContext& ctx, const Node& node);
#include "ir/Ops.def"
#undef KILN_OP

/// The lowering for `op`, or null for an op Kiln does not know.
OpLoweringFn find_op_lowering(std::string_view op);

/// NaN test of a floating-point Expr on its bits (exponent all ones, mantissa nonzero): Halide
/// 14's is_nan fails to codegen vectors of float16 widened to float32.
Halide::Expr is_nan_bits(const Halide::Expr& e);

/// A one-output lowering whose Func is both the value and the scheduled output.
NodeLowering single_output(Halide::Func f, std::vector<Halide::Expr> extents, DType dtype);

/// Bytes of one image of `value` (every dim but the first, the batch) as elements of `type`; 0
/// when a dim other than the batch is not static.
int64_t static_image_bytes(const Value& value, const Halide::Type& type);

}  // namespace kiln::halide_lowering
