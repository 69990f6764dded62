// ConvertSpecialOps.cpp: Constant and ConstantOfShape (which become IR constants, not nodes),
// Sum, Max, Min and Mean (chains of binary ops), Cast (ONNX dtype enum to IR dtype name), the
// ops whose extra training-time outputs Kiln drops or rejects, and LayerNormalization (optional
// statistics outputs, stash_type as a dtype name).
#include <cstring>

#include "frontend/onnx/OnnxTypes.h"
#include "frontend/onnx/OpConverters.h"
#include "ir/ModelLimits.h"

namespace kiln::onnx_import {
namespace {

/// The tensor a Constant node holds, from whichever of its value attributes is set.
Result<Tensor> constant_value(NodeConverter& node) {
  if (node.proto().attribute_size() != 1)
    return node.error("Constant must have exactly one value attribute");
  const onnx::AttributeProto& attr = node.proto().attribute(0);
  const std::string& name = attr.name();
  if (name == "value") {
    if (!attr.has_t()) return node.error("Constant attribute 'value' must be a tensor");
    Result<Tensor> tensor = node.builder().tensors.import(attr.t(), "Constant value");
    if (!tensor) return node.error(tensor.error().message);
    return tensor;
  }
  if (name == "value_float") return make_float_tensor({}, {attr.f()});
  if (name == "value_floats")
    return make_float_tensor({attr.floats_size()},
                             std::vector<float>(attr.floats().begin(), attr.floats().end()));
  if (name == "value_int") return make_int64_tensor({}, {attr.i()});
  if (name == "value_ints")
    return make_int64_tensor({attr.ints_size()},
                             std::vector<int64_t>(attr.ints().begin(), attr.ints().end()));
  return node.error("Constant attribute '" + name + "' is not supported (" +
                    (name.rfind("value_string", 0) == 0 || name == "sparse_value"
                         ? "string and sparse tensors have no IR form)"
                         : "unknown attribute)"));
}

/// Defines the node's single output as the IR constant `tensor` (no IR node).
Status define_constant_output(NodeConverter& node, Tensor tensor) {
  const std::string& op = node.op_type();
  if (node.proto().output_size() != 1) return node.error(op + " must have one output");
  const std::string& name = node.proto().output(0);
  if (name.empty()) return node.error(op + " output has no name");
  if (node.builder().graph.find_value(name))
    return node.error("value '" + name + "' is defined more than once");
  node.builder().graph.add_constant(name, std::move(tensor));
  return Status::ok();
}

}  // namespace

Status convert_constant(NodeConverter& node) {
  Result<Tensor> tensor = constant_value(node);
  if (!tensor) return tensor.error();
  return define_constant_output(node, std::move(*tensor));
}

Status convert_constant_of_shape(NodeConverter& node) {
  // Kiln compiles ahead of time: the shape must be a constant (as exporters write it, e.g.
  // Caffe2's weight fills and PyTorch's padding sizes), and the result is folded into an IR
  // constant here.
  Result<Attributes> attrs = node.convert_attributes({}, {"value"});
  if (!attrs) return attrs.error();
  if (Result<Value*> shape = node.required_input(0, "input"); !shape) return shape.error();
  Result<std::optional<std::vector<int64_t>>> dims = node.constant_ints(0, "input");
  if (!dims) return dims.error();
  if (!*dims) return node.error("ConstantOfShape needs its shape input");
  Tensor fill = make_float_tensor({}, {0.0f});
  if (const onnx::AttributeProto* value = node.attribute("value")) {
    if (!value->has_t()) return node.error("ConstantOfShape attribute 'value' must be a tensor");
    Result<Tensor> imported = node.builder().tensors.import(value->t(), "ConstantOfShape value");
    if (!imported) return node.error(imported.error().message);
    if (imported->element_count() != 1)
      return node.error("ConstantOfShape value must hold one element, not " +
                        std::to_string(imported->element_count()));
    fill = std::move(*imported);
  }
  const size_t element = dtype_size(fill.dtype);
  int64_t count = 1;
  for (int64_t d : **dims) {
    if (d < 0) return node.error("ConstantOfShape dim " + std::to_string(d) + " is negative");
    if (d != 0 && count > kMaxTensorBytes / int64_t(element) / d)
      return node.error("ConstantOfShape output is larger than " + std::to_string(kMaxTensorBytes) +
                        " bytes");
    count *= d;
  }
  if ((**dims).size() > kMaxTensorRank)
    return node.error("ConstantOfShape output has rank " + std::to_string((**dims).size()) +
                      " (at most " + std::to_string(kMaxTensorRank) + ")");
  std::vector<uint8_t> bytes(size_t(count) * element);
  const uint8_t* one = static_cast<const uint8_t*>(fill.data.data());
  for (int64_t i = 0; i < count; ++i) std::memcpy(bytes.data() + size_t(i) * element, one, element);
  return define_constant_output(
      node, Tensor{fill.dtype, **dims, TensorData::from_vector(std::move(bytes))});
}

namespace {

// A variadic ONNX op with numpy broadcasting (Sum, Max, Min, Mean) as a left-to-right chain of
// the binary IR op `binary` (which broadcasts the same way and fuses like any binary op); one
// input is the identity. Mean divides the Sum by the input count.
Status convert_variadic(NodeConverter& node, const std::string& binary, bool mean = false) {
  const std::string& op = node.op_type();
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  if (node.proto().output_size() != 1) return node.error(op + " must have one output");
  const int count = node.proto().input_size();
  if (count < 1) return node.error(op + " needs at least one input");
  std::vector<Value*> inputs;
  for (int i = 0; i < count; ++i) {
    Result<Value*> value = node.required_input(size_t(i), "data_" + std::to_string(i));
    if (!value) return value.error();
    inputs.push_back(*value);
  }
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  Value* divisor = nullptr;
  if (mean && count > 1) {
    // Mean is floating-point only; the divisor takes the operands' dtype where it is known.
    const DType dtype = inputs[0]->type.dtype;
    if (dtype != DType::Float32 && dtype != DType::Unknown)
      return node.error(std::string("Mean of ") + dtype_name(dtype) +
                        " is not supported (f32 only)");
    divisor = node.builder().graph.add_constant((*output)->name + "/count",
                                                make_float_tensor({}, {float(count)}));
  }
  if (count == 1) {
    node.emit("Identity", {inputs[0]}, {*output});
    return Status::ok();
  }
  Value* total = inputs[0];
  for (int i = 1; i < count; ++i) {
    const bool last = i + 1 == count && !divisor;
    Value* result = last ? *output : node.temporary("partial" + std::to_string(i));
    node.emit(binary, {total, inputs[size_t(i)]}, {result}, {},
              i == 1 ? "" : binary + std::to_string(i));
    total = result;
  }
  if (divisor) node.emit("Div", {total, divisor}, {*output}, {}, "mean");
  return Status::ok();
}

}  // namespace

Status convert_sum(NodeConverter& node) {
  return convert_variadic(node, "Add");
}
Status convert_max(NodeConverter& node) {
  return convert_variadic(node, "Max");
}
Status convert_min(NodeConverter& node) {
  return convert_variadic(node, "Min");
}
Status convert_mean(NodeConverter& node) {
  return convert_variadic(node, "Add", /*mean=*/true);
}

Status convert_cast(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({{"to", AttrKind::Int}}, {"saturate"});
  if (!attrs) return attrs.error();
  if (!attrs->has("to")) return node.error("Cast needs 'to'");
  auto onnx_type = static_cast<int32_t>(attrs->get_int("to", 0));
  std::optional<DType> dtype = dtype_from_onnx(onnx_type);
  if (!dtype) return node.error("Cast to " + onnx_type_name(onnx_type) + " is not supported");
  attrs->set("to", std::string(dtype_name(*dtype)));
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  if (node.proto().output_size() > 1) return node.error("Cast has only one output");
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Cast", {*data}, {*output}, std::move(*attrs));
  return Status::ok();
}

Status convert_dropout(NodeConverter& node) {
  // Inference-time Dropout is the identity: ratio and seed do not matter, the mask does not
  // exist. A constant training_mode of true with a non-zero ratio asks for randomness.
  Result<Attributes> attrs = node.convert_attributes({}, {"ratio", "seed", "is_test"});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(
      node.reject_used_outputs(1, "Kiln compiles inference graphs, which have no Dropout mask"));
  // A training_mode known only at run time could ask for randomness, so it must be constant.
  Result<std::optional<double>> training = node.constant_scalar(2, "training_mode");
  if (!training) return training.error();
  Result<std::optional<double>> ratio = node.constant_scalar(1, "ratio");
  if (*training && **training != 0.0 && !(ratio && *ratio && **ratio == 0.0))
    return node.error("training-mode Dropout (random masking) is not supported");
  Result<Value*> data = node.required_input(0, "data");
  if (!data) return data.error();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Dropout", {*data}, {*output});
  return Status::ok();
}

Status convert_batch_normalization(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes(
      {{"epsilon", AttrKind::Float}, {"spatial", AttrKind::Int}, {"training_mode", AttrKind::Int}},
      {"momentum", "is_test", "consumed_inputs"});
  if (!attrs) return attrs.error();
  if (attrs->get_int("spatial", 1) != 1)
    return node.error("BatchNormalization with spatial=0 is not supported");
  if (attrs->get_int("training_mode", 0) != 0)
    return node.error("BatchNormalization with training_mode=1 is not supported");
  attrs->erase("spatial");
  attrs->erase("training_mode");
  KILN_RETURN_IF_ERROR(node.reject_used_outputs(
      1, "the running/saved statistics outputs only exist in training mode"));
  const char* roles[] = {"X", "scale", "B", "input_mean", "input_var"};
  std::vector<Value*> inputs;
  for (size_t i = 0; i < 5; ++i) {
    Result<Value*> value = node.required_input(i, roles[i]);
    if (!value) return value.error();
    inputs.push_back(*value);
  }
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("BatchNormalization", std::move(inputs), {*output}, std::move(*attrs));
  return Status::ok();
}

Status convert_layer_normalization(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes(
      {{"axis", AttrKind::Int}, {"epsilon", AttrKind::Float}, {"stash_type", AttrKind::Int}});
  if (!attrs) return attrs.error();
  if (attrs->has("stash_type")) {
    const auto onnx_type = static_cast<int32_t>(attrs->get_int("stash_type", 1));
    std::optional<DType> dtype = dtype_from_onnx(onnx_type);
    if (!dtype || !is_floating(*dtype))
      return node.error("LayerNormalization stash_type " + onnx_type_name(onnx_type) +
                        " is not supported (a floating-point type is)");
    attrs->set("stash_type", std::string(dtype_name(*dtype)));
  }
  std::vector<Value*> inputs;
  const char* roles[] = {"X", "Scale", "B"};
  for (size_t i = 0; i < 3; ++i) {
    Result<Value*> value = i < 2 ? node.required_input(i, roles[i]) : node.input(i);
    if (!value) return value.error();
    if (*value) inputs.push_back(*value);
  }
  // Mean and InvStdDev are optional: the IR node has outputs up to the last one used.
  size_t outputs = 1;
  for (size_t i = 1; i < 3; ++i)
    if (node.output_used(i)) outputs = i + 1;
  if (node.proto().output_size() > 3) return node.error("LayerNormalization has three outputs");
  std::vector<Value*> results;
  for (size_t i = 0; i < outputs; ++i) {
    Result<Value*> output = node.define_output(i);
    if (!output) return output.error();
    results.push_back(*output);
  }
  node.emit("LayerNormalization", std::move(inputs), std::move(results), std::move(*attrs));
  return Status::ok();
}

Status convert_max_pool(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({{"kernel_shape", AttrKind::Ints},
                                                      {"strides", AttrKind::Ints},
                                                      {"pads", AttrKind::Ints},
                                                      {"auto_pad", AttrKind::String},
                                                      {"dilations", AttrKind::Ints},
                                                      {"ceil_mode", AttrKind::Int},
                                                      {"storage_order", AttrKind::Int}});
  if (!attrs) return attrs.error();
  if (node.proto().output_size() > 2) return node.error("MaxPool has at most two outputs");
  Result<Value*> data = node.required_input(0, "X");
  if (!data) return data.error();
  // The Indices output is its own IR op (the window's argmax); storage_order only numbers it.
  Attributes indices_attrs = *attrs;
  attrs->erase("storage_order");
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("MaxPool", {*data}, {*output}, std::move(*attrs));
  if (node.output_used(1)) {
    Result<Value*> indices = node.define_output(1);
    if (!indices) return indices.error();
    node.emit("MaxPoolIndices", {*data}, {*indices}, std::move(indices_attrs), "indices");
  }
  return Status::ok();
}

}  // namespace kiln::onnx_import
