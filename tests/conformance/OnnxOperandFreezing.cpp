// OnnxOperandFreezing.cpp: rewrites a node-test model so attribute-like operands are initializers.
#include "tests/conformance/OnnxOperandFreezing.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <set>

namespace kiln::testing {

namespace {

// Per op, the input positions Kiln's IR keeps as attributes.
const std::map<std::string, std::set<int>> kAttributeOperands = {
    {"Clip", {1, 2}},   {"Pad", {1, 2, 3}},  {"Squeeze", {1}},
    {"Unsqueeze", {1}}, {"ReduceMean", {1}}, {"Dropout", {1, 2}},
};

Result<onnx::ModelProto> read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) return Error{path, "", "cannot read ModelProto"};
  return model;
}

}  // namespace

Result<FrozenOperands> freeze_attribute_operands(const std::string& model_path,
                                                 const std::string& data_set_dir,
                                                 const std::string& copy_path) {
  Result<onnx::ModelProto> model = read_model(model_path);
  if (!model) return model.error();
  onnx::GraphProto* graph = model->mutable_graph();

  std::set<std::string> initializers;
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  std::set<std::string> to_freeze;
  for (const onnx::NodeProto& node : graph->node()) {
    auto operands = kAttributeOperands.find(node.op_type());
    if (operands == kAttributeOperands.end()) continue;
    for (int position : operands->second)
      if (position < node.input_size() && !node.input(position).empty())
        to_freeze.insert(node.input(position));
  }

  FrozenOperands result{model_path, {}, false};
  // Test data inputs follow the graph inputs that are not initializers, in order.
  google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> kept_inputs;
  size_t data_index = 0;
  for (const onnx::ValueInfoProto& input : graph->input()) {
    if (initializers.count(input.name())) {
      *kept_inputs.Add() = input;
      continue;
    }
    if (!to_freeze.count(input.name())) {
      *kept_inputs.Add() = input;
      ++data_index;
      continue;
    }
    std::string pb_path = data_set_dir + "/input_" + std::to_string(data_index) + ".pb";
    std::ifstream in(pb_path, std::ios::binary);
    onnx::TensorProto* tensor = graph->add_initializer();
    if (!in || !tensor->ParseFromIstream(&in)) return Error{pb_path, "", "cannot read TensorProto"};
    tensor->set_name(input.name());
    result.frozen_inputs.push_back(data_index++);
  }
  if (result.frozen_inputs.empty()) return result;

  *graph->mutable_input() = kept_inputs;
  std::ofstream out(copy_path, std::ios::binary | std::ios::trunc);
  if (!out || !model->SerializeToOstream(&out)) return Error{copy_path, "", "cannot write model"};
  result.model_path = copy_path;
  result.wrote_copy = true;
  return result;
}

}  // namespace kiln::testing
