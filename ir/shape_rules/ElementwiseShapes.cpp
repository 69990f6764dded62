// ElementwiseShapes.cpp: shape rules of the elementwise ops: unary activations keep their input's
// type; Add/Sub/Mul/Div broadcast numpy-style and also compute known dims (shape arithmetic).
#include "ir/shape_rules/DimArithmetic.h"
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

// How a unary op maps one known-dims element (symbolic dims are never negative); nullopt where
// the result is not a dim expression.
using KnownDimMap = std::optional<Dim> (*)(const Dim&);

std::optional<Dim> keep_dim(const Dim& d) {
  return d;
}
std::optional<Dim> no_dim(const Dim&) {
  return std::nullopt;
}
std::optional<Dim> relu_dim(const Dim& d) {
  return is_integer_dim(d) && d.value < 0 ? Dim{0, {}} : d;
}
std::optional<Dim> abs_dim(const Dim& d) {
  return is_integer_dim(d) && d.value < 0 ? Dim{-d.value, {}} : d;
}
std::optional<Dim> neg_dim(const Dim& d) {
  if (!is_integer_dim(d)) return std::nullopt;
  return Dim{-d.value, {}};
}

// X's type, and its known dims mapped element by element through `map`.
Status same_as_input(ShapeContext& ctx, KnownDimMap map = keep_dim) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  std::optional<std::vector<Dim>> known = std::nullopt;
  if (ctx.input_known_dims[0]) {
    known.emplace();
    for (const Dim& d : *ctx.input_known_dims[0]) {
      std::optional<Dim> mapped = map(d);
      if (!mapped) {
        known.reset();
        break;
      }
      known->push_back(*mapped);
    }
  }
  return set_output(ctx, x, known);
}

Status floating_same_as_input(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!is_floating(x.dtype))
    return make_error(ctx.op + " needs a floating-point input but got " + x.to_string());
  return set_output(ctx, x);
}

using DimOperator = Dim (*)(const Dim&, const Dim&);

// Elementwise arithmetic on the known elements of two small integer tensors (rank <= 1).
std::optional<std::vector<Dim>> combine_known_dims(const ShapeContext& ctx, const Shape& out_shape,
                                                   DimOperator op) {
  if (out_shape.size() > 1 || !ctx.input_known_dims[0] || !ctx.input_known_dims[1])
    return std::nullopt;
  const std::vector<Dim>& a = *ctx.input_known_dims[0];
  const std::vector<Dim>& b = *ctx.input_known_dims[1];
  const size_t count = std::max(a.size(), b.size());
  if ((a.size() != count && a.size() != 1) || (b.size() != count && b.size() != 1))
    return std::nullopt;
  std::vector<Dim> result;
  for (size_t i = 0; i < count; ++i) {
    const Dim& lhs = a[a.size() == 1 ? 0 : i];
    const Dim& rhs = b[b.size() == 1 ? 0 : i];
    if (op == divide_dims && is_integer_dim(rhs) && rhs.value == 0) return std::nullopt;
    result.push_back(op(lhs, rhs));
  }
  return result;
}

Status binary_arithmetic(ShapeContext& ctx, DimOperator op) {
  KILN_SHAPE_ASSIGN(a, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(b, input_type(ctx, 1));
  if (a.dtype != b.dtype)
    return make_error(ctx.op + " inputs have different dtypes: " + a.to_string() + " and " +
                      b.to_string());
  std::string conflict;
  std::optional<Shape> shape = broadcast_shapes(*a.shape, *b.shape, &conflict);
  if (!shape)
    return make_error(ctx.op + " cannot broadcast " + a.to_string() + " with " + b.to_string() +
                      " (" + conflict + ")");
  std::optional<std::vector<Dim>> known;
  if (is_integer_dtype(a.dtype)) known = combine_known_dims(ctx, *shape, op);
  return set_output(ctx, TensorType{a.dtype, *shape}, known);
}

}  // namespace

Status infer_Relu(ShapeContext& ctx) {
  return same_as_input(ctx, relu_dim);
}
Status infer_LeakyRelu(ShapeContext& ctx) {
  return floating_same_as_input(ctx);
}
Status infer_Elu(ShapeContext& ctx) {
  return floating_same_as_input(ctx);
}
Status infer_Sigmoid(ShapeContext& ctx) {
  return floating_same_as_input(ctx);
}
Status infer_Tanh(ShapeContext& ctx) {
  return floating_same_as_input(ctx);
}
Status infer_Identity(ShapeContext& ctx) {
  return same_as_input(ctx);
}
Status infer_Dropout(ShapeContext& ctx) {
  return same_as_input(ctx);
}

// Unary math: Abs, Neg and Sign take any numeric dtype; the others need floating point.
#define KILN_NUMERIC_UNARY(NAME, MAP)      \
  Status infer_##NAME(ShapeContext& ctx) { \
    return same_as_input(ctx, MAP);        \
  }
#define KILN_FLOAT_UNARY(NAME)             \
  Status infer_##NAME(ShapeContext& ctx) { \
    return floating_same_as_input(ctx);    \
  }
KILN_NUMERIC_UNARY(Abs, abs_dim)
KILN_NUMERIC_UNARY(Neg, neg_dim)
KILN_NUMERIC_UNARY(Sign, no_dim)
KILN_FLOAT_UNARY(Exp)
KILN_FLOAT_UNARY(Log)
KILN_FLOAT_UNARY(Sqrt)
KILN_FLOAT_UNARY(Reciprocal)
KILN_FLOAT_UNARY(Floor)
KILN_FLOAT_UNARY(Ceil)
KILN_FLOAT_UNARY(Round)
KILN_FLOAT_UNARY(Erf)
KILN_FLOAT_UNARY(Sin)
KILN_FLOAT_UNARY(Cos)
KILN_FLOAT_UNARY(Tan)
KILN_FLOAT_UNARY(Asin)
KILN_FLOAT_UNARY(Acos)
KILN_FLOAT_UNARY(Atan)
KILN_FLOAT_UNARY(Sinh)
KILN_FLOAT_UNARY(Cosh)
KILN_FLOAT_UNARY(Asinh)
KILN_FLOAT_UNARY(Acosh)
KILN_FLOAT_UNARY(Atanh)
KILN_FLOAT_UNARY(Selu)
KILN_FLOAT_UNARY(Celu)
KILN_FLOAT_UNARY(HardSigmoid)
KILN_FLOAT_UNARY(HardSwish)
KILN_FLOAT_UNARY(Softplus)
KILN_FLOAT_UNARY(Softsign)
KILN_FLOAT_UNARY(ThresholdedRelu)
KILN_FLOAT_UNARY(Shrink)
KILN_FLOAT_UNARY(Mish)
KILN_FLOAT_UNARY(Gelu)
#undef KILN_NUMERIC_UNARY
#undef KILN_FLOAT_UNARY

// IsNaN and IsInf classify floating-point elements.
Status floating_to_bool(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!is_floating(x.dtype))
    return make_error(ctx.op + " needs a floating-point input but got " + x.to_string());
  return set_output(ctx, TensorType{DType::Bool, x.shape});
}
Status infer_IsNaN(ShapeContext& ctx) {
  return floating_to_bool(ctx);
}
Status infer_IsInf(ShapeContext& ctx) {
  return floating_to_bool(ctx);
}

Status infer_Clip(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  KILN_RETURN_IF_ERROR(check_scalar_operand(ctx, 1, x));
  KILN_RETURN_IF_ERROR(check_scalar_operand(ctx, 2, x));
  return same_as_input(ctx, no_dim);
}

Status infer_Add(ShapeContext& ctx) {
  return binary_arithmetic(ctx, add_dims);
}
Status infer_Sub(ShapeContext& ctx) {
  return binary_arithmetic(ctx, subtract_dims);
}
Status infer_Mul(ShapeContext& ctx) {
  return binary_arithmetic(ctx, multiply_dims);
}
Status infer_Div(ShapeContext& ctx) {
  return binary_arithmetic(ctx, divide_dims);
}
// PRelu broadcasts like Mul; it computes no known dims (it is not shape arithmetic).
Status infer_PRelu(ShapeContext& ctx) {
  KILN_RETURN_IF_ERROR(binary_arithmetic(ctx, multiply_dims));
  ctx.output_known_dims = {std::nullopt};
  return Status::ok();
}

}  // namespace kiln::shape_rules

namespace kiln::shape_rules {
namespace {

// The numpy broadcast of inputs [0, count), as `dtype`; no known dims (not shape arithmetic).
Status broadcast_inputs(ShapeContext& ctx, size_t count, DType dtype) {
  KILN_SHAPE_ASSIGN(first, input_type(ctx, 0));
  Shape shape = *first.shape;
  std::string described = first.to_string();
  for (size_t i = 1; i < count; ++i) {
    KILN_SHAPE_ASSIGN(next, input_type(ctx, i));
    std::string conflict;
    std::optional<Shape> combined = broadcast_shapes(shape, *next.shape, &conflict);
    if (!combined)
      return make_error(ctx.op + " cannot broadcast " + described + " with " + next.to_string() +
                        " (" + conflict + ")");
    shape = *combined;
    described += " and " + next.to_string();
  }
  return set_output(ctx, TensorType{dtype, shape});
}

// Two operands of one dtype (numeric unless `allow_bool`); the output has `dtype` (the
// operands' when unset).
Status same_dtype_pair(ShapeContext& ctx, std::optional<DType> dtype = std::nullopt,
                       bool allow_bool = false) {
  KILN_SHAPE_ASSIGN(a, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(b, input_type(ctx, 1));
  if (a.dtype != b.dtype)
    return make_error(ctx.op + " inputs have different dtypes: " + a.to_string() + " and " +
                      b.to_string());
  if (a.dtype == DType::Bool && !allow_bool)
    return make_error(ctx.op + " needs numeric inputs but got " + a.to_string());
  return broadcast_inputs(ctx, 2, dtype.value_or(a.dtype));
}

}  // namespace

// Pow: the exponent may have its own numeric dtype; the output has the base's.
Status infer_Pow(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(base, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(exponent, input_type(ctx, 1));
  if (base.dtype == DType::Bool || exponent.dtype == DType::Bool)
    return make_error("Pow needs numeric inputs but got " + base.to_string() + " and " +
                      exponent.to_string());
  return broadcast_inputs(ctx, 2, base.dtype);
}

Status infer_Mod(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(a, input_type(ctx, 0));
  if (is_floating(a.dtype) && ctx.attrs->get_int("fmod", 0) == 0)
    return make_error("Mod of floating-point inputs needs fmod=1 but got " + a.to_string());
  return same_dtype_pair(ctx);
}
Status infer_Min(ShapeContext& ctx) {
  return same_dtype_pair(ctx);
}
// BitShift(X, Y), direction "LEFT" | "RIGHT": unsigned integers of one dtype.
Status infer_BitShift(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!is_unsigned(x.dtype))
    return make_error("BitShift needs unsigned integer inputs but got " + x.to_string());
  const std::string direction = ctx.attrs->get_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    return make_error("BitShift direction must be \"LEFT\" or \"RIGHT\", not \"" + direction +
                      "\"");
  return same_dtype_pair(ctx);
}
Status infer_Max(ShapeContext& ctx) {
  return same_dtype_pair(ctx);
}

// Comparisons: operands of one dtype (Equal also compares bools), bool out.
Status infer_Equal(ShapeContext& ctx) {
  return same_dtype_pair(ctx, DType::Bool, /*allow_bool=*/true);
}
Status infer_Less(ShapeContext& ctx) {
  return same_dtype_pair(ctx, DType::Bool);
}
Status infer_Greater(ShapeContext& ctx) {
  return same_dtype_pair(ctx, DType::Bool);
}
Status infer_LessOrEqual(ShapeContext& ctx) {
  return same_dtype_pair(ctx, DType::Bool);
}
Status infer_GreaterOrEqual(ShapeContext& ctx) {
  return same_dtype_pair(ctx, DType::Bool);
}

// Where(condition, X, Y): a bool condition; X and Y share the output's dtype; all three broadcast.
Status infer_Where(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(condition, input_type(ctx, 0));
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 1));
  KILN_SHAPE_ASSIGN(y, input_type(ctx, 2));
  if (condition.dtype != DType::Bool)
    return make_error("Where needs a bool condition but got " + condition.to_string());
  if (x.dtype != y.dtype)
    return make_error("Where inputs have different dtypes: " + x.to_string() + " and " +
                      y.to_string());
  return broadcast_inputs(ctx, 3, x.dtype);
}

// The logical ops: bool in, bool out (And, Or and Xor broadcast).
Status infer_Not(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.dtype != DType::Bool) return make_error("Not needs a bool input but got " + x.to_string());
  return set_output(ctx, x);
}

namespace {
Status logical_pair(ShapeContext& ctx) {
  for (size_t i = 0; i < 2; ++i) {
    KILN_SHAPE_ASSIGN(x, input_type(ctx, i));
    if (x.dtype != DType::Bool)
      return make_error(ctx.op + " needs bool inputs but got " + x.to_string());
  }
  return broadcast_inputs(ctx, 2, DType::Bool);
}
}  // namespace

Status infer_And(ShapeContext& ctx) {
  return logical_pair(ctx);
}
Status infer_Or(ShapeContext& ctx) {
  return logical_pair(ctx);
}
Status infer_Xor(ShapeContext& ctx) {
  return logical_pair(ctx);
}

}  // namespace kiln::shape_rules
