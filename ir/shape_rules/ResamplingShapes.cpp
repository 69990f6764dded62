// ResamplingShapes.cpp: the shape rule of Resize (sizes and scales as ResizeGeometry.h resolves
// them; symbolic dims stay symbolic where they are not resized or grow by an integral scale).
#include <cmath>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ResizeGeometry.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {

Status infer_Resize(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const size_t rank = x.shape->size();
  KILN_SHAPE_ASSIGN(attrs, read_resize_attributes(*ctx.attrs, rank));
  if (attrs.mode != ResizeMode::Nearest && !is_floating(x.dtype))
    return make_error("Resize " + ctx.attrs->get_string("mode", "nearest") +
                      " interpolation needs a floating-point input, not " + x.to_string());
  const Shape& in = *x.shape;
  bool resized_static = true;
  std::vector<int64_t> sizes;
  for (size_t d = 0; d < rank; ++d) {
    if (attrs.resized[d] && !in[d].is_static()) resized_static = false;
    sizes.push_back(in[d].is_static() ? in[d].value : 1);  // unresized dims keep their Dim
  }
  Shape out = in;
  if (resized_static) {
    KILN_SHAPE_ASSIGN(dims, resolve_resize(attrs, sizes));
    for (size_t d = 0; d < rank; ++d)
      if (attrs.resized[d]) out[d] = Dim::known(dims[d].output);
    return set_output(ctx, TensorType{x.dtype, out});
  }
  // Some resized dim is symbolic: sizes give it, an integral scale multiplies it; a fractional
  // scale or a kept aspect ratio leaves it unknown.
  for (size_t d = 0; d < rank; ++d) {
    if (!attrs.resized[d]) continue;
    if (attrs.has_sizes()) {
      out[d] = attrs.aspect_policy == "stretch" ? Dim::known(attrs.sizes[d]) : Dim::unknown();
      continue;
    }
    const double scale = attrs.scales[d];
    if (in[d].is_static()) {
      out[d] = Dim::known(int64_t(std::floor(double(in[d].value) * scale)));
    } else if (scale == std::floor(scale) && scale < double(int64_t{1} << 31)) {
      out[d] = multiply_dims(in[d], Dim::known(int64_t(scale)));
    } else {
      out[d] = Dim::unknown();
    }
  }
  return set_output(ctx, TensorType{x.dtype, out});
}

}  // namespace kiln::shape_rules
