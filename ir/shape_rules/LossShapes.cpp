// LossShapes.cpp: shape rules of the inference forms of NegativeLogLikelihoodLoss and
// SoftmaxCrossEntropyLoss: scores [N, C, d1...], integer targets [N, d1...], optional weights [C].
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// Checks the operands and attributes; returns the per-element loss shape, [N, d1...].
Result<Shape> loss_element_shape(const ShapeContext& ctx, const TensorType& scores) {
  KILN_SHAPE_ASSIGN(target, input_type(ctx, 1));
  if (!is_floating(scores.dtype))
    return make_error(ctx.op + " needs floating-point scores, not " + scores.to_string());
  if (target.dtype != DType::Int64 && target.dtype != DType::Int32)
    return make_error(ctx.op + " targets must be i32 or i64 but are " + target.to_string());
  const Shape& s = *scores.shape;
  const Shape& t = *target.shape;
  bool matches = s.size() >= 2 && t.size() + 1 == s.size();
  for (size_t d = 0; matches && d < t.size(); ++d) {
    const Dim& expected = s[d == 0 ? 0 : d + 1];
    matches = !(expected.is_static() && t[d].is_static() && expected.value != t[d].value);
  }
  if (!matches)
    return make_error(ctx.op + " targets " + target.to_string() + " must be scores " +
                      scores.to_string() + " without its class dim (dim 1)");
  if (has_input(ctx, 2)) {
    KILN_SHAPE_ASSIGN(weight, input_type(ctx, 2));
    if (weight.dtype != scores.dtype || weight.shape->size() != 1 ||
        ((*weight.shape)[0].is_static() && s[1].is_static() &&
         (*weight.shape)[0].value != s[1].value))
      return make_error(ctx.op + " weights " + weight.to_string() +
                        " must hold one value per class of " + scores.to_string());
  }
  const std::string reduction = ctx.attrs->get_string("reduction", "mean");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return make_error(ctx.op + " reduction must be none, sum or mean, not '" + reduction + "'");
  return t;
}

// The loss: per element under reduction "none", else a scalar.
TensorType loss_type(const ShapeContext& ctx, DType dtype, const Shape& element_shape) {
  if (ctx.attrs->get_string("reduction", "mean") == "none") return TensorType{dtype, element_shape};
  return TensorType{dtype, Shape{}};
}

}  // namespace

Status infer_NegativeLogLikelihoodLoss(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(scores, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(element_shape, loss_element_shape(ctx, scores));
  return set_output(ctx, loss_type(ctx, scores.dtype, element_shape));
}

// The loss, then (optional output) the log-probabilities, scores' type.
Status infer_SoftmaxCrossEntropyLoss(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(scores, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(element_shape, loss_element_shape(ctx, scores));
  ctx.output_types = {loss_type(ctx, scores.dtype, element_shape), scores};
  return Status::ok();
}

}  // namespace kiln::shape_rules
