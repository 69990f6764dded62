// ConvertShapeOps.cpp: ops whose sizes or dtypes come from other operands: Split (sizes as an
// attribute before opset 13, an input after, or num_outputs from opset 18), Expand, Tile and
// Range (size operands the shape rules must see as constants, so they are folded at import where
// the model computes them), CastLike (a Cast to the other input's dtype) and EyeLike (an ONNX
// dtype enum becomes a dtype name).
#include <algorithm>

#include "frontend/onnx/ImportFolding.h"
#include "frontend/onnx/OnnxTypes.h"
#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {
namespace {

/// Emits `op` over the node's inputs (inputs at `size_operands` folded to constants where
/// possible), producing ONNX output 0.
Status emit_with_size_operands(NodeConverter& node, const std::string& op,
                               const std::vector<size_t>& size_operands, Attributes attrs = {}) {
  if (node.proto().output_size() > 1) return node.error(op + " has only one output");
  std::vector<Value*> inputs;
  for (size_t i = 0; i < size_t(node.proto().input_size()); ++i) {
    const bool size =
        std::find(size_operands.begin(), size_operands.end(), i) != size_operands.end();
    Result<Value*> value = size ? node.folded_input(i) : node.input(i);
    if (!value) return value.error();
    if (!*value) return node.error(op + " needs input " + std::to_string(i));
    inputs.push_back(*value);
  }
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit(op, std::move(inputs), {*output}, std::move(attrs));
  return Status::ok();
}

}  // namespace

Status convert_split(NodeConverter& node) {
  const bool split_is_attribute = node.opset() < 13;
  std::vector<AttrSpec> known = {{"axis", AttrKind::Int}};
  if (split_is_attribute) known.push_back({"split", AttrKind::Ints});
  if (node.opset() >= 18) known.push_back({"num_outputs", AttrKind::Int});
  Result<Attributes> attrs = node.convert_attributes(known);
  if (!attrs) return attrs.error();
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  const int64_t outputs = node.proto().output_size();
  if (outputs < 1) return node.error("Split needs at least one output");
  if (!split_is_attribute) {
    Result<std::optional<std::vector<int64_t>>> sizes = node.constant_ints(1, "split");
    if (!sizes) return sizes.error();
    if (*sizes) attrs->set("split", **sizes);
  }
  if (attrs->has("split") && attrs->has("num_outputs"))
    return node.error("Split takes either 'split' or 'num_outputs', not both");
  if (attrs->has("split") && int64_t(attrs->get_ints("split").size()) != outputs)
    return node.error("Split has " + std::to_string(attrs->get_ints("split").size()) +
                      " sizes for " + std::to_string(outputs) + " outputs");
  if (attrs->has("num_outputs") && attrs->get_int("num_outputs", 0) != outputs)
    return node.error("Split num_outputs is " + std::to_string(attrs->get_int("num_outputs", 0)) +
                      " but the node has " + std::to_string(outputs) + " outputs");
  // Without sizes the IR splits into num_outputs parts (before opset 18: equal parts, which is
  // the same rule for every dim they divide).
  if (!attrs->has("split")) attrs->set("num_outputs", outputs);
  std::vector<Value*> results;
  for (int64_t i = 0; i < outputs; ++i) {
    Result<Value*> output = node.define_output(size_t(i));
    if (!output) return output.error();
    results.push_back(*output);
  }
  node.emit("Split", {*data}, std::move(results), std::move(*attrs));
  return Status::ok();
}

Status convert_expand(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  return emit_with_size_operands(node, "Expand", {1});
}

Status convert_tile(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  return emit_with_size_operands(node, "Tile", {1});
}

Status convert_range(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  return emit_with_size_operands(node, "Range", {0, 1, 2});
}

Status convert_cast_like(NodeConverter& node) {
  // saturate (opset 19) only changes float8 conversions, which have no IR dtype.
  Result<Attributes> attrs = node.convert_attributes({}, {"saturate"});
  if (!attrs) return attrs.error();
  if (node.proto().output_size() > 1) return node.error("CastLike has only one output");
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  Result<Value*> like = node.required_input(1, "target_type");
  if (!like) return like.error();
  const DType dtype = type_at_import(node.builder(), *like).dtype;
  if (dtype == DType::Unknown)
    return node.error("CastLike needs the dtype of its target_type input ('" + (*like)->name +
                      "'), which is not known at import");
  Attributes cast;
  cast.set("to", std::string(dtype_name(dtype)));
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Cast", {*data}, {*output}, std::move(cast));
  return Status::ok();
}

Status convert_eye_like(NodeConverter& node) {
  Result<Attributes> attrs =
      node.convert_attributes({{"dtype", AttrKind::Int}, {"k", AttrKind::Int}});
  if (!attrs) return attrs.error();
  if (attrs->has("dtype")) {
    const auto onnx_type = static_cast<int32_t>(attrs->get_int("dtype", 0));
    std::optional<DType> dtype = dtype_from_onnx(onnx_type);
    if (!dtype) return node.error("EyeLike to " + onnx_type_name(onnx_type) + " is not supported");
    attrs->erase("dtype");
    attrs->set("to", std::string(dtype_name(*dtype)));
  }
  if (node.proto().output_size() > 1) return node.error("EyeLike has only one output");
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("EyeLike", {*data}, {*output}, std::move(*attrs));
  return Status::ok();
}

}  // namespace kiln::onnx_import
