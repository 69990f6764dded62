// ReductionShapes.cpp: shape rules of the reductions over a set of axes (ReduceMean, ReduceSum,
// ... ReduceSumSquare) and along one axis (ArgMax, ArgMin).
#include <set>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// X's shape without the reduced axes, or with them as 1 (keepdims), in `dtype`.
Status set_reduced_output(ShapeContext& ctx, const TensorType& x, const std::set<int64_t>& reduced,
                          bool keepdims, DType dtype) {
  Shape out;
  for (int64_t i = 0; i < static_cast<int64_t>(x.shape->size()); ++i) {
    if (!reduced.count(i))
      out.push_back((*x.shape)[static_cast<size_t>(i)]);
    else if (keepdims)
      out.push_back(Dim::known(1));
  }
  return set_output(ctx, TensorType{dtype, out});
}

// The rule every Reduce<Kind> shares: attribute `axes` (all axes when absent), `keepdims`.
Status infer_reduction(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  std::set<int64_t> reduced;
  if (!ctx.attrs->has("axes") || ctx.attrs->get_ints("axes").empty()) {
    for (int64_t i = 0; i < rank; ++i) reduced.insert(i);
  } else {
    for (int64_t axis : ctx.attrs->get_ints("axes")) {
      KILN_SHAPE_ASSIGN(normalized, normalize_axis(axis, rank, ctx.op + " axis"));
      if (!reduced.insert(normalized).second)
        return make_error(ctx.op + " axes " + ints_to_string(ctx.attrs->get_ints("axes")) +
                          " name axis " + std::to_string(normalized) + " twice");
    }
  }
  return set_reduced_output(ctx, x, reduced, ctx.attrs->get_int("keepdims", 1) != 0, x.dtype);
}

// ArgMax/ArgMin: attribute `axis` (0), `keepdims` (1); the output holds i64 indices.
Status infer_arg_reduction(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", 0), rank, ctx.op + " axis"));
  const Dim& extent = (*x.shape)[static_cast<size_t>(axis)];
  if (extent.is_static() && extent.value == 0)
    return make_error(ctx.op + " along axis " + std::to_string(axis) + " of " + x.to_string() +
                      ": the axis is empty, so there is no index to return");
  return set_reduced_output(ctx, x, {axis}, ctx.attrs->get_int("keepdims", 1) != 0, DType::Int64);
}

}  // namespace

Status infer_ReduceMean(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceSum(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceMax(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceMin(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceProd(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceL1(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceL2(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceLogSum(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceLogSumExp(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ReduceSumSquare(ShapeContext& ctx) {
  return infer_reduction(ctx);
}
Status infer_ArgMax(ShapeContext& ctx) {
  return infer_arg_reduction(ctx);
}
Status infer_ArgMin(ShapeContext& ctx) {
  return infer_arg_reduction(ctx);
}

}  // namespace kiln::shape_rules
