// GeneratorShapes.cpp: shape rules of the ops whose output is generated rather than read from an
// input's elements: Range (its length depends on its scalar operands, which must be known at
// compile time), EyeLike and Size (from the input's shape alone).
#include <cmath>

#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// The single value of scalar input `index` as a double, from a constant or known dims.
std::optional<double> scalar_value(const ShapeContext& ctx, size_t index) {
  if (index < ctx.input_constants.size() && ctx.input_constants[index] &&
      ctx.input_constants[index]->element_count() == 1)
    return ctx.input_constants[index]->element_as_double(0);
  std::optional<std::vector<int64_t>> ints = input_ints(ctx, index);
  if (ints && ints->size() == 1) return double((*ints)[0]);
  return std::nullopt;
}

// Range's element count, exact for integers (64-bit ceil division), else as ONNX computes it.
Result<int64_t> range_count(double start, double limit, double delta, bool integral) {
  if (delta == 0) return make_error("Range delta must not be 0");
  double count;
  if (integral) {
    const int64_t span = int64_t(limit) - int64_t(start), step = int64_t(delta);
    const int64_t q = span / step, r = span % step;
    count = double(q + ((r != 0 && ((r > 0) == (step > 0))) ? 1 : 0));
  } else {
    count = std::ceil((limit - start) / delta);
  }
  if (!(count <= double(int64_t{1} << 40)))
    return make_error("Range of " + std::to_string(count) + " elements is too large");
  return std::max<int64_t>(int64_t(count), 0);
}

}  // namespace

Status infer_Range(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(start_type, input_type(ctx, 0));
  const bool integral = is_integer_dtype(start_type.dtype);
  if (!integral && !is_floating(start_type.dtype))
    return make_error("Range needs numeric operands, got " + start_type.to_string());
  const char* roles[] = {"start", "limit", "delta"};
  double values[3];
  for (size_t i = 0; i < 3; ++i) {
    KILN_SHAPE_ASSIGN(type, input_type(ctx, i));
    if (type.dtype != start_type.dtype || !type.shape->empty())
      return make_error(std::string("Range ") + roles[i] + " must be a scalar of " +
                        dtype_name(start_type.dtype) + ", got " + type.to_string());
    std::optional<double> value = scalar_value(ctx, i);
    if (!value)
      return make_error(std::string("Range's ") + roles[i] + " (input " + std::to_string(i) +
                        ") is not known at compile time: it must be a constant, or computed from "
                        "constants and static shapes");
    values[i] = *value;
  }
  KILN_SHAPE_ASSIGN(count, range_count(values[0], values[1], values[2], integral));
  std::optional<std::vector<Dim>> known;
  if (integral && count <= 1024) {
    known.emplace();
    for (int64_t i = 0; i < count; ++i)
      known->push_back(Dim{int64_t(values[0]) + i * int64_t(values[2]), {}});
  }
  return set_output(ctx, TensorType{start_type.dtype, static_shape({count})}, known);
}

Status infer_EyeLike(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.shape->size() != 2) return make_error("EyeLike needs a 2-D input, got " + x.to_string());
  DType dtype = x.dtype;
  if (ctx.attrs->has("to")) {
    const std::string to = ctx.attrs->get_string("to", "");
    std::optional<DType> parsed = parse_dtype_name(to);
    if (!parsed || *parsed == DType::Unknown)
      return make_error("EyeLike 'to' must be a dtype name such as \"f32\", not \"" + to + "\"");
    dtype = *parsed;
  }
  return set_output(ctx, TensorType{dtype, *x.shape});
}

Status infer_Size(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  const Dim count = product_of_dims(*x.shape);
  std::optional<std::vector<Dim>> known;
  if (!count.is_unknown()) known = std::vector<Dim>{count};
  return set_output(ctx, TensorType{DType::Int64, Shape{}}, known);
}

}  // namespace kiln::shape_rules
