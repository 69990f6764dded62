// LinearShapes.cpp: shape rules of the matrix products (Gemm, MatMul), normalisation
// (BatchNormalization, Softmax, LogSoftmax, Hardmax) and Trilu.
#include <algorithm>
#include <set>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// Two contracted dims must agree where both are static.
Status check_inner_dims(const ShapeContext& ctx, const Dim& a, const Dim& b, const TensorType& ta,
                        const TensorType& tb) {
  if (a.is_static() && b.is_static() && a.value != b.value)
    return make_error(ctx.op + " inner dims differ: " + ta.to_string() + " gives K=" +
                      a.to_string() + " but " + tb.to_string() + " gives K=" + b.to_string());
  return Status::ok();
}

Status check_same_dtype(const ShapeContext& ctx, const TensorType& a, const TensorType& b) {
  if (a.dtype != b.dtype)
    return make_error(ctx.op + " inputs have different dtypes: " + a.to_string() + " and " +
                      b.to_string());
  return Status::ok();
}

}  // namespace

Status infer_Gemm(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(a, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(b, input_type(ctx, 1));
  KILN_RETURN_IF_ERROR(check_same_dtype(ctx, a, b));
  if (a.shape->size() != 2 || b.shape->size() != 2)
    return make_error("Gemm needs rank-2 inputs but got " + a.to_string() + " and " +
                      b.to_string());
  const bool trans_a = ctx.attrs->get_int("transA", 0) != 0;
  const bool trans_b = ctx.attrs->get_int("transB", 0) != 0;
  const Dim& m = (*a.shape)[trans_a ? 1 : 0];
  const Dim& k_a = (*a.shape)[trans_a ? 0 : 1];
  const Dim& k_b = (*b.shape)[trans_b ? 1 : 0];
  const Dim& n = (*b.shape)[trans_b ? 0 : 1];
  KILN_RETURN_IF_ERROR(check_inner_dims(ctx, k_a, k_b, a, b));
  Shape out = {m, n};
  if (has_input(ctx, 2)) {
    KILN_SHAPE_ASSIGN(c, input_type(ctx, 2));
    std::optional<Shape> broadcast = broadcast_shapes(*c.shape, out, nullptr);
    // C broadcasts to the product's shape, never the other way.
    bool fits = c.shape->size() <= 2 && broadcast && broadcast->size() == 2;
    for (size_t i = 0; fits && i < 2; ++i) {
      const Dim& got = (*broadcast)[i];
      if (got.is_static() && out[i].is_static() && got != out[i]) fits = false;
    }
    if (!fits)
      return make_error("Gemm bias " + c.to_string() + " does not broadcast to " +
                        shape_to_string(out));
  }
  return set_output(ctx, TensorType{a.dtype, out});
}

Result<Shape> matmul_output_shape(const ShapeContext& ctx, const TensorType& a,
                                  const TensorType& b) {
  Shape sa = *a.shape, sb = *b.shape;
  if (sa.empty() || sb.empty())
    return make_error(ctx.op + " inputs must have rank >= 1 but got " + a.to_string() + " and " +
                      b.to_string());
  // numpy: a vector operand gains a unit dim for the product and loses it after.
  const bool vector_a = sa.size() == 1, vector_b = sb.size() == 1;
  if (vector_a) sa.insert(sa.begin(), Dim::known(1));
  if (vector_b) sb.push_back(Dim::known(1));
  KILN_RETURN_IF_ERROR(check_inner_dims(ctx, sa.back(), sb[sb.size() - 2], a, b));
  std::string conflict;
  std::optional<Shape> batch =
      broadcast_shapes(Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2), &conflict);
  if (!batch)
    return make_error(ctx.op + " batch dims of " + a.to_string() + " and " + b.to_string() +
                      " do not broadcast (" + conflict + ")");
  Shape out = *batch;
  if (!vector_a) out.push_back(sa[sa.size() - 2]);
  if (!vector_b) out.push_back(sb.back());
  return out;
}

Status infer_MatMul(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(a, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(b, input_type(ctx, 1));
  KILN_RETURN_IF_ERROR(check_same_dtype(ctx, a, b));
  KILN_SHAPE_ASSIGN(out, matmul_output_shape(ctx, a, b));
  return set_output(ctx, TensorType{a.dtype, out});
}

Status infer_BatchNormalization(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.shape->size() < 2)
    return make_error("BatchNormalization input must have rank >= 2 (N, C, ...) but is " +
                      x.to_string());
  const Dim& channels = (*x.shape)[1];
  static const char* const kRoles[] = {"", "scale", "bias", "mean", "variance"};
  for (size_t i = 1; i < 5; ++i) {
    KILN_SHAPE_ASSIGN(param, input_type(ctx, i));
    bool ok = param.shape->size() == 1;
    if (ok && channels.is_static() && (*param.shape)[0].is_static())
      ok = (*param.shape)[0] == channels;
    if (!ok)
      return make_error(std::string("BatchNormalization ") + kRoles[i] + " " + param.to_string() +
                        " must be a vector of the input's " + channels.to_string() +
                        " channels (input " + x.to_string() + ")");
  }
  return set_output(ctx, x);
}

namespace {

// Softmax, LogSoftmax, Hardmax: attribute `axis` (-1) names a dim; the output has X's type.
Status infer_along_axis(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", -1), std::max<int64_t>(rank, 1),
                                         ctx.op + " axis"));
  (void)axis;
  return set_output(ctx, x);
}

}  // namespace

Status infer_Softmax(ShapeContext& ctx) { return infer_along_axis(ctx); }
Status infer_LogSoftmax(ShapeContext& ctx) { return infer_along_axis(ctx); }
Status infer_Hardmax(ShapeContext& ctx) { return infer_along_axis(ctx); }

Status infer_Trilu(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.shape->size() < 2)
    return make_error("Trilu needs an input of rank >= 2, got " + x.to_string());
  if (has_input(ctx, 1)) {
    KILN_SHAPE_ASSIGN(k, input_type(ctx, 1));
    if ((k.dtype != DType::Int64 && k.dtype != DType::Int32) ||
        static_element_count(*k.shape) != std::optional<int64_t>(1))
      return make_error("Trilu's k must hold one i64 value but is " + k.to_string());
  }
  return set_output(ctx, x);
}

}  // namespace kiln::shape_rules
