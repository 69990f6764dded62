// ConvertQuantizedOps.cpp: the quantized ops. Their ONNX output type follows an operand (a zero
// point's dtype, the scale's) or is fixed (u8, i32); the converter records it in attribute `to`,
// which the IR's FromAttribute dtype rule and the verifier check (ir/Ops.def).
#include "frontend/onnx/OnnxTypes.h"
#include "frontend/onnx/OpConverters.h"
#include "ir/OpSchema.h"

namespace kiln::onnx_import {
namespace {

const std::vector<AttrSpec>& conv_attributes() {
  static const std::vector<AttrSpec> kConv = {
      {"kernel_shape", AttrKind::Ints}, {"strides", AttrKind::Ints},   {"pads", AttrKind::Ints},
      {"auto_pad", AttrKind::String},   {"dilations", AttrKind::Ints}, {"group", AttrKind::Int}};
  return kConv;
}

/// The dtype of `value` from its type, the model's value_info or (before shape inference) the
/// `to` of the node computing it (a Cast, as DynamicQuantizeLinear's expansion casts its zero
/// point); Unknown when none says.
DType known_dtype(NodeConverter& node, const Value* value) {
  if (value->type.dtype != DType::Unknown) return value->type.dtype;
  auto hint = node.builder().type_hints.find(value->name);
  if (hint != node.builder().type_hints.end() && hint->second.dtype != DType::Unknown)
    return hint->second.dtype;
  const Node* producer = value->producer;
  if (producer && op_dtype_rule(producer->op) == DTypeRule::FromAttribute &&
      producer->output(0) == value)
    return parse_dtype_name(producer->attrs.get_string("to", "")).value_or(DType::Unknown);
  return DType::Unknown;
}

/// Emits `op` over `inputs` into ONNX outputs [0, outputs) with `to` set to `dtype`.
Status emit_typed(NodeConverter& node, const std::string& op, std::vector<Value*> inputs,
                  size_t outputs, Attributes attrs, DType dtype) {
  if (node.proto().output_size() > int(outputs))
    return node.error(op + " has " + std::to_string(outputs) + " output(s), not " +
                      std::to_string(node.proto().output_size()));
  Result<std::vector<Value*>> values = node.define_outputs(outputs);
  if (!values) return values.error();
  attrs.set("to", std::string(dtype_name(dtype)));
  node.emit(op, std::move(inputs), std::move(*values), std::move(attrs));
  return Status::ok();
}

/// The dtype of input `index` (a zero point or scale); an error when it cannot be known.
Result<DType> operand_dtype(NodeConverter& node, const std::vector<Value*>& inputs, size_t index,
                            const std::string& role) {
  DType dtype =
      index < inputs.size() && inputs[index] ? known_dtype(node, inputs[index]) : DType::Unknown;
  if (dtype == DType::Unknown)
    return node.error(node.op_type() + " needs the element type of its " + role +
                      " (an initializer, or a typed graph input)");
  return dtype;
}

/// Opset 21's block quantization is not supported; a block_size of 0 is the per-axis form.
Status reject_blocks(NodeConverter& node, const Attributes& attrs) {
  if (attrs.get_int("block_size", 0) != 0)
    return node.error(node.op_type() + " with block_size (blocked quantization) is not supported");
  return Status::ok();
}

}  // namespace

Status convert_quantize_linear(NodeConverter& node) {
  // saturate (opset 19) only affects float8 outputs, which the IR does not have.
  Result<Attributes> attrs = node.convert_attributes(
      {{"axis", AttrKind::Int}, {"block_size", AttrKind::Int}, {"output_dtype", AttrKind::Int}},
      {"saturate"});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_blocks(node, *attrs));
  Result<std::vector<Value*>> inputs = node.inputs_up_to(3, 2);
  if (!inputs) return inputs.error();
  // The zero point's dtype, else output_dtype (opset 21), else u8.
  DType dtype = DType::UInt8;
  if (attrs->has("output_dtype")) {
    std::optional<DType> given =
        dtype_from_onnx(static_cast<int32_t>(attrs->get_int("output_dtype", 0)));
    if (!given) return node.error("QuantizeLinear output_dtype is not supported");
    dtype = *given;
  }
  if (inputs->size() > 2) {
    Result<DType> zero = operand_dtype(node, *inputs, 2, "zero point");
    if (!zero) return zero.error();
    dtype = *zero;
  }
  attrs->erase("block_size");
  attrs->erase("output_dtype");
  return emit_typed(node, "QuantizeLinear", std::move(*inputs), 1, std::move(*attrs), dtype);
}

Status convert_dequantize_linear(NodeConverter& node) {
  Result<Attributes> attrs =
      node.convert_attributes({{"axis", AttrKind::Int}, {"block_size", AttrKind::Int}});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_blocks(node, *attrs));
  attrs->erase("block_size");
  Result<std::vector<Value*>> inputs = node.inputs_up_to(3, 2);
  if (!inputs) return inputs.error();
  Result<DType> scale = operand_dtype(node, *inputs, 1, "scale");
  if (!scale) return scale.error();
  return emit_typed(node, "DequantizeLinear", std::move(*inputs), 1, std::move(*attrs), *scale);
}

Status convert_dynamic_quantize_linear(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  Result<std::vector<Value*>> inputs = node.inputs_up_to(1, 1);
  if (!inputs) return inputs.error();
  return emit_typed(node, "DynamicQuantizeLinear", std::move(*inputs), 3, std::move(*attrs),
                    DType::UInt8);
}

Status convert_qlinear_conv(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes(conv_attributes());
  if (!attrs) return attrs.error();
  Result<std::vector<Value*>> inputs = node.inputs_up_to(9, 8);
  if (!inputs) return inputs.error();
  Result<DType> dtype = operand_dtype(node, *inputs, 7, "y_zero_point");
  if (!dtype) return dtype.error();
  return emit_typed(node, "QLinearConv", std::move(*inputs), 1, std::move(*attrs), *dtype);
}

Status convert_qlinear_mat_mul(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  Result<std::vector<Value*>> inputs = node.inputs_up_to(8, 8);
  if (!inputs) return inputs.error();
  Result<DType> dtype = operand_dtype(node, *inputs, 7, "y_zero_point");
  if (!dtype) return dtype.error();
  return emit_typed(node, "QLinearMatMul", std::move(*inputs), 1, std::move(*attrs), *dtype);
}

Status convert_conv_integer(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes(conv_attributes());
  if (!attrs) return attrs.error();
  Result<std::vector<Value*>> inputs = node.inputs_up_to(4, 2);
  if (!inputs) return inputs.error();
  return emit_typed(node, "ConvInteger", std::move(*inputs), 1, std::move(*attrs), DType::Int32);
}

Status convert_mat_mul_integer(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  Result<std::vector<Value*>> inputs = node.inputs_up_to(4, 2);
  if (!inputs) return inputs.error();
  return emit_typed(node, "MatMulInteger", std::move(*inputs), 1, std::move(*attrs), DType::Int32);
}

}  // namespace kiln::onnx_import
