// ResamplingShapes.cpp: shape rules of the resampling ops (UpsampleNearest).
#include "ir/ShapeRules.h"
#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {

Status infer_UpsampleNearest(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!x.shape) return set_output(ctx, TensorType{x.dtype, std::nullopt});
  std::vector<int64_t> scales = ctx.attrs->get_ints("scales");
  if (scales.size() != x.shape->size())
    return make_error("UpsampleNearest needs one scale per input dim (" +
                      std::to_string(x.shape->size()) + "), got " + ints_to_string(scales));
  Shape shape;
  for (size_t i = 0; i < scales.size(); ++i) {
    if (scales[i] < 1)
      return make_error("UpsampleNearest scales must be positive integers, got " +
                        ints_to_string(scales));
    shape.push_back(multiply_dims((*x.shape)[i], Dim::known(scales[i])));
  }
  return set_output(ctx, TensorType{x.dtype, shape});
}

}  // namespace kiln::shape_rules
