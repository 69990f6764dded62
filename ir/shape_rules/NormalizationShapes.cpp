// NormalizationShapes.cpp: shape rules of the normalisations over some axes
// (InstanceNormalization, LayerNormalization, LpNormalization, LRN, MeanVarianceNormalization).
// Each keeps X's type; LayerNormalization's statistics outputs keep the normalised dims as 1s.
#include <set>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

Result<TensorType> floating_input(const ShapeContext& ctx, size_t index) {
  KILN_SHAPE_ASSIGN(type, input_type(ctx, index));
  if (!is_floating(type.dtype))
    return make_error(input_label(ctx, index) + " must be floating-point but is " +
                      type.to_string());
  return type;
}

// A parameter input (scale, bias) that must broadcast numpy-style to X's shape without growing
// it, in X's dtype.
Status check_broadcasts_to(const ShapeContext& ctx, size_t index, const TensorType& x) {
  KILN_SHAPE_ASSIGN(param, floating_input(ctx, index));
  if (param.dtype != x.dtype)
    return make_error(input_label(ctx, index) + " " + param.to_string() + " must have X's dtype " +
                      x.to_string());
  std::string conflict;
  std::optional<Shape> shape = broadcast_shapes(*x.shape, *param.shape, &conflict);
  if (!shape || shape->size() != x.shape->size())
    return make_error(input_label(ctx, index) + " " + param.to_string() +
                      " does not broadcast to X " + x.to_string() +
                      (conflict.empty() ? "" : " (" + conflict + ")"));
  for (size_t d = 0; d < shape->size(); ++d) {
    const Dim& grown = (*shape)[d];
    const Dim& own = (*x.shape)[d];
    if (grown.is_static() && own.is_static() && grown != own)
      return make_error(input_label(ctx, index) + " " + param.to_string() + " would grow X " +
                        x.to_string() + " in dim " + std::to_string(d));
  }
  return Status::ok();
}

}  // namespace

Status infer_InstanceNormalization(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, floating_input(ctx, 0));
  if (x.shape->size() < 3)
    return make_error("InstanceNormalization needs an input of rank >= 3 (N, C, spatial...), got " +
                      x.to_string());
  const Dim& channels = (*x.shape)[1];
  for (size_t i : {size_t{1}, size_t{2}}) {
    KILN_SHAPE_ASSIGN(param, floating_input(ctx, i));
    if (param.dtype != x.dtype || param.shape->size() != 1 ||
        ((*param.shape)[0].is_static() && channels.is_static() && (*param.shape)[0] != channels))
      return make_error(input_label(ctx, i) + " must be " + dtype_name(x.dtype) + "[" +
                        channels.to_string() + "] (one value per channel) but is " +
                        param.to_string());
  }
  return set_output(ctx, x);
}

Status infer_LayerNormalization(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, floating_input(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  if (rank < 1) return make_error("LayerNormalization needs an input of rank >= 1");
  KILN_SHAPE_ASSIGN(
      axis, normalize_axis(ctx.attrs->get_int("axis", -1), rank, "LayerNormalization axis"));
  KILN_RETURN_IF_ERROR(check_broadcasts_to(ctx, 1, x));
  if (has_input(ctx, 2)) KILN_RETURN_IF_ERROR(check_broadcasts_to(ctx, 2, x));
  const std::string stash = ctx.attrs->get_string("stash_type", "f32");
  std::optional<DType> stash_dtype = parse_dtype_name(stash);
  if (!stash_dtype || !is_floating(*stash_dtype))
    return make_error("LayerNormalization stash_type must be a floating-point dtype name, not \"" +
                      stash + "\"");
  Shape statistics = *x.shape;
  for (int64_t d = axis; d < rank; ++d) statistics[static_cast<size_t>(d)] = Dim::known(1);
  ctx.output_types = {x, TensorType{*stash_dtype, statistics},
                      TensorType{*stash_dtype, statistics}};
  ctx.output_known_dims.assign(3, std::nullopt);
  return Status::ok();
}

Status infer_LpNormalization(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, floating_input(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", -1), std::max<int64_t>(rank, 1),
                                         "LpNormalization axis"));
  (void)axis;
  const int64_t p = ctx.attrs->get_int("p", 2);
  if (p != 1 && p != 2)
    return make_error("LpNormalization p must be 1 or 2, not " + std::to_string(p));
  return set_output(ctx, x);
}

Status infer_LRN(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, floating_input(ctx, 0));
  if (x.shape->size() < 3)
    return make_error("LRN needs an input of rank >= 3 (N, C, spatial...), got " + x.to_string());
  if (!ctx.attrs->has("size")) return make_error("LRN needs attribute 'size'");
  const int64_t size = ctx.attrs->get_int("size", 0);
  if (size < 1 || size > (int64_t{1} << 30))
    return make_error("LRN size must be from 1 to 2^30, not " + std::to_string(size));
  return set_output(ctx, x);
}

Status infer_MeanVarianceNormalization(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, floating_input(ctx, 0));
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  std::set<int64_t> axes;
  for (int64_t axis : ctx.attrs->get_ints("axes", {0, 2, 3})) {
    KILN_SHAPE_ASSIGN(normalized, normalize_axis(axis, rank, "MeanVarianceNormalization axis"));
    if (!axes.insert(normalized).second)
      return make_error("MeanVarianceNormalization axes " +
                        ints_to_string(ctx.attrs->get_ints("axes", {0, 2, 3})) + " repeat axis " +
                        std::to_string(normalized));
  }
  return set_output(ctx, x);
}

}  // namespace kiln::shape_rules
