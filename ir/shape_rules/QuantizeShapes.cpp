// QuantizeShapes.cpp: shape rules of the quantized ops. Each records its output dtype in
// attribute `to` (the frontend writes the ONNX type: a zero point's dtype, u8 or i32), which
// the rule checks against its operands.
#include "ir/shape_rules/ShapeRuleSupport.h"

namespace kiln::shape_rules {
namespace {

bool is_quantized_dtype(DType dtype) {
  return dtype == DType::Int8 || dtype == DType::UInt8 || dtype == DType::Int16 ||
         dtype == DType::UInt16;
}

// Attribute `to` as a dtype, which `accepts` must allow.
Result<DType> target_dtype(const ShapeContext& ctx, bool (*accepts)(DType), const char* what) {
  const std::string to = ctx.attrs->get_string("to", "");
  std::optional<DType> dtype = parse_dtype_name(to);
  if (!dtype || !accepts(*dtype))
    return make_error(ctx.op + " attribute 'to' must name " + what + ", not \"" + to + "\"");
  return *dtype;
}

// A scale or zero point for `x`: a scalar (per tensor), or a vector along `axis` (per axis).
Status check_quantization_parameter(const ShapeContext& ctx, size_t index, const TensorType& x,
                                    const char* role) {
  KILN_SHAPE_ASSIGN(param, input_type(ctx, index));
  std::optional<int64_t> count = static_element_count(*param.shape);
  if (count && *count == 1 && param.shape->size() <= 1) return Status::ok();
  const int64_t rank = static_cast<int64_t>(x.shape->size());
  KILN_SHAPE_ASSIGN(axis, normalize_axis(ctx.attrs->get_int("axis", 1), rank, ctx.op + " axis"));
  const Dim& extent = (*x.shape)[size_t(axis)];
  if (param.shape->size() == 1 && (!extent.is_static() || !(*param.shape)[0].is_static() ||
                                   (*param.shape)[0].value == extent.value))
    return Status::ok();
  return make_error(ctx.op + " " + role + " " + param.to_string() +
                    " must be a scalar or one value per element of axis " + std::to_string(axis) +
                    " of " + x.to_string());
}

// The scale (input `scale_index`, floating) and optional zero point (next input, `zero_dtype`).
Status check_scale_and_zero_point(const ShapeContext& ctx, size_t scale_index, const TensorType& x,
                                  DType zero_dtype) {
  KILN_SHAPE_ASSIGN(scale, input_type(ctx, scale_index));
  if (!is_floating(scale.dtype))
    return make_error(ctx.op + " scale must be floating-point, not " + scale.to_string());
  KILN_RETURN_IF_ERROR(check_quantization_parameter(ctx, scale_index, x, "scale"));
  if (!has_input(ctx, scale_index + 1)) return Status::ok();
  KILN_SHAPE_ASSIGN(zero, input_type(ctx, scale_index + 1));
  if (zero.dtype != zero_dtype)
    return make_error(ctx.op + " zero point " + zero.to_string() + " must be " +
                      dtype_name(zero_dtype));
  return check_quantization_parameter(ctx, scale_index + 1, x, "zero point");
}

// A per-tensor parameter of the QLinear ops (or per output channel, for the weight's).
Status check_qlinear_parameter(const ShapeContext& ctx, size_t index, bool floating, DType zero,
                               const std::optional<Dim>& channels) {
  KILN_SHAPE_ASSIGN(param, input_type(ctx, index));
  if (floating ? !is_floating(param.dtype) : param.dtype != zero)
    return make_error(input_label(ctx, index) + " " + param.to_string() + " must be " +
                      (floating ? std::string("floating-point") : dtype_name(zero)));
  std::optional<int64_t> count = static_element_count(*param.shape);
  if (count && *count == 1 && param.shape->size() <= 1) return Status::ok();
  if (channels && param.shape->size() == 1 &&
      !((*param.shape)[0].is_static() && channels->is_static() &&
        (*param.shape)[0].value != channels->value))
    return Status::ok();
  return make_error(
      input_label(ctx, index) + " " + param.to_string() +
      (channels ? " must be a scalar or one value per output channel" : " must be a scalar"));
}

Result<TensorType> quantized_operand(const ShapeContext& ctx, size_t index) {
  KILN_SHAPE_ASSIGN(type, input_type(ctx, index));
  if (type.dtype != DType::Int8 && type.dtype != DType::UInt8)
    return make_error(input_label(ctx, index) + " must be i8 or u8, not " + type.to_string());
  return type;
}

// The zero points of ConvInteger/MatMulInteger (inputs 2 and 3), each of its operand's dtype.
Status check_integer_zero_points(const ShapeContext& ctx, const TensorType& a,
                                 const TensorType& b) {
  for (size_t i = 2; i < 4; ++i) {
    if (!has_input(ctx, i)) continue;
    KILN_SHAPE_ASSIGN(zero, input_type(ctx, i));
    const TensorType& operand = i == 2 ? a : b;
    if (zero.dtype != operand.dtype || zero.shape->size() > 1)
      return make_error(input_label(ctx, i) + " " + zero.to_string() +
                        " must be a scalar or vector of " + dtype_name(operand.dtype));
  }
  return Status::ok();
}

}  // namespace

// QuantizeLinear(x, scale, zero_point?), axis (1), to: x's shape in `to`, the zero point's dtype.
Status infer_QuantizeLinear(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!is_floating(x.dtype) && x.dtype != DType::Int32)
    return make_error("QuantizeLinear input must be floating-point or i32, not " + x.to_string());
  KILN_SHAPE_ASSIGN(to, target_dtype(ctx, is_quantized_dtype, "an 8- or 16-bit integer dtype"));
  KILN_RETURN_IF_ERROR(check_scale_and_zero_point(ctx, 1, x, to));
  return set_output(ctx, TensorType{to, x.shape});
}

// DequantizeLinear(x, scale, zero_point?), axis (1), to: x's shape in `to`, the scale's dtype.
Status infer_DequantizeLinear(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (!is_quantized_dtype(x.dtype) && x.dtype != DType::Int32)
    return make_error("DequantizeLinear input must be an 8-, 16- or 32-bit integer, not " +
                      x.to_string());
  KILN_SHAPE_ASSIGN(to, target_dtype(ctx, is_floating, "a floating-point dtype"));
  KILN_RETURN_IF_ERROR(check_scale_and_zero_point(ctx, 1, x, x.dtype));
  return set_output(ctx, TensorType{to, x.shape});
}

// DynamicQuantizeLinear(x), to (u8): y (x's shape), y_scale (f32 scalar), y_zero_point (scalar).
Status infer_DynamicQuantizeLinear(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, input_type(ctx, 0));
  if (x.dtype != DType::Float32)
    return make_error("DynamicQuantizeLinear input must be f32, not " + x.to_string());
  KILN_SHAPE_ASSIGN(to, target_dtype(
                            ctx, [](DType d) { return d == DType::UInt8; }, "u8"));
  ctx.output_types = {TensorType{to, x.shape}, TensorType{DType::Float32, Shape{}},
                      TensorType{to, Shape{}}};
  return Status::ok();
}

// QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?): a Conv of the
// dequantized operands, requantized to `to` (y_zp's dtype); B is i32 per output channel.
Status infer_QLinearConv(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, quantized_operand(ctx, 0));
  KILN_SHAPE_ASSIGN(w, quantized_operand(ctx, 3));
  KILN_SHAPE_ASSIGN(to, target_dtype(ctx, is_quantized_dtype, "i8 or u8"));
  KILN_SHAPE_ASSIGN(out, conv_output_shape(ctx, x, w));
  const Dim channels = out[1];
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 1, true, x.dtype, std::nullopt));
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 2, false, x.dtype, std::nullopt));
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 4, true, w.dtype, channels));
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 5, false, w.dtype, channels));
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 6, true, to, std::nullopt));
  KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, 7, false, to, std::nullopt));
  if (has_input(ctx, 8)) {
    KILN_SHAPE_ASSIGN(bias, input_type(ctx, 8));
    if (bias.dtype != DType::Int32 || bias.shape->size() != 1)
      return make_error("QLinearConv bias " + bias.to_string() +
                        " must be an i32 vector of the output channels");
  }
  return set_output(ctx, TensorType{to, out});
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp): a MatMul of the dequantized
// operands, requantized to `to` (y_zp's dtype). Parameters are per tensor.
Status infer_QLinearMatMul(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(a, quantized_operand(ctx, 0));
  KILN_SHAPE_ASSIGN(b, quantized_operand(ctx, 3));
  KILN_SHAPE_ASSIGN(to, target_dtype(ctx, is_quantized_dtype, "i8 or u8"));
  KILN_SHAPE_ASSIGN(out, matmul_output_shape(ctx, a, b));
  // (scale, zero point) positions: a's at 1-2, b's at 4-5, y's at 6-7.
  const std::pair<size_t, DType> parameters[] = {{1, a.dtype}, {4, b.dtype}, {6, to}};
  for (const auto& [scale, zero_dtype] : parameters) {
    KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, scale, true, zero_dtype, std::nullopt));
    KILN_RETURN_IF_ERROR(check_qlinear_parameter(ctx, scale + 1, false, zero_dtype, std::nullopt));
  }
  return set_output(ctx, TensorType{to, out});
}

// ConvInteger(x, w, x_zp?, w_zp?): the i32 Conv of (x - x_zp) and (w - w_zp).
Status infer_ConvInteger(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(x, quantized_operand(ctx, 0));
  KILN_SHAPE_ASSIGN(w, quantized_operand(ctx, 1));
  KILN_SHAPE_ASSIGN(to, target_dtype(
                            ctx, [](DType d) { return d == DType::Int32; }, "i32"));
  KILN_RETURN_IF_ERROR(check_integer_zero_points(ctx, x, w));
  KILN_SHAPE_ASSIGN(out, conv_output_shape(ctx, x, w));
  return set_output(ctx, TensorType{to, out});
}

// MatMulInteger(a, b, a_zp?, b_zp?): the i32 MatMul of (a - a_zp) and (b - b_zp).
Status infer_MatMulInteger(ShapeContext& ctx) {
  KILN_SHAPE_ASSIGN(a, quantized_operand(ctx, 0));
  KILN_SHAPE_ASSIGN(b, quantized_operand(ctx, 1));
  KILN_SHAPE_ASSIGN(to, target_dtype(
                            ctx, [](DType d) { return d == DType::Int32; }, "i32"));
  KILN_RETURN_IF_ERROR(check_integer_zero_points(ctx, a, b));
  KILN_SHAPE_ASSIGN(out, matmul_output_shape(ctx, a, b));
  return set_output(ctx, TensorType{to, out});
}

}  // namespace kiln::shape_rules
