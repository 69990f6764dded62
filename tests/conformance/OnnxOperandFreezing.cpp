// OnnxOperandFreezing.cpp: finds a node-test model's attribute-like operands and imports the model
// with them bound to the test data.
#include "tests/conformance/OnnxOperandFreezing.h"

#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>
#include <set>

#include "backends/reference/ReferenceEvaluator.h"
#include "frontend/onnx/OnnxImporter.h"

namespace kiln::testing {

namespace {

// Per op, the input positions Kiln's IR keeps as attributes, and the size operands its shape
// rules need at compile time (Expand's shape, Tile's repeats, Range's operands). Clip's bounds,
// Pad's fill and Trilu's k may be run-time inputs.
const OperandPositions kAttributeOperands = {
    {"Pad", {1, 3}},       {"Squeeze", {1}},         {"Unsqueeze", {1}},
    {"Dropout", {1, 2}},   {"ConstantOfShape", {0}}, {"ReduceMean", {1}},
    {"ReduceSum", {1}},    {"ReduceMax", {1}},       {"ReduceMin", {1}},
    {"ReduceProd", {1}},   {"ReduceL1", {1}},        {"ReduceL2", {1}},
    {"ReduceLogSum", {1}}, {"ReduceLogSumExp", {1}}, {"ReduceSumSquare", {1}},
    {"Split", {1}},        {"Expand", {1}},          {"Tile", {1}},
    {"Range", {0, 1, 2}},  {"MaxUnpool", {2}},       {"Resize", {1, 2, 3}},
    {"Upsample", {1}},     {"OneHot", {1}},          {"CumSum", {1}},
    {"TopK", {1}},
};

// Ops that read only their input's type, not its elements: freezing stops at them.
const std::set<std::string> kTypeOnlyOps = {"Shape", "Size"};

Result<onnx::ModelProto> read_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) return Error{path, "", "cannot read ModelProto"};
  return model;
}

// Names of the values fed to attribute-like operand positions, and of every value they are
// computed from (a Range limit cast from a graph input freezes that input), up to ops that read
// only types.
std::set<std::string> operand_names(const onnx::GraphProto& graph,
                                    const OperandPositions& positions) {
  std::map<std::string, const onnx::NodeProto*> producers;
  for (const onnx::NodeProto& node : graph.node())
    for (const std::string& output : node.output()) producers[output] = &node;
  std::set<std::string> names;
  std::vector<std::string> work;
  for (const onnx::NodeProto& node : graph.node()) {
    auto operands = positions.find(node.op_type());
    if (operands == positions.end()) continue;
    for (int position : operands->second)
      if (position < node.input_size() && !node.input(position).empty())
        work.push_back(node.input(position));
  }
  while (!work.empty()) {
    std::string name = work.back();
    work.pop_back();
    if (!names.insert(name).second) continue;
    auto producer = producers.find(name);
    if (producer == producers.end() || kTypeOnlyOps.count(producer->second->op_type())) continue;
    for (const std::string& input : producer->second->input())
      if (!input.empty()) work.push_back(input);
  }
  return names;
}

}  // namespace

Result<FrozenImport> import_with_frozen_operands(const std::string& model_path,
                                                 const OnnxTestDataSet& data_set,
                                                 const OperandPositions& also_freeze) {
  Result<onnx::ModelProto> model = read_model(model_path);
  if (!model) return model.error();
  const onnx::GraphProto& graph = model->graph();
  std::set<std::string> initializers;
  for (const auto& init : graph.initializer()) initializers.insert(init.name());
  std::set<std::string> to_freeze = operand_names(graph, kAttributeOperands);
  to_freeze.merge(operand_names(graph, also_freeze));

  // Test data inputs follow the graph inputs that are not initializers, in order.
  std::map<std::string, Tensor> constants;
  std::vector<Tensor> remaining;
  size_t data_index = 0;
  for (const onnx::ValueInfoProto& input : graph.input()) {
    if (initializers.count(input.name())) continue;
    bool freeze = to_freeze.count(input.name()) != 0;
    if (data_index >= data_set.inputs.size()) {
      if (!freeze) continue;  // running the graph reports the missing input
      return Error{
          data_set.dir, "",
          "no input_" + std::to_string(data_index) + ".pb for graph input '" + input.name() + "'"};
    }
    const Tensor& value = data_set.inputs[data_index++];
    if (freeze)
      constants.emplace(input.name(), value);
    else
      remaining.push_back(value);
  }
  // Surplus data inputs are passed on so the run reports the count mismatch.
  for (; data_index < data_set.inputs.size(); ++data_index)
    remaining.push_back(data_set.inputs[data_index]);
  static const ReferenceEvaluator evaluator;
  Result<Graph> imported = import_onnx_file(model_path, constants, &evaluator);
  if (!imported) return imported.error();
  return FrozenImport{std::move(*imported), std::move(remaining)};
}

}  // namespace kiln::testing
