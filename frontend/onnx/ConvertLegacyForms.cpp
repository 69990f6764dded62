// ConvertLegacyForms.cpp: ops whose ONNX form changed between opsets 6 and 21 (attributes that
// became inputs, Softmax's 2-D coercion). Each is normalised to the single IR form of ir/Ops.def;
// inputs that become attributes must be known at import (constants, or folded from them).
#include <algorithm>

#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {
namespace {

/// Emits `op` reading data input 0 with `attrs`, producing ONNX output 0.
Status emit_unary(NodeConverter& node, const std::string& op, Attributes attrs) {
  Result<Value*> data = node.required_input(0, "data");
  if (!data) return data.error();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit(op, {*data}, {*output}, std::move(attrs));
  return Status::ok();
}

Status reject_extra_outputs(NodeConverter& node) {
  if (node.proto().output_size() > 1) return node.error(node.op_type() + " has only one output");
  return Status::ok();
}

/// Moves constant input `index` (1-D ints) into attribute `name`; leaves it unset when absent.
Status move_ints_input_to_attribute(NodeConverter& node, size_t index, const std::string& role,
                                    Attributes& attrs, const std::string& name) {
  Result<std::optional<std::vector<int64_t>>> values = node.constant_ints(index, role);
  if (!values) return values.error();
  if (*values) attrs.set(name, **values);
  return Status::ok();
}

/// A one-element operand that changes no shape (Clip's bounds, Pad's fill, Trilu's k): attribute
/// `name` when known at import, else `inputs[slot]`, read at run time.
Status take_scalar_operand(NodeConverter& node, size_t index, const std::string& name,
                           bool integral, Attributes& attrs, std::vector<Value*>& inputs,
                           size_t slot) {
  Result<Value*> operand = node.folded_input(index);
  if (!operand) return operand.error();
  if (!*operand) return Status::ok();
  if (!(*operand)->is_constant()) {
    inputs.resize(std::max(inputs.size(), slot + 1), nullptr);
    inputs[slot] = *operand;
    return Status::ok();
  }
  const Tensor& value = *(*operand)->constant;
  if (value.element_count() != 1)
    return node.error(node.op_type() + " input '" + name + "' must hold one value");
  if (integral)
    attrs.set(name, value.element_as_int(0));
  else
    attrs.set(name, value.element_as_double(0));
  return Status::ok();
}

/// Emits `op` over `inputs` (trailing omitted ones dropped), producing ONNX output 0.
Status emit_with_inputs(NodeConverter& node, const std::string& op, std::vector<Value*> inputs,
                        Attributes attrs) {
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit(op, std::move(inputs), {*output}, std::move(attrs));
  return Status::ok();
}

}  // namespace

Status convert_clip(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  if (node.opset() < 11) {
    Result<Attributes> attrs =
        node.convert_attributes({{"min", AttrKind::Float}, {"max", AttrKind::Float}});
    if (!attrs) return attrs.error();
    return emit_unary(node, "Clip", std::move(*attrs));
  }
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  std::vector<Value*> inputs = {*data};
  KILN_RETURN_IF_ERROR(take_scalar_operand(node, 1, "min", false, *attrs, inputs, 1));
  KILN_RETURN_IF_ERROR(take_scalar_operand(node, 2, "max", false, *attrs, inputs, 2));
  return emit_with_inputs(node, "Clip", std::move(inputs), std::move(*attrs));
}

Status convert_softmax(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  const std::string op = node.op_type();  // Softmax, LogSoftmax or Hardmax
  Result<Attributes> attrs = node.convert_attributes({{"axis", AttrKind::Int}});
  if (!attrs) return attrs.error();
  if (node.opset() >= 13) return emit_unary(node, op, std::move(*attrs));

  // Before opset 13 these ops flatten the input to 2-D at `axis` and normalises each row, which
  // is the op over all dims from `axis` on. Only when `axis` is the last dim is that the
  // single-axis softmax of today; otherwise flatten, softmax the rows and reshape back.
  int64_t axis = attrs->get_int("axis", 1);
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  std::optional<int64_t> rank = node.known_rank(*data);
  bool axis_is_last = axis == -1 || (rank && (axis < 0 ? axis + *rank : axis) == *rank - 1);
  if (axis_is_last) {
    Attributes single_axis;
    single_axis.set("axis", axis);
    return emit_unary(node, op, std::move(single_axis));
  }
  Attributes flatten_attrs, softmax_attrs;
  flatten_attrs.set("axis", axis);
  softmax_attrs.set("axis", int64_t{-1});
  Value* flat = node.temporary("flat");
  Value* flat_softmax = node.temporary("flat_softmax");
  Value* shape = node.temporary("shape");
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Flatten", {*data}, {flat}, std::move(flatten_attrs), "flatten");
  node.emit(op, {flat}, {flat_softmax}, std::move(softmax_attrs), "softmax");
  node.emit("Shape", {*data}, {shape}, {}, "shape");
  node.emit("Reshape", {flat_softmax, shape}, {*output}, {}, "reshape");
  return Status::ok();
}

Status convert_squeeze(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  if (node.opset() < 13) {
    Result<Attributes> attrs = node.convert_attributes({{"axes", AttrKind::Ints}});
    if (!attrs) return attrs.error();
    return emit_unary(node, "Squeeze", std::move(*attrs));
  }
  Result<Attributes> attrs = node.convert_attributes({});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(move_ints_input_to_attribute(node, 1, "axes", *attrs, "axes"));
  return emit_unary(node, "Squeeze", std::move(*attrs));
}

Status convert_unsqueeze(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  Result<Attributes> attrs =
      node.convert_attributes(node.opset() < 13 ? std::vector<AttrSpec>{{"axes", AttrKind::Ints}}
                                                : std::vector<AttrSpec>{});
  if (!attrs) return attrs.error();
  if (node.opset() >= 13) {
    Result<Value*> axes = node.required_input(1, "axes");
    if (!axes) return axes.error();
    KILN_RETURN_IF_ERROR(move_ints_input_to_attribute(node, 1, "axes", *attrs, "axes"));
  }
  if (!attrs->has("axes")) return node.error("Unsqueeze needs 'axes'");
  return emit_unary(node, "Unsqueeze", std::move(*attrs));
}

Status convert_reduction(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  const std::string op = node.op_type();
  // ReduceSum took its axes as an input from opset 13, the other reductions from opset 18.
  const int axes_input_opset = op == "ReduceSum" ? 13 : 18;
  if (node.opset() < axes_input_opset) {
    Result<Attributes> attrs =
        node.convert_attributes({{"axes", AttrKind::Ints}, {"keepdims", AttrKind::Int}});
    if (!attrs) return attrs.error();
    return emit_unary(node, op, std::move(*attrs));
  }
  Result<Attributes> attrs = node.convert_attributes(
      {{"keepdims", AttrKind::Int}, {"noop_with_empty_axes", AttrKind::Int}});
  if (!attrs) return attrs.error();
  bool noop_without_axes = attrs->get_int("noop_with_empty_axes", 0) != 0;
  attrs->erase("noop_with_empty_axes");
  KILN_RETURN_IF_ERROR(move_ints_input_to_attribute(node, 1, "axes", *attrs, "axes"));
  bool no_axes = attrs->get_ints("axes").empty();
  if (no_axes) attrs->erase("axes");  // an empty list means "all axes" like an absent one
  if (no_axes && noop_without_axes) return emit_unary(node, "Identity", {});
  return emit_unary(node, op, std::move(*attrs));
}

Status convert_trilu(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  Result<Attributes> attrs = node.convert_attributes({{"upper", AttrKind::Int}});
  if (!attrs) return attrs.error();
  Result<Value*> data = node.required_input(0, "input");
  if (!data) return data.error();
  std::vector<Value*> inputs = {*data};
  KILN_RETURN_IF_ERROR(take_scalar_operand(node, 1, "k", true, *attrs, inputs, 1));
  return emit_with_inputs(node, "Trilu", std::move(inputs), std::move(*attrs));
}

Status convert_pad(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  Result<Attributes> attrs =
      node.opset() < 11
          ? node.convert_attributes(
                {{"mode", AttrKind::String}, {"pads", AttrKind::Ints}, {"value", AttrKind::Float}})
          : node.convert_attributes({{"mode", AttrKind::String}});
  if (!attrs) return attrs.error();
  // Opset 19 adds wrap to constant, reflect and edge.
  const std::string mode = attrs->get_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    return node.error("Pad mode '" + mode + "' is unknown (constant, reflect, edge or wrap)");
  if (mode == "constant") attrs->erase("mode");
  if (node.opset() < 11) {
    if (!attrs->has("pads")) return node.error("Pad needs 'pads'");
    return emit_unary(node, "Pad", std::move(*attrs));
  }

  Result<Value*> data = node.required_input(0, "data");
  if (!data) return data.error();
  std::vector<Value*> inputs = {*data};
  Result<Value*> pads_input = node.required_input(1, "pads");
  if (!pads_input) return pads_input.error();
  Result<std::optional<std::vector<int64_t>>> pads = node.constant_ints(1, "pads");
  if (!pads) return pads.error();
  KILN_RETURN_IF_ERROR(take_scalar_operand(node, 2, "value", false, *attrs, inputs, 1));
  Result<std::optional<std::vector<int64_t>>> axes = node.constant_ints(3, "axes");
  if (!axes) return axes.error();
  if (!*axes) {
    attrs->set("pads", **pads);
  } else {
    // Opset 18 pads only the listed axes; the IR form lists every axis.
    std::optional<int64_t> rank = node.known_rank(*data);
    if (!rank) return node.error("Pad with 'axes' needs an input of known rank");
    size_t axis_count = (*axes)->size();
    if ((*pads)->size() != 2 * axis_count)
      return node.error("Pad has " + std::to_string((*pads)->size()) + " pads for " +
                        std::to_string(axis_count) + " axes");
    std::vector<int64_t> full_pads(2 * *rank, 0);
    for (size_t k = 0; k < axis_count; ++k) {
      int64_t axis = (**axes)[k] < 0 ? (**axes)[k] + *rank : (**axes)[k];
      if (axis < 0 || axis >= *rank)
        return node.error("Pad axis " + std::to_string((**axes)[k]) + " is out of range");
      full_pads[axis] = (**pads)[k];
      full_pads[axis + *rank] = (**pads)[k + axis_count];
    }
    attrs->set("pads", std::move(full_pads));
  }
  return emit_with_inputs(node, "Pad", std::move(inputs), std::move(*attrs));
}

Status convert_slice(NodeConverter& node) {
  KILN_RETURN_IF_ERROR(reject_extra_outputs(node));
  Result<Attributes> attrs =
      node.opset() < 10
          ? node.convert_attributes(
                {{"starts", AttrKind::Ints}, {"ends", AttrKind::Ints}, {"axes", AttrKind::Ints}})
          : node.convert_attributes({});
  if (!attrs) return attrs.error();
  Result<Value*> data = node.required_input(0, "data");
  if (!data) return data.error();
  std::vector<Value*> inputs = {*data};
  if (node.opset() < 10) {
    // Opset 1-9 Slice holds starts/ends/axes as attributes; the IR takes them as inputs.
    if (!attrs->has("starts") || !attrs->has("ends"))
      return node.error("Slice needs 'starts' and 'ends'");
    for (const char* role : {"starts", "ends", "axes"}) {
      if (!attrs->has(role)) continue;
      std::vector<int64_t> values = attrs->get_ints(role);
      std::string name = node.builder().fresh_value_name(node.name() + "/" + role);
      inputs.push_back(node.builder().graph.add_constant(
          name, make_int64_tensor({static_cast<int64_t>(values.size())}, values)));
    }
  } else {
    const char* roles[] = {"starts", "ends", "axes", "steps"};
    for (size_t i = 1; i <= 4; ++i) {
      Result<Value*> value = i <= 2 ? node.required_input(i, roles[i - 1]) : node.input(i);
      if (!value) return value.error();
      inputs.push_back(*value);
    }
    while (!inputs.back()) inputs.pop_back();
  }
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("Slice", std::move(inputs), {*output});
  return Status::ok();
}

}  // namespace kiln::onnx_import
