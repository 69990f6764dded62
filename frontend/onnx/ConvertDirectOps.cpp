// ConvertDirectOps.cpp: ONNX ops whose every opset from 6 to 21 matches the IR op, so the
// conversion only checks attributes and wires values.
#include <map>

#include "frontend/onnx/OpConverters.h"

namespace kiln::onnx_import {
namespace {

struct DirectOp {
  std::vector<AttrSpec> attributes;
  std::vector<std::string> ignored;  ///< attributes with no effect on inference results
};

const std::map<std::string, DirectOp>& direct_ops() {
  static const std::vector<AttrSpec> kWindow = {{"kernel_shape", AttrKind::Ints},
                                                {"strides", AttrKind::Ints},
                                                {"pads", AttrKind::Ints},
                                                {"auto_pad", AttrKind::String}};
  static const std::vector<AttrSpec> kArgReduction = {
      {"axis", AttrKind::Int}, {"keepdims", AttrKind::Int}, {"select_last_index", AttrKind::Int}};
  auto with = [](std::vector<AttrSpec> base, std::vector<AttrSpec> extra) {
    base.insert(base.end(), extra.begin(), extra.end());
    return base;
  };
  static const std::map<std::string, DirectOp> kOps = {
      {"Conv", {with(kWindow, {{"dilations", AttrKind::Ints}, {"group", AttrKind::Int}}), {}}},
      {"AveragePool",  // dilations from opset 19
       {with(kWindow, {{"ceil_mode", AttrKind::Int},
                       {"count_include_pad", AttrKind::Int},
                       {"dilations", AttrKind::Ints}}),
        {}}},
      {"GlobalAveragePool", {}},
      {"ArgMax", {kArgReduction, {}}},
      {"ArgMin", {kArgReduction, {}}},
      {"GlobalMaxPool", {}},
      {"Relu", {}},
      {"LeakyRelu", {{{"alpha", AttrKind::Float}}, {}}},
      {"Elu", {{{"alpha", AttrKind::Float}}, {}}},
      {"Sigmoid", {}},
      {"Tanh", {}},
      {"Gemm",
       {{{"alpha", AttrKind::Float},
         {"beta", AttrKind::Float},
         {"transA", AttrKind::Int},
         {"transB", AttrKind::Int}},
        {}}},
      {"MatMul", {}},
      {"Flatten", {{{"axis", AttrKind::Int}}, {}}},
      {"Reshape", {{{"allowzero", AttrKind::Int}}, {}}},
      {"Transpose", {{{"perm", AttrKind::Ints}}, {}}},
      {"Concat", {{{"axis", AttrKind::Int}}, {}}},
      {"Shape", {{{"start", AttrKind::Int}, {"end", AttrKind::Int}}, {}}},
      {"Gather", {{{"axis", AttrKind::Int}}, {}}},
      {"Add", {}},
      {"Sub", {}},
      {"Mul", {}},
      {"Div", {}},
      {"PRelu", {}},
      {"Pow", {}},
      {"Mod", {{{"fmod", AttrKind::Int}}, {}}},
      {"Equal", {}},
      {"Less", {}},
      {"Greater", {}},
      {"LessOrEqual", {}},
      {"GreaterOrEqual", {}},
      {"Where", {}},
      {"Not", {}},
      {"And", {}},
      {"Or", {}},
      {"Xor", {}},
      {"Identity", {}},
      {"Abs", {}},
      {"Neg", {}},
      {"Sign", {}},
      {"Exp", {}},
      {"Log", {}},
      {"Sqrt", {}},
      {"Reciprocal", {}},
      {"Floor", {}},
      {"Ceil", {}},
      {"Round", {}},
      {"Erf", {}},
      {"Sin", {}},
      {"Cos", {}},
      {"Tan", {}},
      {"Asin", {}},
      {"Acos", {}},
      {"Atan", {}},
      {"Sinh", {}},
      {"Cosh", {}},
      {"Asinh", {}},
      {"Acosh", {}},
      {"Atanh", {}},
      {"Selu", {{{"alpha", AttrKind::Float}, {"gamma", AttrKind::Float}}, {}}},
      {"Celu", {{{"alpha", AttrKind::Float}}, {}}},
      {"HardSigmoid", {{{"alpha", AttrKind::Float}, {"beta", AttrKind::Float}}, {}}},
      {"HardSwish", {}},
      {"Softplus", {}},
      {"Softsign", {}},
      {"ThresholdedRelu", {{{"alpha", AttrKind::Float}}, {}}},
      {"Shrink", {{{"lambd", AttrKind::Float}, {"bias", AttrKind::Float}}, {}}},
      {"Mish", {}},
      {"IsNaN", {}},
      {"IsInf", {{{"detect_negative", AttrKind::Int}, {"detect_positive", AttrKind::Int}}, {}}},
      {"Gelu", {{{"approximate", AttrKind::String}}, {}}},
      {"DepthToSpace", {{{"blocksize", AttrKind::Int}, {"mode", AttrKind::String}}, {}}},
      {"SpaceToDepth", {{{"blocksize", AttrKind::Int}}, {}}},
      {"ConvTranspose",
       {with(kWindow, {{"dilations", AttrKind::Ints},
                       {"group", AttrKind::Int},
                       {"output_padding", AttrKind::Ints},
                       {"output_shape", AttrKind::Ints}}),
        {}}},
      {"LpPool",
       {with(kWindow,
             {{"p", AttrKind::Int}, {"dilations", AttrKind::Ints}, {"ceil_mode", AttrKind::Int}}),
        {}}},
      {"InstanceNormalization", {{{"epsilon", AttrKind::Float}}, {}}},
      {"LpNormalization", {{{"axis", AttrKind::Int}, {"p", AttrKind::Int}}, {}}},
      {"LRN",
       {{{"size", AttrKind::Int},
         {"alpha", AttrKind::Float},
         {"beta", AttrKind::Float},
         {"bias", AttrKind::Float}},
        {}}},
      {"MeanVarianceNormalization", {{{"axes", AttrKind::Ints}}, {}}},
      {"Size", {}},
      {"GatherElements", {{{"axis", AttrKind::Int}}, {}}},
      {"GatherND", {{{"batch_dims", AttrKind::Int}}, {}}},
      {"ScatterElements", {{{"axis", AttrKind::Int}, {"reduction", AttrKind::String}}, {}}},
      {"ScatterND", {{{"reduction", AttrKind::String}}, {}}},
      {"ReverseSequence", {{{"batch_axis", AttrKind::Int}, {"time_axis", AttrKind::Int}}, {}}},
      {"Einsum", {{{"equation", AttrKind::String}}, {}}},
      {"BitShift", {{{"direction", AttrKind::String}}, {}}},
      {"NegativeLogLikelihoodLoss",
       {{{"reduction", AttrKind::String}, {"ignore_index", AttrKind::Int}}, {}}},
  };
  return kOps;
}

}  // namespace

bool is_direct_op(const std::string& op_type) {
  return direct_ops().count(op_type) != 0;
}

Status convert_direct_op(NodeConverter& node) {
  const DirectOp& spec = direct_ops().at(node.op_type());
  Result<Attributes> attrs = node.convert_attributes(spec.attributes, spec.ignored);
  if (!attrs) return attrs.error();
  if (node.proto().output_size() > 1)
    return node.error(node.op_type() + " has " + std::to_string(node.proto().output_size()) +
                      " outputs; it has only one");
  std::vector<Value*> inputs;
  for (int i = 0; i < node.proto().input_size(); ++i) {
    Result<Value*> value = node.input(i);
    if (!value) return value.error();
    inputs.push_back(*value);
  }
  while (!inputs.empty() && !inputs.back()) inputs.pop_back();  // trailing omitted optionals
  Result<Value*> output = node.define_output(0);
  if (!output) return output.error();
  node.emit(node.op_type(), std::move(inputs), {*output}, std::move(*attrs));
  return Status::ok();
}

}  // namespace kiln::onnx_import
