// ConvertIndexingOps.cpp: the indexing and loss ops whose ONNX form is not the IR form: Scatter
// (ScatterElements before opset 11), OneHot (values first, depth folded), CumSum (axis folded),
// TopK (K folded; two outputs) and SoftmaxCrossEntropyLoss (an optional second output).
#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {
namespace {

/// The single integer of constant input `index`; an error naming `role` when absent.
Result<int64_t> constant_int_input(NodeConverter& node, size_t index, const std::string& role) {
  Result<std::optional<double>> value = node.constant_scalar(index, role);
  if (!value) return value.error();
  if (!*value) return node.error(node.op_type() + " needs its '" + role + "' input");
  return static_cast<int64_t>(**value);
}

Status reject_outputs_past(NodeConverter& node, int count) {
  if (node.proto().output_size() > count)
    return node.error(node.op_type() + " has " + std::to_string(node.proto().output_size()) +
                      " outputs; it has at most " + std::to_string(count));
  return Status::ok();
}

}  // namespace

Status convert_scatter(NodeConverter& node) {
  // Scatter (opsets 9-10) is ScatterElements without reduction, renamed in opset 11.
  Result<Attributes> attrs = node.convert_attributes({{"axis", AttrKind::Int}});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_outputs_past(node, 1));
  Result<std::vector<Value*>> inputs = node.inputs_up_to(3, 3, {"data", "indices", "updates"});
  if (!inputs) return inputs.error();
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("ScatterElements", std::move(*inputs), {*output}, std::move(*attrs));
  return Status::ok();
}

Status convert_one_hot(NodeConverter& node) {
  Result<Attributes> attrs = node.convert_attributes({{"axis", AttrKind::Int}});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_outputs_past(node, 1));
  Result<std::vector<Value*>> inputs = node.inputs_up_to(3, 3, {"indices", "depth", "values"});
  if (!inputs) return inputs.error();
  // The output shape depends on depth, so a compiler needs it before run time.
  Result<int64_t> depth = constant_int_input(node, 1, "depth");
  if (!depth) return depth.error();
  attrs->set("depth", *depth);
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("OneHot", {(*inputs)[2], (*inputs)[0]}, {*output}, std::move(*attrs));
  return Status::ok();
}

Status convert_cum_sum(NodeConverter& node) {
  Result<Attributes> attrs =
      node.convert_attributes({{"exclusive", AttrKind::Int}, {"reverse", AttrKind::Int}});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_outputs_past(node, 1));
  Result<Value*> x = node.required_input(0, "x");
  if (!x) return x.error();
  Result<int64_t> axis = constant_int_input(node, 1, "axis");
  if (!axis) return axis.error();
  attrs->set("axis", *axis);
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit("CumSum", {*x}, {*output}, std::move(*attrs));
  return Status::ok();
}

Status convert_top_k(NodeConverter& node) {
  // K is an attribute before opset 10 and an input from then on; largest and sorted exist from
  // opset 11 (earlier forms are largest=1, sorted=1).
  std::vector<AttrSpec> known = {{"axis", AttrKind::Int}};
  if (node.opset() < 10) known.push_back({"k", AttrKind::Int});
  if (node.opset() >= 11) {
    known.push_back({"largest", AttrKind::Int});
    known.push_back({"sorted", AttrKind::Int});
  }
  Result<Attributes> attrs = node.convert_attributes(known);
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_outputs_past(node, 2));
  Result<Value*> x = node.required_input(0, "X");
  if (!x) return x.error();
  if (node.opset() >= 10) {
    Result<int64_t> k = constant_int_input(node, 1, "K");
    if (!k) return k.error();
    attrs->set("k", *k);
  }
  if (!attrs->has("k")) return node.error("TopK needs 'k'");
  Result<std::vector<Value*>> outputs = node.define_outputs(2);
  if (!outputs) return outputs.error();
  node.emit("TopK", {*x}, std::move(*outputs), std::move(*attrs));
  return Status::ok();
}

Status convert_softmax_cross_entropy_loss(NodeConverter& node) {
  Result<Attributes> attrs =
      node.convert_attributes({{"reduction", AttrKind::String}, {"ignore_index", AttrKind::Int}});
  if (!attrs) return attrs.error();
  KILN_RETURN_IF_ERROR(reject_outputs_past(node, 2));
  Result<std::vector<Value*>> inputs = node.inputs_up_to(3, 2, {"scores", "labels", "weights"});
  if (!inputs) return inputs.error();
  const bool log_prob = node.proto().output_size() == 2 && !node.proto().output(1).empty();
  Result<std::vector<Value*>> outputs = node.define_outputs(log_prob ? 2 : 1);
  if (!outputs) return outputs.error();
  node.emit("SoftmaxCrossEntropyLoss", std::move(*inputs), std::move(*outputs), std::move(*attrs));
  return Status::ok();
}

}  // namespace kiln::onnx_import
