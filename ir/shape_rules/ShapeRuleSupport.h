// ShapeRuleSupport.h: helpers shared by the per-op shape rules (private to ir/shape_rules):
// reading inputs with clear errors, normalising axes, and the X-macro declaration of every rule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/Error.h"
#include "ir/IR.h"
#include "ir/ShapeRules.h"

namespace kiln::shape_rules {

// One rule per op of ir/Ops.def; a missing definition is a link error.
#define KILN_OP(NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT) Status infer_##NAME(ShapeContext& ctx);
#include "ir/Ops.def"
#undef KILN_OP

/// "Conv input 1 (weight)" style description of input `index`, for messages.
std::string input_label(const ShapeContext& ctx, size_t index);

/// The type of input `index`; an error when it is omitted or has no known dtype and rank.
Result<TensorType> input_type(const ShapeContext& ctx, size_t index);
/// True when optional input `index` is present.
bool has_input(const ShapeContext& ctx, size_t index);

/// The input's integer elements if they are all plain integers (from a constant or known dims).
std::optional<std::vector<int64_t>> input_ints(const ShapeContext& ctx, size_t index);
/// The input's known dims (from known dims or an integer constant), possibly symbolic.
std::optional<std::vector<Dim>> input_dims_values(const ShapeContext& ctx, size_t index);

/// Maps a possibly negative axis into [0, rank); an error naming `what` when out of range.
Result<int64_t> normalize_axis(int64_t axis, int64_t rank, const std::string& what);

/// Checks optional input `index`, when present, for one element of `x`'s dtype (a bound or fill
/// value given at run time, such as Clip's min).
Status check_scalar_operand(const ShapeContext& ctx, size_t index, const TensorType& x);

/// Sets the single output of ctx to `type` (and optional known dims).
Status set_output(ShapeContext& ctx, TensorType type,
                  std::optional<std::vector<Dim>> known_dims = std::nullopt);

/// "[1,2,3]" for a list of integers.
std::string ints_to_string(const std::vector<int64_t>& values);

/// True for the integer dtypes whose tensors can hold dims.
bool is_integer_dtype(DType dtype);

/// The output shape of a convolution of `x` [N, C, spatial...] by `w` [M, C/group, kernel...]
/// under ctx's window attributes (Conv and its integer forms share it).
Result<Shape> conv_output_shape(const ShapeContext& ctx, const TensorType& x, const TensorType& w);
/// The output shape of numpy matmul of `a` by `b` (MatMul and its integer forms share it).
Result<Shape> matmul_output_shape(const ShapeContext& ctx, const TensorType& a,
                                  const TensorType& b);

}  // namespace kiln::shape_rules

/// Evaluates a Result-returning expression into `lhs`, returning its error from the enclosing
/// function when it fails.
#define KILN_SHAPE_ASSIGN(lhs, expr)                \
  auto lhs##_result_ = (expr);                      \
  if (!lhs##_result_) return lhs##_result_.error(); \
  auto& lhs = *lhs##_result_
